// Failures and cancellation of a resolution: the error a caller sees, racing a promise against
// an abort signal, and one resolution at a time per file.
import { ModelReferenceError } from "./types.js";

/** The caller's abort reason as is; our stall error as is; anything else wrapped with the ref. */
export function wrapFailure(err: unknown, ref: string, signal: AbortSignal | undefined, combined: AbortSignal, path?: string): unknown {
  if (signal?.aborted) return signal.reason;
  if (combined.aborted) return combined.reason;
  if (err instanceof ModelReferenceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ModelReferenceError("download-failed", `Model download ${ref} failed: ${message}`, ref, path, {
    cause: err,
  });
}

export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

const keyLocks = new Map<string, Promise<unknown>>();

export async function withKeyLock<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const previous = keyLocks.get(key);
  const run = (async () => {
    if (previous) {
      const settled = previous.then(
        () => undefined,
        () => undefined,
      );
      await (signal ? raceAbort(settled, signal) : settled);
    }
    return fn();
  })();
  keyLocks.set(key, run);
  try {
    return await run;
  } finally {
    if (keyLocks.get(key) === run) keyLocks.delete(key);
  }
}
