// Watches the docs folders for `docent mcp` (the editor has its own watcher): changed paths are
// collected for a short while and handed on in one batch. chokidar watches only what the index
// would take in (the same include and exclude globs, .gitignore files and `.git/info/exclude`, from
// the index's own rules, DocsPathRules): node_modules and ignored folders get no inotify watch.
// A docs folder that is removed (and created again) is noticed, logged and watched again.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { watch as chokidarWatch, type FSWatcher } from "chokidar";
import { DocsPathRules, listCorpus, type CorpusOptions } from "../engine/index/ingest/corpus.js";
import type { Logger } from "../engine/util/logger.js";

export interface DocsWatcherOptions {
  /** Changed, created or deleted files (absolute paths), after `debounceMs` of quiet. */
  onFiles(files: string[]): void;
  /** Something changed that is not one file (a folder created, moved or deleted): look again at everything. */
  onRescan(): void;
  /** Whether an absolute path is (or was) an indexed file. */
  isKnownFile(file: string): boolean;
  /** "fs" (chokidar on the platform's file events, falling back to polling), "poll", or "off". */
  mode?: "fs" | "poll" | "off";
  debounceMs?: number;
  pollMs?: number;
  /** How often a docs folder is checked for having been removed or replaced ("fs" mode). */
  rootCheckMs?: number;
  /** What is watched or polled (the index's include and exclude globs). */
  corpus?: CorpusOptions;
  logger: Logger;
}

export interface DocsWatcher {
  /** "fs", "poll" or "off": what is actually watching. */
  readonly mode: "fs" | "poll" | "off";
  /** Settles once the folders' first scan is done (the watches are in place). */
  readonly ready: Promise<void>;
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
  if (mode === "off") return { mode, ready: Promise.resolve(), close: () => {} };
  if (mode === "fs") {
    try {
      const watchers = roots.map((root) => watchRoot(root, options, note));
      return {
        mode,
        ready: Promise.all(watchers.map((w) => w.ready)).then(() => {}),
        close: () => {
          closed = true;
          clearTimeout(timer);
          for (const w of watchers) w.close();
        },
      };
    } catch (err) {
      options.logger.warn(`Watching the docs is not available here (${(err as Error).message}); polling the docs instead`);
    }
  }
  return pollDocs(roots, options, note, () => {
    closed = true;
    clearTimeout(timer);
  });
}

/**
 * One docs folder under chokidar, filtered by the index's rules. The folder itself is checked
 * every `rootCheckMs` (and at once when chokidar sees it go): when it is gone the watch is closed
 * and the log says so; when it is back (or was replaced by another folder of the same name) it is
 * watched afresh and everything is looked at again.
 */
function watchRoot(root: string, options: DocsWatcherOptions, note: (absPath: string) => void): { ready: Promise<void>; close(): void } {
  const { logger } = options;
  let rules = new DocsPathRules(root, options.corpus);
  let watcher: FSWatcher | undefined;
  /** The watched folder's inode and birth time: a folder created again may reuse the inode. */
  let watchedId: string | undefined;
  /** chokidar saw the folder itself go. */
  let rootRemoved = false;
  const identity = (stat: { ino: number; birthtimeMs: number }) => `${stat.ino}:${stat.birthtimeMs}`;
  let closed = false;
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));

  const relative = (abs: string) => path.relative(root, abs).split(path.sep).join("/");
  const ignored = (abs: string, stats?: { isFile(): boolean; isDirectory(): boolean }) => {
    const rel = relative(abs);
    if (!rel || rel.startsWith("../")) return false;
    if (path.basename(rel) === ".gitignore") return false;
    if (stats?.isDirectory()) return rules.ignoresDir(rel);
    if (stats?.isFile()) return rules.ignoresFile(rel);
    // Not known yet (chokidar asks before it stats): only what is out as a folder and as a file.
    return rules.ignoresDir(rel) && rules.ignoresFile(rel);
  };

  const start = async () => {
    const stat = await fs.stat(root).catch(() => undefined);
    if (closed || !stat?.isDirectory()) return false;
    watchedId = identity(stat);
    rootRemoved = false;
    rules = new DocsPathRules(root, options.corpus);
    const w = chokidarWatch(root, { ignored, ignoreInitial: true, persistent: false, followSymlinks: false });
    watcher = w;
    w.on("all", (event, abs) => {
      if (path.basename(abs) === ".gitignore") {
        rules.forget(relative(path.dirname(abs)) === "." ? "" : relative(path.dirname(abs)));
        note(path.dirname(abs));
        return;
      }
      if (event === "unlinkDir" && path.resolve(abs) === path.resolve(root)) {
        rootRemoved = true;
        void check();
        return;
      }
      // A file gone is checked against the globs here (chokidar cannot stat it for its filter).
      if (event === "unlink" && rules.ignoresFile(relative(abs))) return;
      note(abs);
    });
    w.on("error", (err) => logger.warn(`Watching ${root} failed: ${(err as Error).message}`));
    await new Promise<void>((resolve) => w.once("ready", resolve));
    return true;
  };

  let gone = false;
  // No check before the first watch is in place.
  let checking = true;
  /** Is the folder still the one watched? If not: stop watching it, and watch it again once it is back. */
  const check = async () => {
    if (checking || closed) return;
    checking = true;
    try {
      const stat = await fs.stat(root).catch(() => undefined);
      const same = watcher && !rootRemoved && stat?.isDirectory() && identity(stat) === watchedId;
      if (same) return;
      if (watcher) {
        const w = watcher;
        watcher = undefined;
        await w.close();
      }
      if (!stat?.isDirectory()) {
        if (!gone) {
          logger.warn(`The docs folder ${root} was removed; watching for it to come back`);
          // Its files are gone from the index too.
          note(root);
        }
        gone = true;
        return;
      }
      logger.info(`The docs folder ${root} ${gone ? "is back" : "was replaced"}; watching it again and re-indexing`);
      gone = false;
      if (await start()) note(root);
    } finally {
      checking = false;
    }
  };

  void start()
    .then((started) => {
      if (!started && !closed) {
        gone = true;
        logger.warn(`The docs folder ${root} is not there; watching for it to come back`);
      }
    })
    .catch((err: Error) => logger.warn(`Watching ${root} failed: ${err.message}`))
    .finally(() => {
      checking = false;
      readyResolve();
    });
  const interval = setInterval(() => void check(), options.rootCheckMs ?? 1000);
  interval.unref();
  return {
    ready,
    close: () => {
      closed = true;
      clearInterval(interval);
      void watcher?.close();
    },
  };
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
    ready: Promise.resolve(),
    close: () => {
      clearInterval(interval);
      onClose();
    },
  };
}
