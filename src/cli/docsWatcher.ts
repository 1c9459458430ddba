// Watches the docs folders for `docent mcp` (the editor has its own watcher): changed paths are
// collected for a short while and handed on in one batch. fs.watch with `recursive` where the
// platform has it (Linux from Node 20, macOS, Windows), else a poll of the folders' listing.
import { watch, promises as fs, type FSWatcher } from "node:fs";
import * as path from "node:path";
import { listCorpus, type CorpusOptions } from "../engine/index/ingest/corpus.js";
import type { Logger } from "../engine/util/logger.js";

export interface DocsWatcherOptions {
  /** Changed, created or deleted files (absolute paths), after `debounceMs` of quiet. */
  onFiles(files: string[]): void;
  /** Something changed that is not one file (a folder created, moved or deleted): look again at everything. */
  onRescan(): void;
  /** Whether an absolute path is (or was) an indexed file. */
  isKnownFile(file: string): boolean;
  /** "fs" (fs.watch, falling back to polling), "poll", or "off". */
  mode?: "fs" | "poll" | "off";
  debounceMs?: number;
  pollMs?: number;
  /** What the poll lists (the index's include and exclude globs). */
  corpus?: CorpusOptions;
  logger: Logger;
}

export interface DocsWatcher {
  /** "fs", "poll" or "off": what is actually watching. */
  readonly mode: "fs" | "poll" | "off";
  close(): void;
}

const ALWAYS_IGNORED = /(^|[\\/])(\.git|node_modules)([\\/]|$)/;

export function watchDocs(roots: string[], options: DocsWatcherOptions): DocsWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const pending = new Set<string>();
  let rescan = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = async () => {
    timer = undefined;
    const paths = [...pending];
    pending.clear();
    const files: string[] = [];
    for (const p of paths) {
      const stat = await fs.stat(p).catch(() => undefined);
      if (stat?.isFile() || options.isKnownFile(p)) files.push(p);
      // A folder, or a path that is gone and was no indexed file (a deleted folder): its files
      // are not named one by one, so everything is looked at again.
      else rescan = true;
    }
    if (closed) return;
    if (files.length) options.onFiles(files);
    if (rescan) {
      rescan = false;
      options.onRescan();
    }
  };
  const note = (absPath: string) => {
    if (closed || ALWAYS_IGNORED.test(absPath)) return;
    pending.add(absPath);
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), debounceMs);
  };

  const mode = options.mode ?? "fs";
  if (mode === "off") return { mode, close: () => {} };
  if (mode === "fs") {
    const watchers: FSWatcher[] = [];
    try {
      for (const root of roots) {
        const w = watch(root, { recursive: true, persistent: false }, (_event, name) => {
          if (name) note(path.join(root, name.toString()));
          else note(root);
        });
        w.on("error", (err) => options.logger.warn(`Watching ${root} failed: ${err.message}`));
        watchers.push(w);
      }
      return {
        mode,
        close: () => {
          closed = true;
          clearTimeout(timer);
          for (const w of watchers) w.close();
        },
      };
    } catch (err) {
      for (const w of watchers) w.close();
      options.logger.warn(`fs.watch is not available here (${(err as Error).message}); polling the docs instead`);
    }
  }
  return pollDocs(roots, options, note, () => {
    closed = true;
    clearTimeout(timer);
  });
}

/** Lists the folders every `pollMs` and notes every file whose size or time changed, appeared or went. */
function pollDocs(roots: string[], options: DocsWatcherOptions, note: (absPath: string) => void, onClose: () => void): DocsWatcher {
  const pollMs = options.pollMs ?? 2000;
  let last: Map<string, string> | undefined;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const listing = await listCorpus(roots, options.corpus ?? {});
      const now = new Map(listing.files.map((f) => [f.absPath, `${f.size}:${f.mtimeMs}`]));
      if (last) {
        for (const [file, stamp] of now) if (last.get(file) !== stamp) note(file);
        for (const file of last.keys()) if (!now.has(file)) note(file);
      }
      last = now;
    } catch (err) {
      options.logger.warn(`Polling the docs failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  void poll();
  const interval = setInterval(() => void poll(), pollMs);
  interval.unref();
  return {
    mode: "poll",
    close: () => {
      clearInterval(interval);
      onClose();
    },
  };
}
