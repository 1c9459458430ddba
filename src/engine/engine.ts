// The engine: the one place that opens the docs index, loads the models and answers. The engine
// process (src/server, a thin LSP adapter) and the CLI both drive it. Plain Node (no vscode, no
// LSP types), so it is tested directly.
import * as path from "node:path";
import { answerQuestion, type ChatGenerator, type PipelineEvent, type PipelineResult } from "./answer/pipeline.js";
import { hasChanges, type DocsIndex, type IndexOptions, type UpdateReport } from "./index/docsIndex.js";
import { loadIndex, saveIndex, type LoadOutcome } from "./index/disk/persistence.js";
import { headingLabel, type Embedder } from "./index/types.js";
import { exampleQuestions } from "./examples.js";
import { definitionRow, searchSections } from "./lookup.js";
import { cardForName } from "./cards/cardsForTerms.js";
import { appendFeedback, feedbackEntry, recoverSourceTexts } from "./finetune/feedbackLog.js";
import { generateDataset } from "./finetune/dataset.js";
import { isRemoteModelReference } from "./model/download/references.js";
import { resolveModelReference } from "./model/download/resolve.js";
import { ChatModel, LlamaEmbedder, type ModelSettings } from "./model/llm.js";
import { describeModelStatus, loadLlamaBackend, type LlamaBackend } from "./model/gpuBackend.js";
import { cudaPackageNames, hasSystemCudaRuntime, installGpuPackage, npmRegistry } from "./model/gpuPackages.js";
import { importNodeLlamaCpp } from "./model/nodeLlamaCpp.js";
import { connectionFor, embeddingServerUrl, serverChatKey, serverEmbeddingKey } from "./model/server/serverBackend.js";
import { ServerChat } from "./model/server/serverChat.js";
import { ServerEmbedder } from "./model/server/serverEmbedder.js";
import { describeServerModel } from "./model/server/serverModels.js";
import { silentLogger, type Logger } from "./util/logger.js";
import { SerialQueue } from "./util/serialQueue.js";
import { withoutText, type AnswerResult } from "../shared/answer.js";
import { DEFAULT_MEMORY_BUDGET_MB, FEEDBACK_FILE, INDEX_FILE } from "../shared/defaults.js";
import { isDefinableName } from "../shared/names.js";
import type {
  AskEventParams,
  AskParams,
  DatasetProgressParams,
  DatasetSummary,
  Definition,
  EnableCudaResult,
  EngineSettings,
  EngineStatus,
  ExampleQuestion,
  ExportDatasetParams,
  FeedbackParams,
  FeedbackResult,
  GpuPackageProgressParams,
  InitializationOptions,
  ModelFailure,
  ModelStatus,
  ReindexResult,
  SearchSection,
} from "../shared/protocol.js";

export interface EngineEvents {
  status(status: EngineStatus): void;
  askEvent(params: AskEventParams): void;
}

export interface EngineOptions {
  roots: string[];
  /** The saved index: loaded at start, written after changes. */
  indexFile: string;
  /** The feedback log; without one, feedback is refused (the CLI has none). */
  feedbackFile?: string;
  /** Where hf: references are downloaded. */
  modelsDir: string;
  /** Where "Enable CUDA" puts node-llama-cpp's CUDA binaries, and the engine looks for them. */
  gpuPackagesDir?: string;
  settings: EngineSettings;
  logger?: Logger;
  events?: Partial<EngineEvents>;
  /**
   * A model that does not load, or indexing that fails: "warn" (the editor: answers fall back to
   * what works, the status shows why) or "throw" (the CLI: the command fails with the reason, and
   * models are loaded before the index is built, so a wrong model path fails at once).
   */
  onFailure?: "warn" | "throw";
  /** The model server's API key (settings.server), held in memory only. */
  serverApiKey?: string;
}

/** How the index was opened at start-up, for the CLI's report. */
export interface IndexOpening {
  load: LoadOutcome["status"];
  loadReason?: string;
  loadMs: number;
  report: UpdateReport & { cancelled?: boolean };
  saved: boolean;
}

/** The engine of the extension's engine process: index and feedback in its workspace storage. */
export function workspaceEngineOptions(init: InitializationOptions): Omit<EngineOptions, "logger" | "events"> {
  return {
    roots: init.roots,
    indexFile: path.join(init.storageDir, INDEX_FILE),
    feedbackFile: path.join(init.storageDir, FEEDBACK_FILE),
    modelsDir: init.modelsDir,
    gpuPackagesDir: init.gpuPackagesDir,
    settings: init.settings,
    serverApiKey: init.serverApiKey,
  };
}

/** A chat model the engine owns: in process or on a server. */
type OwnedChat = ChatGenerator & { dispose(): Promise<void> };

const SAVE_DELAY_MS = 2000;
/** Answers whose source texts are kept in memory for feedback (older ones are re-read from disk). */
const RECENT_ANSWERS = 50;
const WATCH_DEBOUNCE_MS = 300;

export class Engine {
  private index?: DocsIndex;
  private chat?: OwnedChat;
  private embedder?: Embedder & { dispose(): Promise<void> };
  private serverApiKey?: string;
  /** The llama.cpp binary in use (Model Status), and the last model answer's speed. */
  private backend?: LlamaBackend;
  private lastAnswer?: ModelStatus["lastAnswer"];
  private settings: EngineSettings;
  private readonly status: EngineStatus = { state: "starting", files: 0, sections: 0, warnings: [], pid: process.pid };
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
  private startSignal?: AbortSignal;
  private readonly indexOpened = deferred();

  private readonly logger: Logger;
  private readonly events: EngineEvents;
  /** How the index was last opened (at start, or after a settings change): for the CLI's report. */
  opening?: IndexOpening;

  constructor(private readonly options: EngineOptions) {
    this.settings = options.settings;
    this.serverApiKey = options.serverApiKey;
    this.logger = options.logger ?? silentLogger;
    this.events = { status: () => {}, askEvent: () => {}, ...options.events };
  }

  get indexFile(): string {
    return this.options.indexFile;
  }

  get feedbackFile(): string | undefined {
    return this.options.feedbackFile;
  }

  /** The opened index (search, evaluation); start() first. */
  get docsIndex(): DocsIndex {
    if (!this.index) throw new Error("The docs index is not ready yet");
    return this.index;
  }

  /** The loaded chat model, in process or on a server, if any (answer evaluation). */
  get chatModel(): ChatGenerator | undefined {
    return this.chat;
  }

  /** "cuda", "vulkan", "metal" or "cpu" when a chat model is loaded. */
  get device(): string | undefined {
    return this.status.device;
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

  /**
   * Loads the saved index (or builds it) and the models. In the editor the chat model loads after
   * the index, so search works while it loads, and its problems never stop retrieval; with
   * onFailure "throw" (the CLI) it loads first. The signal stops model downloads.
   */
  start(signal?: AbortSignal): Promise<void> {
    this.startSignal = signal;
    const chatFirst = this.options.onFailure === "throw";
    return this.queue
      .run(async () => {
        this.logger.info(`Index file: ${this.indexFile}${this.feedbackFile ? `; feedback log: ${this.feedbackFile}` : ""}`);
        try {
          await this.loadEmbedderIfConfigured();
          if (chatFirst) await this.loadChatModel();
          await this.openIndex();
          this.indexOpened.resolve();
          if (!chatFirst) await this.loadChatModel();
        } catch (err) {
          this.setStatus({ state: "error", message: `Docent could not start: ${(err as Error).message}` });
          throw err;
        }
      })
      .finally(() => this.indexOpened.resolve());
  }

  /** Resolves once the index is open (or start-up failed): hovers need no more than that. */
  whenIndexOpen(): Promise<void> {
    return this.indexOpened.promise;
  }

  private modelSettings(): ModelSettings {
    const s = this.settings;
    // A model file not loaded before is first loaded in a child process (model/probe.ts); the
    // files that loaded are remembered beside the downloaded models.
    const probe = { cacheFile: path.join(this.options.modelsDir, "probed-models.json"), logger: this.logger };
    return { gpu: s.gpu, threads: s.threads, contextSize: s.contextSize, lora: s.lora, probe };
  }

  private async resolve(ref: string, what: string): Promise<string> {
    let shown = -1;
    // A download says so from its start, also while it is still reaching the server (a record of a
    // finished download is reused in milliseconds, and the state then moves on to loading).
    if (isRemoteModelReference(ref)) this.setStatus({ state: "downloading-model", progress: 0, message: `Downloading ${what} ${ref}` });
    return resolveModelReference(ref, {
      modelsDir: this.options.modelsDir,
      logger: this.logger,
      signal: this.startSignal,
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
    const server = this.settings.server;
    if (server?.url && server.embeddingModel) {
      try {
        this.setStatus({ state: "loading-model", message: "Connecting to the embedding model on the server" });
        const connection = connectionFor({ ...server, url: embeddingServerUrl(server) }, this.serverApiKey, this.logger);
        this.embedder = await ServerEmbedder.connect(connection, { model: server.embeddingModel, logger: this.logger }, this.startSignal);
      } catch (err) {
        if (this.options.onFailure === "throw") throw err;
        this.warn(`Embedding model on the server not reached, search uses full text only: ${(err as Error).message}`);
      }
      return;
    }
    if (!this.settings.embeddingModel) return;
    try {
      this.setStatus({ state: "loading-model", message: "Loading the embedding model" });
      const file = await this.resolve(this.settings.embeddingModel, "embedding model");
      this.backend = await loadLlamaBackend(this.settings.gpu, this.logger, this.options.gpuPackagesDir);
      const llama = this.backend.llama;
      this.embedder = await LlamaEmbedder.load(llama, file, this.modelSettings());
    } catch (err) {
      if (this.options.onFailure === "throw") throw err;
      this.modelFailed("embeddingModel", this.settings.embeddingModel, err);
      this.warn(`Embedding model not loaded, search uses full text only: ${(err as Error).message}`);
    }
  }

  private async openIndex(): Promise<void> {
    this.setStatus({ state: "indexing", message: "Loading the docs index" });
    const options: IndexOptions = {
      corpus: { include: this.settings.include, exclude: this.settings.exclude, maxFileBytes: this.settings.maxFileBytes },
      embedder: this.embedder,
      logger: this.logger,
      memoryBudgetMB: this.settings.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB,
    };
    const t0 = performance.now();
    const loaded = await loadIndex(this.indexFile, this.options.roots, options);
    const loadMs = performance.now() - t0;
    this.index = loaded.index;
    this.status.indexSource = loaded.status === "loaded" ? "loaded" : "built";
    const loadReason = "reason" in loaded ? loaded.reason : undefined;
    this.logger.info(`Index ${loaded.status} in ${loadMs.toFixed(0)} ms${loadReason ? ` (${loadReason})` : ""}`);
    const report = await this.runUpdate();
    const changed = loaded.status !== "loaded" || hasChanges(report) || Boolean(report.cancelled);
    const saved = changed && (await this.saveNow());
    this.opening = { load: loaded.status, loadReason, loadMs, report, saved };
  }

  private async runUpdate(signal?: AbortSignal): Promise<UpdateReport & { cancelled?: boolean }> {
    this.setStatus({ state: "indexing", message: "Indexing the docs", progress: undefined });
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    this.indexAbort = controller;
    // Files done of total, at most ten statuses a second (and always the first and the last).
    let lastShown = 0;
    const onProgress = (done: number, total: number) => {
      const now = performance.now();
      if (done !== 0 && done !== total && now - lastShown < 100) return;
      lastShown = now;
      this.setStatus({ state: "indexing", indexed: { done, total }, progress: total ? done / total : undefined });
    };
    try {
      const report = await this.index!.update(controller.signal, onProgress);
      this.logger.info(
        `Indexed ${this.index!.fileCount} files (${report.added.length} added, ${report.updated.length} updated, ${report.removed.length} removed, ${report.unchanged} unchanged) in ${report.ms.toFixed(0)} ms`,
      );
      // Info, not warnings: the same files are skipped on every run, and invalid UTF-8 is already
      // reported by the index as it reads a file.
      for (const s of report.skipped) this.logger.info(`Skipped ${s.relPath}: ${s.reason} (${s.detail})`);
      if (report.overBudget) {
        const { usedMB, budgetMB, filesLeft } = report.overBudget;
        this.warn(
          `Indexing stopped at the memory budget (${usedMB} MB of ${budgetMB} MB, docent.index.memoryBudgetMB): ${filesLeft} files not indexed; answers come from the ${this.index!.fileCount} indexed.`,
        );
      }
      return report;
    } catch (err) {
      // A stop, or a failure (an embedding model that crashed, a folder that went away), keeps
      // what was indexed so far: searching it still works, and the next update carries on.
      if (controller.signal.aborted) this.logger.warn(`Indexing cancelled with ${this.index!.fileCount} files indexed; Reindex finishes it.`);
      else if (this.options.onFailure === "throw") throw err;
      else this.warn(`Indexing stopped with an error (${this.index!.fileCount} files indexed; Reindex retries): ${(err as Error).message}`);
      return { added: [], updated: [], removed: [], unchanged: 0, skipped: [], invalidUtf8: [], chunksAdded: 0, ms: 0, cancelled: true };
    } finally {
      this.indexAbort = undefined;
      this.setStatus({ state: "ready", message: undefined, indexed: undefined, progress: undefined });
    }
  }

  /** Stops the indexing under way; what was indexed so far stays and is saved. */
  cancelIndexing(): boolean {
    this.indexAbort?.abort();
    return Boolean(this.indexAbort);
  }

  /**
   * The chat model on a team's server. It stays in use when the server cannot be reached now: it
   * asks again at each question, so a server that comes back (or restarts) answers without a reload.
   */
  private async connectServerChat(): Promise<void> {
    const server = this.settings.server!;
    if (this.settings.chatModel) this.logger.info(`docent.server.url is set: the local chat model ${this.settings.chatModel} is not loaded`);
    const unreachable = "The model server is not answering now";
    const chat: ServerChat = new ServerChat(connectionFor(server, this.serverApiKey, this.logger), {
      model: server.chatModel,
      logger: this.logger,
      // Reached (at start, or again later): the status names the model and drops the warning.
      onConnect: (info) => {
        if (this.chat !== chat) return;
        this.status.warnings = this.status.warnings.filter((w) => !w.startsWith(unreachable));
        this.setStatus({ model: `${info.id} (server)`, device: "server" });
      },
    });
    this.chat = chat;
    this.setStatus({ state: "loading-model", message: `Connecting to the model server ${chat.connection.label}` });
    try {
      const info = await chat.connect(this.startSignal);
      this.logger.info(`Answers come from the model server: ${describeServerModel(chat.connection, info)}`);
      this.setStatus({ state: "ready", message: undefined, progress: undefined });
    } catch (err) {
      if (this.options.onFailure === "throw") {
        this.chat = undefined;
        throw err;
      }
      this.warn(`${unreachable} (Docent asks again at the next question): ${(err as Error).message}`);
      this.setStatus({ state: "ready", model: `${server.chatModel || "?"} (server)`, device: "server", message: undefined, progress: undefined });
    }
  }

  private async loadChatModel(): Promise<void> {
    if (this.settings.server?.url) return this.connectServerChat();
    const ref = this.settings.chatModel;
    if (!ref) {
      this.setStatus({ state: "ready", model: undefined, device: undefined, message: undefined });
      return;
    }
    let failing: Pick<ModelFailure, "setting" | "ref"> = { setting: "chatModel", ref };
    try {
      this.setStatus({ state: "loading-model", message: "Loading the chat model" });
      const file = await this.resolve(ref, "chat model");
      this.logger.info(`Loading the chat model ${file} (GPU: ${this.settings.gpu})`);
      this.backend = await loadLlamaBackend(this.settings.gpu, this.logger, this.options.gpuPackagesDir);
      const llama = this.backend.llama;
      this.logger.info(`llama.cpp is ready on ${llama.gpu || "CPU"}`);
      // Adapters are references like the model: local paths (~ included) or hf: downloads.
      const lora = [];
      for (const a of this.settings.lora) {
        failing = { setting: "loraAdapters", ref: a.path };
        lora.push({ path: await this.resolve(a.path, "LoRA adapter"), scale: a.scale });
      }
      failing = { setting: "chatModel", ref };
      this.setStatus({ state: "loading-model", message: "Loading the chat model" });
      const chat = await ChatModel.load(llama, file, { ...this.modelSettings(), lora });
      this.chat = chat;
      this.logger.info(
        `Chat model ${file} ready on ${llama.gpu || "CPU"} (${chat.gpuLayers} GPU layers, ${chat.threads} threads, context ${chat.contextSize})`,
      );
      // The device is where the model runs: a GPU binary that offloaded no layer (Vulkan with only a
      // software renderer, a model too big for VRAM) leaves it on the CPU; Model Status says why.
      const device = llama.gpu && chat.gpuLayers > 0 ? llama.gpu : "cpu";
      this.setStatus({ state: "ready", model: path.basename(file), device, message: undefined, progress: undefined });
    } catch (err) {
      if (this.options.onFailure === "throw") throw err;
      this.modelFailed(failing.setting, failing.ref, err);
      this.warn(`Chat model not loaded, answers show the best-matching sections instead: ${(err as Error).message}`);
      this.setStatus({ state: "ready", model: undefined, device: undefined, message: undefined, progress: undefined });
    }
  }

  /** Remembers which model failed (shown with the next status), so the editor can offer Retry or another file. */
  private modelFailed(setting: ModelFailure["setting"], ref: string | undefined, err: unknown): void {
    if (!ref) return;
    this.status.modelFailure = { setting, ref, message: (err as Error).message, download: isRemoteModelReference(ref) };
  }

  private warn(message: string): void {
    this.logger.error(message);
    this.status.warnings = [...this.status.warnings.filter((w) => w !== message), message].slice(-5);
    this.setStatus({});
  }

  /** Saves the index; a failure (disk full, no permission) is logged, and the index stays in memory. */
  private async saveNow(full = false): Promise<boolean> {
    if (!this.index) return false;
    const t0 = performance.now();
    try {
      const { bytes, journaled } = await saveIndex(this.index, this.indexFile, { full });
      const how = journaled ? "changes appended to its journal" : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      this.logger.info(`Saved the index (${how}) in ${(performance.now() - t0).toFixed(0)} ms`);
      return true;
    } catch (err) {
      this.warn(`Saving the index failed (it is rebuilt at the next start): ${(err as Error).message}`);
      return false;
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

  /**
   * Answers one question; questions are answered one at a time, in order. Events stream to the
   * clients (without source texts) and, whole, to `onEvent` (the CLI prints them).
   */
  ask(params: AskParams, signal?: AbortSignal, onEvent?: (event: PipelineEvent) => void): Promise<AnswerResult> {
    const controller = new AbortController();
    this.running.set(params.id, controller);
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const run = this.queue.run(async () => {
      if (!this.index) throw new Error("The docs index is not ready yet");
      const result = await answerQuestion(this.index, this.chat, params.question, {
        signal: controller.signal,
        ...(params.previous ? { previous: params.previous } : {}),
        settings: this.settings.pipeline,
        onEvent: (event) => {
          onEvent?.(event);
          if (event.type === "sources") this.events.askEvent({ id: params.id, event: { type: "sources", sources: event.sources.map(withoutText) } });
          else if (event.type !== "done") this.events.askEvent({ id: params.id, event });
        },
      });
      this.rememberSources(params.id, result);
      if (result.mode === "model" && result.tokens.answer > 0) {
        this.lastAnswer = { tokensPerSecond: result.tokensPerSecond.answer, tokens: result.tokens.answer, firstTokenMs: result.timings.firstAnswerTokenMs };
        // A status event, so the client refreshes Model Status (the status bar tooltip's speed).
        this.setStatus({});
      }
      return toWire(result);
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

  private rememberSources(id: string, result: PipelineResult): void {
    this.recentSources.set(id, new Map(result.sources.map((s) => [s.n, s.text])));
    while (this.recentSources.size > RECENT_ANSWERS) this.recentSources.delete(this.recentSources.keys().next().value!);
  }

  /**
   * Appends a rating to the feedback log with the texts the answer drew on: from memory for
   * recent answers, else re-read from the cited lines when the file still holds what was cited
   * (an answer restored from the chat history after a restart).
   */
  async feedback(params: FeedbackParams): Promise<FeedbackResult> {
    const file = this.feedbackFile;
    if (!file) throw new Error("This engine keeps no feedback log");
    const indexed = (file: string) => this.index?.files.has(file) ?? false;
    const texts = (params.id && this.recentSources.get(params.id)) || (await recoverSourceTexts(params.result.sources, indexed));
    const entry = feedbackEntry(params, texts, this.status.model);
    const sourcesWithoutText = entry.sources.filter((s) => s.text === undefined).length;
    if (sourcesWithoutText) this.logger.warn(`Feedback stored without the text of ${sourcesWithoutText} source(s): their files changed since the answer`);
    await appendFeedback(file, entry);
    return { file, sourcesWithoutText };
  }

  /**
   * The definition of a name the docs define, for hovers: the defining section's first
   * paragraph, its heading and location. Plain words are not looked up (see isDefinableName).
   */
  define(name: string): Definition | undefined {
    if (!this.index || !isDefinableName(name)) return undefined;
    const [hit] = this.index.exactTermHits(name, undefined, 1);
    if (!hit) return undefined;
    const chunk = this.index.getChunk(hit.chunkId);
    if (!chunk) return undefined;
    return {
      term: hit.term,
      ...(hit.askedAs ? { askedAs: hit.askedAs } : {}),
      heading: headingLabel(chunk),
      file: chunk.file,
      path: chunk.relPath,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      summary: firstParagraph(chunk.text),
      ...withDetails(definitionRow(chunk, hit.term)),
    };
  }

  /** A few questions about names the docs define (the chat's empty state); none before the index is open. */
  exampleQuestions(count = 3): ExampleQuestion[] {
    return this.index ? exampleQuestions(this.index, Math.min(10, Math.max(1, count))) : [];
  }

  /** The definition with its card (instrument, unit, description, attributes), read from the defining lines: for hovers. */
  async defineWithCard(name: string): Promise<Definition | undefined> {
    const definition = this.define(name);
    if (!definition || !this.index) return definition;
    const card = await cardForName(this.index, definition.term);
    return card ? { ...definition, card } : definition;
  }

  /** The k sections that best match a query (see lookup.ts); needs only the index. */
  search(query: string, k = 5): Promise<SearchSection[]> {
    if (!this.index) throw new Error("The docs index is not ready yet");
    return searchSections(this.index, query, k);
  }

  /** Fine-tuning data from the indexed docs, written by the loaded chat model; resumable. */
  exportDataset(params: ExportDatasetParams, signal?: AbortSignal, onProgress?: (p: DatasetProgressParams) => void): Promise<DatasetSummary> {
    // Questions wait while the model writes the dataset (one model, one sequence).
    return this.queue.run(async () => {
      if (!this.index) throw new Error("The docs index is not ready yet");
      if (!this.chat) throw new Error('Exporting a dataset needs a chat model: set one with "Docent: Select Model"');
      return generateDataset(this.index, this.chat, { ...params, signal, onProgress: ({ done, total, records }) => onProgress?.({ done, total, records }) });
    });
  }

  /** Where the model runs and how fast it answered (Docent: Show Model Status). */
  modelStatus(): Promise<ModelStatus> {
    // A model on a team's server has no local device to describe: Model Status shows the local binary only.
    const chat = this.chat instanceof ChatModel ? this.chat : undefined;
    return describeModelStatus({ gpuSetting: this.settings.gpu, backend: this.backend, chat, lastAnswer: this.lastAnswer });
  }

  /**
   * Fetches node-llama-cpp's CUDA binary package (and the CUDA runtime package when the system has
   * no CUDA runtime) of the installed node-llama-cpp version into gpuPackagesDir. They are used
   * from the next start of the engine process (module resolution is fixed once the binary loaded).
   */
  async enableCuda(onProgress?: (p: GpuPackageProgressParams) => void, signal?: AbortSignal): Promise<EnableCudaResult> {
    const dir = this.options.gpuPackagesDir;
    if (!dir) throw new Error("This engine has no folder for GPU packages");
    const names = cudaPackageNames();
    if (!names) throw new Error(`node-llama-cpp has no CUDA build for ${process.platform}-${process.arch} (CUDA is for Linux and Windows on x64)`);
    const { getModuleVersion } = await importNodeLlamaCpp();
    const version = await getModuleVersion();
    const registry = await npmRegistry();
    const wanted = [names.binary, ...((await hasSystemCudaRuntime()) ? [] : [names.runtime])];
    const installed = [];
    for (const name of wanted) {
      this.logger.info(`Fetching ${name}@${version} from ${registry}`);
      const p = await installGpuPackage({ storageDir: dir, name, version, registry, signal, onProgress });
      installed.push({ name: p.name, version: p.version });
    }
    return { installed, registry };
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
    const corpusChanged =
      JSON.stringify([before.include, before.exclude, before.maxFileBytes]) !== JSON.stringify([settings.include, settings.exclude, settings.maxFileBytes]);
    const embedderChanged = before.embeddingModel !== settings.embeddingModel || serverEmbeddingKey(before.server) !== serverEmbeddingKey(settings.server);
    const chatChanged =
      JSON.stringify([before.chatModel, before.lora, before.gpu, before.threads, before.contextSize, serverChatKey(before.server)]) !==
      JSON.stringify([settings.chatModel, settings.lora, settings.gpu, settings.threads, settings.contextSize, serverChatKey(settings.server)]);
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
    this.status.modelFailure = undefined;
    if (embedderChanged) await this.loadEmbedderIfConfigured();
    if (corpusChanged || embedderChanged) await this.openIndex();
    if (chatChanged) await this.loadChatModel();
  }

  /** A new API key for the model server: what runs on the server reconnects with it. */
  setServerApiKey(apiKey: string | undefined): Promise<void> {
    return this.queue.run(async () => {
      if ((apiKey || undefined) === this.serverApiKey) return;
      this.serverApiKey = apiKey || undefined;
      const server = this.settings.server;
      if (!server?.url) return;
      this.status.warnings = [];
      if (serverEmbeddingKey(server)) {
        await this.embedder?.dispose();
        this.embedder = undefined;
        await this.loadEmbedderIfConfigured();
        await this.openIndex();
      }
      await this.chat?.dispose();
      this.chat = undefined;
      await this.loadChatModel();
    });
  }

  async dispose(): Promise<void> {
    this.cancelAll();
    clearTimeout(this.changeTimer);
    // On shutdown the journal, if any, is folded into a full save (the next start reads one file).
    if (this.saveTimer || (this.index?.changeLog?.journalBytes ?? 0) > 0) {
      clearTimeout(this.saveTimer);
      void this.queue.run(() => this.saveNow(true));
    }
    await this.queue.idle();
    await this.chat?.dispose();
    await this.embedder?.dispose();
  }
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function firstParagraph(text: string): string {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim());
  const prose = paragraphs.find((p) => p && !p.startsWith("#") && !p.startsWith("|") && !p.startsWith("```") && !p.startsWith("<!--"));
  return (prose ?? paragraphs.find((p) => p && !p.startsWith("#")) ?? "").slice(0, 600);
}

/** The answer as it goes out: source texts stay in the engine (the client opens the files). */
function toWire(result: PipelineResult): AnswerResult {
  return { ...result, sources: result.sources.map(withoutText) };
}

const withDetails = (details: Record<string, string> | undefined) => (details ? { details } : {});
