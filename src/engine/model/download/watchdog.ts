// The stall watchdog: cancels a download that makes no new progress for a while (the
// downloader itself retries dropped connections for many minutes).
import { ModelReferenceError } from "./types.js";

export class StallWatchdog {
  onStall: (() => void) | undefined;
  best = 0;
  total = 0;
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly timeoutMs: number) {}

  start(): void {
    this.last = Date.now();
    const every = Math.max(50, Math.min(1000, Math.floor(this.timeoutMs / 4)));
    this.timer = setInterval(() => {
      if (Date.now() - this.last >= this.timeoutMs) {
        this.stop();
        this.onStall?.();
      }
    }, every);
    this.timer.unref();
  }

  /** Only a new high-water mark counts: a retry that re-reads the same bytes is no progress. */
  progress(downloaded: number, total: number): void {
    this.total = total;
    if (downloaded > this.best) {
      this.best = downloaded;
      this.last = Date.now();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function stalledReason(ref: string, watchdog: StallWatchdog, timeoutMs: number): ModelReferenceError {
  const at = watchdog.total > 0 ? ` at ${watchdog.best} of ${watchdog.total} bytes` : "";
  return new ModelReferenceError(
    "stalled",
    `Model download ${ref} stalled: no progress for ${(timeoutMs / 1000).toFixed(1)} s${at}; ` + `the partial file is kept and the next attempt resumes it`,
    ref,
  );
}
