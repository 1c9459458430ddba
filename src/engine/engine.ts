// The engine behind the language server: the docs index, the models and the answer pipeline,
// with the state the editor shows. Plain Node (no vscode, no LSP types), so it is tested directly.
import * as path from "node:path";
import { hasChanges, type DocsIndex, type UpdateReport } from "./index/docsIndex.js";
import { resolveModelReference } from "./model/download.js";
import { ChatModel, getLlamaInstance, LlamaEmbedder, type ModelSettings } from "./model/llm.js";
import { loadIndex, saveIndex } from "./index/persistence.js";
import { answerQuestion, type AnswerResult, type PipelineEvent } from "./answer/pipeline.js";
import { headingLabel } from "./index/types.js";
import { type Logger } from "./util/logger.js";
import type { AskParams, AskEventParams, AskResult, DatasetProgressParams, EngineSettings, EngineStatus, ExportDatasetParams, FeedbackParams, InitializationOptions, ReindexResult, WireEvent } from "../shared/protocol.js";
import { appendFeedback, feedbackEntry } from "./finetune/feedbackLog.js";
import { FEEDBACK_FILE, INDEX_FILE } from "../shared/defaults.js";
import { SerialQueue } from "./util/serialQueue.js";
import { generateDataset, type DatasetSummary } from "./finetune/dataset.js";

export interface EngineEvents {
  status(status: EngineStatus): void;
  askEvent(params: AskEventParams): void;
}

const SAVE_DELAY_MS = 2000;
const WATCH_DEBOUNCE_MS = 300;

export class Engine {
  private index?: DocsIndex;
  private chat?: ChatModel;
  private embedder?: LlamaEmbedder;
  private settings: EngineSettings;
  private readonly status: EngineStatus = { state: "starting", files: 0, sections: 0, warnings: [] };
  private readonly running = new Map<string, AbortController>();
  /** Source texts of recent answers, so feedback can store what the model was shown. */
  private readonly recentSources = new Map<string, Map<number, string>>();
  /**
   * Everything that changes the index or uses the models runs here, one job at a time: two
   * updates of one file must not interleave, and a model must not be swapped under a question.
   */
  private readonly queue = new SerialQueue();
  private saveTimer?: NodeJS.Timeout;
  private pendingChanges = new Set<string>();
  private changeTimer?: NodeJS.Timeout;
  private changeWaiters: (() => void)[] = [];
  private indexAbort?: AbortController;

  constructor(
    private readonly init: InitializationOptions,
    private readonly logger: Logger,
    private readonly events: EngineEvents,
  ) {
    this.settings = init.settings;
  }

  get indexFile(): string {
    return path.join(this.init.storageDir, INDEX_FILE);
  }

  get feedbackFile(): string {
    return path.join(this.init.storageDir, FEEDBACK_FILE);
  }

  getStatus(): EngineStatus {
    return { ...this.status, warnings: [...this.status.warnings] };
  }

  private setStatus(patch: Partial<EngineStatus>): void {
    Object.assign(this.status, patch);
    if (this.index) {
      this.status.files = this.index.fileCount;
      this.status.sections = this.index.chunkCount;
    }
    this.events.status(this.getStatus());
  }

  /** Loads the saved index (or builds it), then the models. Model problems never stop retrieval. */
  start(): Promise<void> {
    return this.queue.run(async () => {
      this.logger.info(`Index file: ${this.indexFile}; feedback log: ${this.feedbackFile}`);
      try {
        await this.loadEmbedderIfConfigured();
        await this.openIndex();
        await this.loadChatModel();
      } catch (err) {
        this.setStatus({ state: "error", message: `Docent could not start: ${(err as Error).message}` });
        throw err;
      }
    });
  }

  private modelSettings(): ModelSettings {
    const s = this.settings;
    return { gpu: s.gpu, threads: s.threads, contextSize: s.contextSize, lora: s.lora };
  }

  private async resolve(ref: string, what: string): Promise<string> {
    let shown = -1;
    return resolveModelReference(ref, {
      modelsDir: this.init.modelsDir,
      logger: this.logger,
      onProgress: ({ downloadedBytes, totalBytes, fileName }) => {
        // One status per whole percent (or per 5 MB when the size is unknown): a multi-GB
        // download reports progress thousands of times.
        const step = totalBytes ? Math.floor((100 * downloadedBytes) / totalBytes) : Math.floor(downloadedBytes / (5 * 1024 * 1024));
        if (step === shown) return;
        shown = step;
        this.setStatus({ state: "downloading-model", progress: totalBytes ? step / 100 : undefined, message: `Downloading ${what} ${fileName}` });
      },
    });
  }

  private async loadEmbedderIfConfigured(): Promise<void> {
    if (!this.settings.embeddingModel) return;
    try {
      this.setStatus({ state: "loading-model", message: "Loading the embedding model" });
      const file = await this.resolve(this.settings.embeddingModel, "embedding model");
      const llama = await getLlamaInstance(this.settings.gpu, this.logger);
      this.embedder = await LlamaEmbedder.load(llama, file, this.modelSettings());
    } catch (err) {
      this.warn(`Embedding model not loaded, search uses full text only: ${(err as Error).message}`);
    }
  }

  private async openIndex(): Promise<void> {
    this.setStatus({ state: "indexing", message: "Loading the docs index" });
    const options = {
      corpus: { include: this.settings.include, exclude: this.settings.exclude, maxFileBytes: this.settings.maxFileBytes },
      embedder: this.embedder,
      logger: this.logger,
    };
    const t0 = performance.now();
    const loaded = await loadIndex(this.indexFile, this.init.roots, options);
    this.index = loaded.index;
    this.status.indexSource = loaded.status === "loaded" ? "loaded" : "built";
    this.logger.info(`Index ${loaded.status} in ${(performance.now() - t0).toFixed(0)} ms${"reason" in loaded && loaded.reason ? ` (${loaded.reason})` : ""}`);
    const report = await this.runUpdate();
    if (loaded.status !== "loaded" || hasChanges(report) || report.cancelled) await this.saveNow();
  }

  private async runUpdate(signal?: AbortSignal): Promise<UpdateReport & { cancelled?: boolean }> {
    this.setStatus({ state: "indexing", message: "Indexing the docs", progress: undefined });
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    this.indexAbort = controller;
    try {
      const report = await this.index!.update(controller.signal);
      this.logger.info(
        `Indexed ${this.index!.fileCount} files (${report.added.length} added, ${report.updated.length} updated, ${report.removed.length} removed, ${report.unchanged} unchanged) in ${report.ms.toFixed(0)} ms`,
      );
      for (const s of report.skipped) this.logger.warn(`Skipped ${s.relPath}: ${s.reason} (${s.detail})`);
      for (const f of report.invalidUtf8) this.logger.warn(`${f}: invalid UTF-8 replaced`);
      return report;
    } catch (err) {
      // A stop, or a failure (an embedding model that crashed, a folder that went away), keeps
      // what was indexed so far: searching it still works, and the next update carries on.
      if (controller.signal.aborted) this.logger.warn(`Indexing cancelled with ${this.index!.fileCount} files indexed; Reindex finishes it.`);
      else this.warn(`Indexing stopped with an error (${this.index!.fileCount} files indexed; Reindex retries): ${(err as Error).message}`);
      return { added: [], updated: [], removed: [], unchanged: 0, skipped: [], invalidUtf8: [], chunksAdded: 0, ms: 0, cancelled: true };
    } finally {
      this.indexAbort = undefined;
      this.setStatus({ state: "ready", message: undefined });
    }
  }

  /** Stops the indexing under way; what was indexed so far stays and is saved. */
  cancelIndexing(): boolean {
    this.indexAbort?.abort();
    return Boolean(this.indexAbort);
  }

  private async loadChatModel(): Promise<void> {
    const ref = this.settings.chatModel;
    if (!ref) {
      this.setStatus({ state: "ready", model: undefined, device: undefined, message: undefined });
      return;
    }
    try {
      this.setStatus({ state: "loading-model", message: "Loading the chat model" });
      const file = await this.resolve(ref, "chat model");
      this.logger.info(`Loading the chat model ${file} (GPU: ${this.settings.gpu})`);
      const llama = await getLlamaInstance(this.settings.gpu, this.logger);
      this.logger.info(`llama.cpp is ready on ${llama.gpu || "CPU"}`);
      // Adapters are references like the model: local paths (~ included) or hf: downloads.
      const lora = [];
      for (const a of this.settings.lora) lora.push({ path: await this.resolve(a.path, "LoRA adapter"), scale: a.scale });
      this.chat = await ChatModel.load(llama, file, { ...this.modelSettings(), lora });
      this.logger.info(`Chat model ${file} ready on ${llama.gpu || "CPU"} (${this.chat.gpuLayers} GPU layers, ${this.chat.threads} threads, context ${this.chat.contextSize})`);
      this.setStatus({ state: "ready", model: path.basename(file), device: llama.gpu || "cpu", message: undefined, progress: undefined });
    } catch (err) {
      this.warn(`Chat model not loaded, answers show the best-matching sections instead: ${(err as Error).message}`);
      this.setStatus({ state: "ready", model: undefined, device: undefined, message: undefined, progress: undefined });
    }
  }

  private warn(message: string): void {
    this.logger.error(message);
    this.status.warnings = [...this.status.warnings.filter((w) => w !== message), message].slice(-5);
    this.setStatus({});
  }

  /** Saves the index; a failure (disk full, no permission) is logged, and the index stays in memory. */
  private async saveNow(): Promise<void> {
    if (!this.index) return;
    const t0 = performance.now();
    try {
      const { bytes } = await saveIndex(this.index, this.indexFile);
      this.logger.info(`Saved the index (${(bytes / 1024 / 1024).toFixed(1)} MB) in ${(performance.now() - t0).toFixed(0)} ms`);
    } catch (err) {
      this.warn(`Saving the index failed (it is rebuilt at the next start): ${(err as Error).message}`);
    }
  }

  private scheduleSave(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.queue.run(() => this.saveNow());
    }, SAVE_DELAY_MS);
  }

  reindex(signal?: AbortSignal): Promise<ReindexResult> {
    return this.queue.run(() => this.reindexNow(signal));
  }

  private async reindexNow(signal?: AbortSignal): Promise<ReindexResult> {
    if (!this.index) throw new Error("The engine is still starting");
    const report = await this.runUpdate(signal);
    if (hasChanges(report) || report.cancelled) await this.saveNow();
    return {
      files: this.index.fileCount,
      sections: this.index.chunkCount,
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
        void this.queue.run(() => this.applyChanges()).finally(() => waiters.forEach((w) => w()));
      }, WATCH_DEBOUNCE_MS);
    });
  }

  private async applyChanges(): Promise<void> {
    if (!this.index) return;
    const files = [...this.pendingChanges];
    this.pendingChanges.clear();
    let any = false;
    for (const file of files) {
      try {
        const outcome = await this.index.refreshFile(file);
        if (outcome !== "unchanged" && outcome !== "ignored") {
          any = true;
          this.logger.info(`Re-indexed ${file}: ${outcome}`);
        }
      } catch (err) {
        this.logger.error(`Re-indexing ${file} failed: ${(err as Error).message}`);
      }
    }
    if (any) {
      this.setStatus({});
      this.scheduleSave();
    }
  }

  /** Answers one question; questions are answered one at a time, in order. */
  ask(params: AskParams, signal?: AbortSignal): Promise<AskResult> {
    const controller = new AbortController();
    this.running.set(params.id, controller);
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const run = this.queue.run(async () => {
      if (!this.index) throw new Error("The docs index is not ready yet");
      const result = await answerQuestion(this.index, this.chat, params.question, {
        signal: controller.signal,
        settings: this.settings.pipeline,
        onEvent: (event) => {
          if (event.type !== "done") this.events.askEvent({ id: params.id, event: toWire(event) });
        },
      });
      this.rememberSources(params.id, result);
      return toAskResult(result);
    });
    return run.finally(() => this.running.delete(params.id));
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    c?.abort();
    return Boolean(c);
  }

  cancelAll(): void {
    for (const c of this.running.values()) c.abort();
  }

  private rememberSources(id: string, result: AnswerResult): void {
    this.recentSources.set(id, new Map(result.sources.map((s) => [s.n, s.text])));
    while (this.recentSources.size > 50) this.recentSources.delete(this.recentSources.keys().next().value!);
  }

  async feedback(params: FeedbackParams & { id?: string }): Promise<{ file: string }> {
    const texts = (params.id && this.recentSources.get(params.id)) || new Map<number, string>();
    await appendFeedback(this.feedbackFile, feedbackEntry(params, texts, this.status.model));
    return { file: this.feedbackFile };
  }

  /**
   * A short definition of a name the docs define, for hovers: the defining section's first
   * paragraph, its heading and location.
   */
  define(word: string): { term: string; heading: string; file: string; path: string; startLine: number; endLine: number; summary: string } | undefined {
    if (!this.index || !/[._\-:/]/.test(word)) return undefined;
    const [hit] = this.index.exactTermHits(word, undefined, 1);
    if (!hit) return undefined;
    const chunk = this.index.getChunk(hit.chunkId);
    if (!chunk) return undefined;
    return {
      term: hit.term,
      heading: headingLabel(chunk),
      file: chunk.file,
      path: chunk.relPath,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      summary: firstParagraph(chunk.text),
    };
  }

  /** Fine-tuning data from the indexed docs, written by the loaded chat model; resumable. */
  exportDataset(params: ExportDatasetParams, signal: AbortSignal, onProgress: (p: DatasetProgressParams) => void): Promise<DatasetSummary> {
    // Questions wait while the model writes the dataset (one model, one sequence).
    return this.queue.run(async () => {
      if (!this.index) throw new Error("The docs index is not ready yet");
      if (!this.chat) throw new Error("Exporting a dataset needs a chat model: set one with \"Docent: Select Model\"");
      return generateDataset(this.index, this.chat, { ...params, signal, onProgress: ({ done, total, records }) => onProgress({ done, total, records }) });
    });
  }

  /** New settings: reload what they affect. */
  configure(settings: EngineSettings): Promise<void> {
    // An indexing run under the old settings is stopped rather than waited for.
    this.indexAbort?.abort();
    return this.queue.run(() => this.configureNow(settings));
  }

  private async configureNow(settings: EngineSettings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    const corpusChanged = JSON.stringify([before.include, before.exclude, before.maxFileBytes]) !== JSON.stringify([settings.include, settings.exclude, settings.maxFileBytes]);
    const embedderChanged = before.embeddingModel !== settings.embeddingModel;
    const chatChanged = JSON.stringify([before.chatModel, before.lora, before.gpu, before.threads, before.contextSize]) !== JSON.stringify([settings.chatModel, settings.lora, settings.gpu, settings.threads, settings.contextSize]);
    if (!corpusChanged && !embedderChanged && !chatChanged) return;
    if (chatChanged) {
      await this.chat?.dispose();
      this.chat = undefined;
    }
    if (embedderChanged) {
      await this.embedder?.dispose();
      this.embedder = undefined;
    }
    this.status.warnings = [];
    if (embedderChanged) await this.loadEmbedderIfConfigured();
    if (corpusChanged || embedderChanged) await this.openIndex();
    if (chatChanged) await this.loadChatModel();
  }

  async dispose(): Promise<void> {
    this.cancelAll();
    clearTimeout(this.changeTimer);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      void this.queue.run(() => this.saveNow());
    }
    await this.queue.idle();
    await this.chat?.dispose();
    await this.embedder?.dispose();
  }
}


function firstParagraph(text: string): string {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim());
  const prose = paragraphs.find((p) => p && !p.startsWith("#") && !p.startsWith("|") && !p.startsWith("```") && !p.startsWith("<!--"));
  return (prose ?? paragraphs.find((p) => p && !p.startsWith("#")) ?? "").slice(0, 600);
}

function toWire(event: Exclude<PipelineEvent, { type: "done" }>): WireEvent {
  if (event.type === "sources") return { type: "sources", sources: event.sources.map(({ text: _text, ...rest }) => rest) };
  return event;
}

export function toAskResult(result: AnswerResult): AskResult {
  return { ...result, sources: result.sources.map(({ text: _text, ...rest }) => rest) };
}
