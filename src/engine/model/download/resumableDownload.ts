// One large file over HTTP(S) that survives a dropped connection and does not hang on a stalled one:
// each try after the first asks for the rest (`Range: bytes=N-`, with `If-Range` so a file changed
// on the server is fetched whole again rather than spliced), and a try that receives no byte for
// `stallTimeoutMs` is ended and retried. Enable CUDA fetches 140-180 MB tarballs through it.
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import { pipeline } from "node:stream/promises";

export interface ResumableProgress {
  receivedBytes: number;
  totalBytes?: number;
}

export interface ResumableDownloadOptions {
  /** What is downloaded, for messages (e.g. the package name). */
  name: string;
  signal?: AbortSignal;
  onProgress?: (p: ResumableProgress) => void;
  /** A try that receives nothing (headers or bytes) for this long is ended; default 60 s. */
  stallTimeoutMs?: number;
  /** Tries in a row that add no byte before giving up; default 4 (a try that adds bytes starts the count again). */
  maxTriesWithoutProgress?: number;
  /** Pause before the next try, multiplied by the tries without progress so far; default 1 s. */
  retryDelayMs?: number;
  /** Told about each resume (for the log). */
  onRetry?: (info: { attempt: number; fromByte: number; reason: string }) => void;
}

export interface ResumableResult {
  bytes: number;
  /** How many tries continued a partial download with a Range request (0: it came in one piece). */
  resumes: number;
}

export const DEFAULT_DOWNLOAD_STALL_MS = 60_000;

/** A try ended because nothing arrived for the stall timeout. */
class StallError extends Error {}

/** Why a try failed and whether another try may fix it. */
class TryFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Downloads `url` into `file` (created or replaced), resuming after dropped connections and
 * stalls. Throws with a message that says what happened (HTTP status, stall at how many MB,
 * cancelled); the partial file is left for the caller to remove.
 */
export async function downloadResumable(url: string, file: string, options: ResumableDownloadOptions): Promise<ResumableResult> {
  const stallMs = options.stallTimeoutMs ?? DEFAULT_DOWNLOAD_STALL_MS;
  const maxIdleTries = options.maxTriesWithoutProgress ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const state: DownloadState = { received: 0, resumes: 0 };
  let triesWithoutProgress = 0;
  await fs.writeFile(file, new Uint8Array(0));
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const before = state.received;
    try {
      await oneTry(url, file, state, stallMs, options);
      if (state.total !== undefined && state.received !== state.total)
        throw new TryFailure(`the connection ended at ${mb(state.received)} of ${mb(state.total)} MB`, true);
      return { bytes: state.received, resumes: state.resumes };
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      const stalled = err instanceof StallError;
      const failure = stalled
        ? new TryFailure(`no data for ${seconds(stallMs)} s${progressAt(state)}`, true)
        : err instanceof TryFailure
          ? err
          : new TryFailure(`the connection failed${progressAt(state)} (${describe(err)})`, true);
      triesWithoutProgress = state.received > before ? 0 : triesWithoutProgress + 1;
      if (!failure.retryable || triesWithoutProgress >= maxIdleTries) {
        const tries = failure.retryable ? `; gave up after ${triesWithoutProgress} ${triesWithoutProgress === 1 ? "try" : "tries"} without progress` : "";
        throw new Error(`${options.name}: download ${stalled ? "stalled" : "failed"}: ${failure.message}${tries}`);
      }
      options.onRetry?.({ attempt: attempt + 1, fromByte: state.received, reason: failure.message });
      await delay(retryDelayMs * Math.max(1, triesWithoutProgress), options.signal);
    }
  }
}

/** What is known across tries: the bytes in the file, the file's size and its validator (ETag or Last-Modified, for If-Range). */
interface DownloadState {
  received: number;
  total?: number;
  validator?: string;
  resumes: number;
}

/** One request: the whole file, or the rest of it from `state.received`; updates `state` as bytes arrive. */
async function oneTry(url: string, file: string, state: DownloadState, stallMs: number, options: ResumableDownloadOptions): Promise<void> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stop.abort(new StallError()), stallMs);
  };
  arm();
  try {
    const headers: Record<string, string> = {};
    if (state.received > 0) {
      headers.range = `bytes=${state.received}-`;
      if (state.validator) headers["if-range"] = state.validator;
    }
    const res = await fetch(url, { signal, headers });
    let append: boolean;
    if (res.status === 206 && state.received > 0) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== state.received)
        throw new TryFailure(`the server answered a request for the bytes from ${state.received} with "${res.headers.get("content-range")}"`, false);
      if (range[3] !== "*") state.total = Number(range[3]);
      append = true;
      state.resumes++;
    } else if (res.status === 200) {
      // The whole file: a first try, or a server that ignores Range, or a file that changed (If-Range).
      append = false;
      state.received = 0;
      const length = Number(res.headers.get("content-length"));
      state.total = length > 0 ? length : undefined;
      state.validator = res.headers.get("etag") ?? res.headers.get("last-modified") ?? undefined;
    } else {
      await res.body?.cancel().catch(() => undefined);
      // A server error may pass; anything else (404, 403) will not.
      throw new TryFailure(`HTTP ${res.status} from ${url}`, res.status >= 500 || res.status === 429);
    }
    if (!res.body) throw new TryFailure(`HTTP ${res.status} from ${url} without a body`, true);
    options.onProgress?.({ receivedBytes: state.received, totalBytes: state.total });
    // pipeline(): a write error (a full disk) rejects here and closes the file.
    await pipeline(
      async function* () {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          state.received += chunk.length;
          yield chunk;
          options.onProgress?.({ receivedBytes: state.received, totalBytes: state.total });
        }
      },
      createWriteStream(file, { flags: append ? "a" : "w" }),
    );
  } catch (err) {
    // fetch() and the body's reader reject with the abort reason, or wrap it.
    if (stop.signal.aborted && stop.signal.reason instanceof StallError) throw stop.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function progressAt({ received, total }: DownloadState): string {
  return total ? ` at ${mb(received)} of ${mb(total)} MB` : ` after ${mb(received)} MB`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
