// The engine: the one place that opens the docs index, loads the models and answers. The engine
// process (src/engineProcess, a thin LSP adapter) and the CLI both drive it. Plain Node (no vscode, no
// LSP types), so it is tested directly. A thin front over its parts: the index keeper
// (indexKeeper.ts), the model host (modelHost.ts) and the status they both update (engineStatus.ts).
import * as path from "node:path";
import { answerQuestion, type PipelineEvent, type PipelineResult } from "./answer/pipeline.js";
import type { DocsIndex } from "./index/docsIndex.js";
import { exampleQuestions } from "./examples.js";
import { defineName, searchSections } from "./lookup.js";
import { cardForName } from "./cards/cardsForTerms.js";
import { DocLines } from "./index/search/fileLines.js";
import { appendFeedback, feedbackEntry, recoverSourceTexts } from "./finetune/feedbackLog.js";
import { generateDataset } from "./finetune/dataset.js";
import { EngineStatusBoard } from "./engineStatus.js";
import { IndexKeeper, type IndexOpening } from "./indexKeeper.js";
import { ModelHost, modelsChanged } from "./modelHost.js";
import type { ChatGenerator } from "./model/modelInterface.js";
import { serverEmbeddingKey } from "./model/remote/serverBackend.js";
import { silentLogger, type Logger } from "./util/logger.js";
import { SerialQueue } from "./util/serialQueue.js";
import { withoutText, type AnswerResult } from "../shared/answer.js";
import { FEEDBACK_FILE, INDEX_FILE } from "../shared/defaults.js";
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
  ModelStatus,
  ReindexResult,
  SearchSection,
} from "../shared/protocol.js";

export type { IndexOpening } from "./indexKeeper.js";

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

/** Answers whose source texts are kept in memory for feedback (older ones are re-read from disk). */
const RECENT_ANSWERS = 50;

export class Engine {
  private settings: EngineSettings;
  private readonly running = new Map<string, AbortController>();
  /** Source texts of recent answers, so feedback can store what the model was shown. */
  private readonly recentSources = new Map<string, Map<number, string>>();
  /** The last question the model answered and the sources it was given: a follow-up to it over the same sources keeps them. */
  private lastAnswered?: { question: string; sources: PipelineResult["sources"] };
  /**
   * Everything that changes the index or uses the models runs here, one job at a time: two
   * updates of one file must not interleave, and a model must not be swapped under a question.
   */
  private readonly queue = new SerialQueue();
  private readonly indexOpened = deferred();
  private readonly logger: Logger;
  private readonly events: EngineEvents;
  private readonly status: EngineStatusBoard;
  private readonly indexKeeper: IndexKeeper;
  private readonly models: ModelHost;

  constructor(private readonly options: EngineOptions) {
    this.settings = options.settings;
    this.logger = options.logger ?? silentLogger;
    this.events = { status: () => {}, askEvent: () => {}, ...options.events };
    const { logger, queue } = this;
    this.status = new EngineStatusBoard(
      logger,
      (status) => this.events.status(status),
      () => {
        const index = this.indexKeeper.index;
        return index && { files: index.fileCount, sections: index.chunkCount };
      },
    );
    const { roots, indexFile, onFailure, modelsDir, gpuPackagesDir, serverApiKey } = options;
    this.indexKeeper = new IndexKeeper({ roots, indexFile, onFailure, logger, status: this.status, queue });
    this.models = new ModelHost({ modelsDir, gpuPackagesDir, onFailure, serverApiKey, logger, status: this.status, settings: () => this.settings });
  }

  get indexFile(): string {
    return this.options.indexFile;
  }

  get feedbackFile(): string | undefined {
    return this.options.feedbackFile;
  }

  /** How the index was last opened (at start, or after a settings change): for the CLI's report. */
  get opening(): IndexOpening | undefined {
    return this.indexKeeper.opening;
  }

  private get index(): DocsIndex | undefined {
    return this.indexKeeper.index;
  }

  /** The opened index (search, evaluation); start() first. */
  get docsIndex(): DocsIndex {
    if (!this.index) throw new Error("The docs index is not ready yet");
    return this.index;
  }

  /** The loaded chat model, in process or on a server, if any (answer evaluation). */
  get chatModel(): ChatGenerator | undefined {
    return this.models.chat;
  }

  /** "cuda", "vulkan", "metal" or "cpu" when a chat model is loaded. */
  get device(): string | undefined {
    return this.status.device;
  }

  getStatus(): EngineStatus {
    return this.status.get();
  }

  /**
   * Loads the saved index (or builds it) and the models. In the editor the chat model loads after
   * the index, so search works while it loads, and its problems never stop retrieval; with
   * onFailure "throw" (the CLI) it loads first. The signal stops model downloads.
   */
  start(signal?: AbortSignal): Promise<void> {
    this.models.startSignal = signal;
    const chatFirst = this.options.onFailure === "throw";
    return this.queue
      .run(async () => {
        this.logger.info(`Index file: ${this.indexFile}${this.feedbackFile ? `; feedback log: ${this.feedbackFile}` : ""}`);
        try {
          await this.models.loadEmbedder();
          if (chatFirst) await this.models.loadChat();
          await this.indexKeeper.open(this.settings, this.models.embedder);
          this.indexOpened.resolve();
          if (!chatFirst) await this.models.loadChat();
        } catch (err) {
          this.status.set({ state: "error", message: `Docent could not start: ${(err as Error).message}` });
          throw err;
        }
      })
      .finally(() => this.indexOpened.resolve());
  }

  /** Resolves once the index is open (or start-up failed): hovers need no more than that. */
  whenIndexOpen(): Promise<void> {
    return this.indexOpened.promise;
  }

  /** Stops the indexing under way; what was indexed so far stays and is saved. */
  cancelIndexing(): boolean {
    return this.indexKeeper.cancelIndexing();
  }

  reindex(signal?: AbortSignal): Promise<ReindexResult> {
    return this.queue.run(() => this.indexKeeper.reindexNow(signal));
  }

  /** Files created, changed or deleted on disk (from the editor's watcher), debounced. */
  filesChanged(files: string[]): Promise<void> {
    return this.indexKeeper.filesChanged(files);
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
      const last = this.lastAnswered;
      const previous = params.previous && last?.question === params.previous.question ? { ...params.previous, sources: last.sources } : params.previous;
      const result = await answerQuestion(this.index, this.models.chat, params.question, {
        signal: controller.signal,
        ...(previous ? { previous } : {}),
        settings: this.settings.pipeline,
        onEvent: (event) => {
          onEvent?.(event);
          if (event.type === "sources") this.events.askEvent({ id: params.id, event: { type: "sources", sources: event.sources.map(withoutText) } });
          else if (event.type !== "done") this.events.askEvent({ id: params.id, event });
        },
      });
      this.rememberSources(params.id, result);
      this.lastAnswered = result.mode === "model" && !result.aborted ? { question: params.question, sources: result.sources } : undefined;
      if (result.mode === "model" && result.tokens.answer > 0) {
        this.models.recordAnswer({
          tokensPerSecond: result.tokensPerSecond.answer,
          tokens: result.tokens.answer,
          firstTokenMs: result.timings.firstAnswerTokenMs,
        });
        // A status event, so the client refreshes Model Status (the status bar tooltip's speed).
        this.status.set({});
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
    const recovered = async () => (this.index ? await recoverSourceTexts(params.result.sources, new DocLines(this.index)) : new Map<number, string>());
    const texts = (params.id && this.recentSources.get(params.id)) || (await recovered());
    const entry = feedbackEntry(params, texts, this.status.model);
    const sourcesWithoutText = entry.sources.filter((s) => s.text === undefined).length;
    if (sourcesWithoutText) this.logger.warn(`Feedback stored without the text of ${sourcesWithoutText} source(s): their files changed since the answer`);
    await appendFeedback(file, entry);
    return { file, sourcesWithoutText };
  }

  /** The definition of a name the docs define, for hovers (see lookup.ts's defineName). */
  define(name: string): Definition | undefined {
    return this.index ? defineName(this.index, name) : undefined;
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
      const chat = this.models.chat;
      if (!chat) throw new Error('Exporting a dataset needs a chat model: set one with "Docent: Select Model"');
      return generateDataset(this.index, chat, { ...params, signal, onProgress: ({ done, total, records }) => onProgress?.({ done, total, records }) });
    });
  }

  /** Where the model runs and how fast it answered (Docent: Show Model Status). */
  modelStatus(): Promise<ModelStatus> {
    return this.models.modelStatus();
  }

  /** Fetches node-llama-cpp's CUDA packages into gpuPackagesDir, used from the next start (see ModelHost.enableCuda). */
  enableCuda(onProgress?: (p: GpuPackageProgressParams) => void, signal?: AbortSignal): Promise<EnableCudaResult> {
    return this.models.enableCuda(onProgress, signal);
  }

  /** New settings: reload what they affect. */
  configure(settings: EngineSettings): Promise<void> {
    // An indexing run under the old settings is stopped rather than waited for.
    this.indexKeeper.cancelIndexing();
    return this.queue.run(() => this.configureNow(settings));
  }

  private async configureNow(settings: EngineSettings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    const corpusChanged =
      JSON.stringify([before.include, before.exclude, before.maxFileBytes]) !== JSON.stringify([settings.include, settings.exclude, settings.maxFileBytes]);
    const changed = modelsChanged(before, settings);
    if (!corpusChanged && !changed.embedder && !changed.chat) return;
    if (changed.chat) await this.models.unloadChat();
    if (changed.embedder) await this.models.unloadEmbedder();
    this.status.dropWarnings();
    this.status.note({ modelFailure: undefined });
    if (changed.embedder) await this.models.loadEmbedder();
    if (corpusChanged || changed.embedder) await this.indexKeeper.open(this.settings, this.models.embedder);
    if (changed.chat) await this.models.loadChat();
  }

  /** A new API key for the model server: what runs on the server reconnects with it. */
  setServerApiKey(apiKey: string | undefined): Promise<void> {
    return this.queue.run(async () => {
      if (!this.models.useServerApiKey(apiKey)) return;
      const server = this.settings.server;
      if (!server?.url) return;
      this.status.dropWarnings();
      if (serverEmbeddingKey(server)) {
        await this.models.unloadEmbedder();
        await this.models.loadEmbedder();
        await this.indexKeeper.open(this.settings, this.models.embedder);
      }
      await this.models.unloadChat();
      await this.models.loadChat();
    });
  }

  async dispose(): Promise<void> {
    this.cancelAll();
    // Debounced changes are dropped; a save still due (or the journal, folded into a full save) is queued.
    this.indexKeeper.close();
    await this.queue.idle();
    await this.models.dispose();
  }
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The answer as it goes out: source texts stay in the engine (the client opens the files). */
function toWire(result: PipelineResult): AnswerResult {
  return { ...result, sources: result.sources.map(withoutText) };
}
