// The index keeper: opens the saved docs index (or builds it), keeps it up to date (Reindex, and
// files changed on disk, debounced), saves it (changes to its journal, a full save on shutdown)
// and stops an indexing run on request. One of the parts the Engine front holds (modelHost.ts
// holds the models).
import { hasChanges, type DocsIndex, type IndexOptions, type UpdateReport } from "./index/docsIndex.js";
import { loadIndex, saveIndex, type LoadOutcome } from "./index/disk/persistence.js";
import type { EngineStatusBoard } from "./engineStatus.js";
import type { Embedder } from "./model/modelInterface.js";
import type { Logger } from "./util/logger.js";
import type { SerialQueue } from "./util/serialQueue.js";
import { DEFAULT_MEMORY_BUDGET_MB } from "../shared/defaults.js";
import type { EngineSettings, ReindexResult } from "../shared/protocol.js";

/** How the index was opened at start-up, for the CLI's report. */
export interface IndexOpening {
  load: LoadOutcome["status"];
  loadReason?: string;
  loadMs: number;
  report: UpdateReport & { cancelled?: boolean };
  saved: boolean;
  /** Why saving failed, when it did (the index in memory is still used). */
  saveError?: string;
}

export interface IndexKeeperOptions {
  roots: string[];
  /** The saved index: loaded at start, written after changes. */
  indexFile: string;
  /** "throw" (the CLI): an indexing failure fails the command; "warn": it is shown with the status. */
  onFailure?: "warn" | "throw";
  logger: Logger;
  status: EngineStatusBoard;
  /** The engine's queue: every change of the index runs on it, one job at a time. */
  queue: SerialQueue;
}

const SAVE_DELAY_MS = 2000;
const WATCH_DEBOUNCE_MS = 300;

export class IndexKeeper {
  private opened?: DocsIndex;
  /** How the index was last opened (at start, or after a settings change): for the CLI's report. */
  opening?: IndexOpening;
  private saveTimer?: NodeJS.Timeout;
  private pendingChanges = new Set<string>();
  private changeTimer?: NodeJS.Timeout;
  private changeWaiters: (() => void)[] = [];
  private indexAbort?: AbortController;
  private lastSaveError?: string;
  private readonly logger: Logger;
  private readonly status: EngineStatusBoard;

  constructor(private readonly options: IndexKeeperOptions) {
    this.logger = options.logger;
    this.status = options.status;
  }

  /** The open index; none before open() has loaded or created it. */
  get index(): DocsIndex | undefined {
    return this.opened;
  }

  /** Loads the saved index (or creates one) with these settings and embedder, brings it up to date and saves it. */
  async open(settings: EngineSettings, embedder: Embedder | undefined): Promise<void> {
    this.status.set({ state: "indexing", message: "Loading the docs index" });
    const options: IndexOptions = {
      corpus: { include: settings.include, exclude: settings.exclude, maxFileBytes: settings.maxFileBytes },
      embedder,
      logger: this.logger,
      memoryBudgetMB: settings.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB,
    };
    const t0 = performance.now();
    const loaded = await loadIndex(this.options.indexFile, this.options.roots, options);
    const loadMs = performance.now() - t0;
    this.opened = loaded.index;
    this.status.note({ indexSource: loaded.status === "loaded" ? "loaded" : "built" });
    const loadReason = "reason" in loaded ? loaded.reason : undefined;
    this.logger.info(`Index ${loaded.status} in ${loadMs.toFixed(0)} ms${loadReason ? ` (${loadReason})` : ""}`);
    const report = await this.runUpdate();
    const changed = loaded.status !== "loaded" || hasChanges(report) || Boolean(report.cancelled);
    this.lastSaveError = undefined;
    const saved = changed && (await this.saveNow());
    this.opening = { load: loaded.status, loadReason, loadMs, report, saved, ...(this.lastSaveError ? { saveError: this.lastSaveError } : {}) };
  }

  private async runUpdate(signal?: AbortSignal): Promise<UpdateReport & { cancelled?: boolean }> {
    const index = this.opened!;
    this.status.set({ state: "indexing", message: "Indexing the docs", progress: undefined });
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    this.indexAbort = controller;
    // Files done of total, at most ten statuses a second (and always the first and the last).
    let lastShown = 0;
    const onProgress = (done: number, total: number) => {
      const now = performance.now();
      if (done !== 0 && done !== total && now - lastShown < 100) return;
      lastShown = now;
      this.status.set({ state: "indexing", indexed: { done, total }, progress: total ? done / total : undefined });
    };
    try {
      const report = await index.update(controller.signal, onProgress);
      this.logger.info(
        `Indexed ${index.fileCount} files (${report.added.length} added, ${report.updated.length} updated, ${report.removed.length} removed, ${report.unchanged} unchanged) in ${report.ms.toFixed(0)} ms`,
      );
      // Info, not warnings: the same files are skipped on every run, and invalid UTF-8 is already
      // reported by the index as it reads a file.
      for (const s of report.skipped) this.logger.info(`Skipped ${s.relPath}: ${s.reason} (${s.detail})`);
      if (report.overBudget) {
        const { usedMB, budgetMB, filesLeft } = report.overBudget;
        this.status.warn(
          `Indexing stopped at the memory budget (${usedMB} MB of ${budgetMB} MB: the editor's docent.index.memoryBudgetMB, or DOCENT_MEMORY_BUDGET_MB for the docent command): ${filesLeft} files not indexed; answers come from the ${index.fileCount} indexed. The next update (Reindex, or the command run again) takes in more files from where this one stopped.`,
        );
      }
      return report;
    } catch (err) {
      // A stop, or a failure (an embedding model that crashed, a folder that went away), keeps
      // what was indexed so far: searching it still works, and the next update carries on.
      if (controller.signal.aborted) this.logger.warn(`Indexing cancelled with ${index.fileCount} files indexed; Reindex finishes it.`);
      else if (this.options.onFailure === "throw") throw err;
      else this.status.warn(`Indexing stopped with an error (${index.fileCount} files indexed; Reindex retries): ${(err as Error).message}`);
      return { added: [], updated: [], removed: [], unchanged: 0, skipped: [], invalidUtf8: [], chunksAdded: 0, ms: 0, cancelled: true };
    } finally {
      this.indexAbort = undefined;
      this.status.set({ state: "ready", message: undefined, indexed: undefined, progress: undefined });
    }
  }

  /** Stops the indexing under way; what was indexed so far stays and is saved. */
  cancelIndexing(): boolean {
    this.indexAbort?.abort();
    return Boolean(this.indexAbort);
  }

  /** Brings the index up to date with the files on disk and saves what changed; run it on the queue. */
  async reindexNow(signal?: AbortSignal): Promise<ReindexResult> {
    const index = this.opened;
    if (!index) throw new Error("The engine is still starting");
    const report = await this.runUpdate(signal);
    if (hasChanges(report) || report.cancelled) await this.saveNow();
    return {
      files: index.fileCount,
      sections: index.chunkCount,
      added: report.added.length,
      updated: report.updated.length,
      removed: report.removed.length,
      skipped: report.skipped.map((s) => ({ path: s.relPath, reason: s.reason, detail: s.detail })),
      ms: report.ms,
      cancelled: report.cancelled ?? false,
    };
  }

  /** Files created, changed or deleted on disk (from the editor's watcher), debounced. */
  filesChanged(files: string[]): Promise<void> {
    for (const f of files) this.pendingChanges.add(f);
    clearTimeout(this.changeTimer);
    return new Promise((resolve) => {
      // Every caller waiting on this burst of changes is released when it has been applied.
      this.changeWaiters.push(resolve);
      this.changeTimer = setTimeout(() => {
        const waiters = this.changeWaiters.splice(0);
        void this.options.queue.run(() => this.applyChanges()).finally(() => waiters.forEach((w) => w()));
      }, WATCH_DEBOUNCE_MS);
    });
  }

  private async applyChanges(): Promise<void> {
    if (!this.opened) return;
    const files = [...this.pendingChanges];
    this.pendingChanges.clear();
    let any = false;
    for (const file of files) {
      try {
        const outcome = await this.opened.refreshFile(file);
        if (outcome !== "unchanged" && outcome !== "ignored") {
          any = true;
          this.logger.info(`Re-indexed ${file}: ${outcome}`);
        }
      } catch (err) {
        this.logger.error(`Re-indexing ${file} failed: ${(err as Error).message}`);
      }
    }
    if (any) {
      this.status.set({});
      this.scheduleSave();
    }
  }

  /** Saves the index; a failure (disk full, no permission) is logged, and the index stays in memory. */
  private async saveNow(full = false): Promise<boolean> {
    if (!this.opened) return false;
    const t0 = performance.now();
    try {
      const { bytes, journaled } = await saveIndex(this.opened, this.options.indexFile, { full });
      const how = journaled ? "changes appended to its journal" : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      this.logger.info(`Saved the index (${how}) in ${(performance.now() - t0).toFixed(0)} ms`);
      return true;
    } catch (err) {
      // The file on disk is as the last save left it (saves replace it whole): the next start loads that and updates it.
      this.lastSaveError = (err as Error).message;
      this.status.warn(`Saving the index failed (${this.lastSaveError}); the next start loads the last saved index, if any, and updates it`);
      return false;
    }
  }

  private scheduleSave(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.options.queue.run(() => this.saveNow());
    }, SAVE_DELAY_MS);
  }

  /**
   * On shutdown: changes still waiting for their debounce are dropped, and a save still due (or a
   * journal, folded into a full save, so the next start reads one file) is queued.
   */
  close(): void {
    clearTimeout(this.changeTimer);
    if (this.saveTimer || (this.opened?.changeLog?.journalBytes ?? 0) > 0) {
      clearTimeout(this.saveTimer);
      void this.options.queue.run(() => this.saveNow(true));
    }
  }
}
