// The model host: resolves model references (downloading hf: ones), loads the local chat and
// embedding models or connects to a team's model server, and says where the model runs (Model
// Status, Enable CUDA). One of the parts the Engine front holds (indexKeeper.ts holds the index).
import * as path from "node:path";
import type { EngineStatusBoard } from "./engineStatus.js";
import { isRemoteModelReference } from "./model/download/references.js";
import { resolveModelReference } from "./model/download/resolve.js";
import { describeModelStatus, loadLlamaBackend, type LlamaBackend } from "./model/local/gpuBackend.js";
import { cudaPackageNames, hasSystemCudaRuntime, installGpuPackage, npmRegistry } from "./model/local/gpuPackages.js";
import { ChatModel, LlamaEmbedder, type ModelSettings } from "./model/local/llm.js";
import { importNodeLlamaCpp } from "./model/local/nodeLlamaCpp.js";
import type { ChatGenerator, Embedder } from "./model/modelInterface.js";
import { connectionFor, embeddingServerUrl, serverChatKey, serverEmbeddingKey } from "./model/remote/serverBackend.js";
import { ServerChat } from "./model/remote/serverChat.js";
import { ServerEmbedder } from "./model/remote/serverEmbedder.js";
import { describeServerModel } from "./model/remote/serverModels.js";
import type { Logger } from "./util/logger.js";
import { contextBudget } from "./answer/answerPrompts.js";
import { timedSourceBudget } from "./answer/timeBudget.js";
import type { EnableCudaResult, EngineSettings, GpuPackageProgressParams, ModelFailure, ModelStatus } from "../shared/protocol.js";

/** A chat model the engine owns: in process or on a server. */
type OwnedChat = ChatGenerator & { dispose(): Promise<void> };

export interface ModelHostOptions {
  /** Where hf: references are downloaded. */
  modelsDir: string;
  /** Where "Enable CUDA" puts node-llama-cpp's CUDA binaries, and the engine looks for them. */
  gpuPackagesDir?: string;
  /** "throw" (the CLI): a model that does not load fails the command; "warn": answers fall back to what works. */
  onFailure?: "warn" | "throw";
  /** The model server's API key, held in memory only. */
  serverApiKey?: string;
  logger: Logger;
  status: EngineStatusBoard;
  /** The engine's settings of the moment. */
  settings: () => EngineSettings;
}

/** Which models new settings change: those are unloaded and loaded again. */
export function modelsChanged(before: EngineSettings, after: EngineSettings): { embedder: boolean; chat: boolean } {
  return {
    embedder: before.embeddingModel !== after.embeddingModel || serverEmbeddingKey(before.server) !== serverEmbeddingKey(after.server),
    chat:
      JSON.stringify([before.chatModel, before.lora, before.gpu, before.threads, before.contextSize, serverChatKey(before.server)]) !==
      JSON.stringify([after.chatModel, after.lora, after.gpu, after.threads, after.contextSize, serverChatKey(after.server)]),
  };
}

export class ModelHost {
  private chatModel?: OwnedChat;
  private embeddingModel?: Embedder & { dispose(): Promise<void> };
  private serverApiKey?: string;
  /** The llama.cpp binary in use (Model Status), and the last model answer's speed. */
  private backend?: LlamaBackend;
  private lastAnswer?: ModelStatus["lastAnswer"];
  /** Stops model downloads and server connections (the signal of Engine.start). */
  startSignal?: AbortSignal;
  private readonly logger: Logger;
  private readonly status: EngineStatusBoard;

  constructor(private readonly options: ModelHostOptions) {
    this.serverApiKey = options.serverApiKey;
    this.logger = options.logger;
    this.status = options.status;
  }

  private get settings(): EngineSettings {
    return this.options.settings();
  }

  /** The loaded chat model, in process or on a server, if any. */
  get chat(): ChatGenerator | undefined {
    return this.chatModel;
  }

  /** The loaded embedding model, if any: the index uses it for vector search. */
  get embedder(): Embedder | undefined {
    return this.embeddingModel;
  }

  /** The speed of the last model answer, for Model Status. */
  recordAnswer(lastAnswer: ModelStatus["lastAnswer"]): void {
    this.lastAnswer = lastAnswer;
  }

  /** Takes a new API key for the model server; false when it is the key in use already. */
  useServerApiKey(apiKey: string | undefined): boolean {
    if ((apiKey || undefined) === this.serverApiKey) return false;
    this.serverApiKey = apiKey || undefined;
    return true;
  }

  private modelSettings(): ModelSettings {
    const s = this.settings;
    // A model file not loaded before is first loaded in a child process (model/local/loadProbe.ts);
    // the files that loaded are remembered beside the downloaded models.
    const probe = { cacheFile: path.join(this.options.modelsDir, "probed-models.json"), logger: this.logger };
    // Measured speeds are kept beside them too, per file and device (model/speed.ts).
    const speed = { file: path.join(this.options.modelsDir, "model-speeds.json") };
    return { gpu: s.gpu, threads: s.threads, contextSize: s.contextSize, lora: s.lora, probe, speed };
  }

  private async resolve(ref: string, what: string): Promise<string> {
    let shown = -1;
    // A download says so from its start, also while it is still reaching the server (a record of a
    // finished download is reused in milliseconds, and the state then moves on to loading).
    if (isRemoteModelReference(ref)) this.status.set({ state: "downloading-model", progress: 0, message: `Downloading ${what} ${ref}` });
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
        this.status.set({ state: "downloading-model", progress: totalBytes ? step / 100 : undefined, message: `Downloading ${what} ${fileName}` });
      },
    });
  }

  /** Loads the embedding model of the settings, or connects to the server's; none set: nothing. */
  async loadEmbedder(): Promise<void> {
    const server = this.settings.server;
    if (server?.url && server.embeddingModel) {
      try {
        this.status.set({ state: "loading-model", message: "Connecting to the embedding model on the server" });
        const connection = connectionFor({ ...server, url: embeddingServerUrl(server) }, this.serverApiKey, this.logger);
        this.embeddingModel = await ServerEmbedder.connect(connection, { model: server.embeddingModel, logger: this.logger }, this.startSignal);
      } catch (err) {
        if (this.options.onFailure === "throw") throw err;
        this.status.warn(`Embedding model on the server not reached, search uses full text only: ${(err as Error).message}`);
      }
      return;
    }
    if (!this.settings.embeddingModel) return;
    try {
      this.status.set({ state: "loading-model", message: "Loading the embedding model" });
      const file = await this.resolve(this.settings.embeddingModel, "embedding model");
      this.backend = await loadLlamaBackend(this.settings.gpu, this.logger, this.options.gpuPackagesDir);
      const llama = this.backend.llama;
      this.embeddingModel = await LlamaEmbedder.load(llama, file, this.modelSettings());
    } catch (err) {
      if (this.options.onFailure === "throw") throw err;
      this.status.modelFailed("embeddingModel", this.settings.embeddingModel, err);
      this.status.warn(`Embedding model not loaded, search uses full text only: ${(err as Error).message}`);
    }
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
        if (this.chatModel !== chat) return;
        this.status.dropWarnings(unreachable);
        this.status.set({ model: `${info.id} (server)`, device: "server" });
      },
    });
    this.chatModel = chat;
    this.status.set({ state: "loading-model", message: `Connecting to the model server ${chat.connection.label}` });
    try {
      const info = await chat.connect(this.startSignal);
      this.logger.info(`Answers come from the model server: ${describeServerModel(chat.connection, info)}`);
      this.status.set({ state: "ready", message: undefined, progress: undefined });
    } catch (err) {
      if (this.options.onFailure === "throw") {
        this.chatModel = undefined;
        throw err;
      }
      this.status.warn(`${unreachable} (Docent asks again at the next question): ${(err as Error).message}`);
      this.status.set({ state: "ready", model: `${server.chatModel || "?"} (server)`, device: "server", message: undefined, progress: undefined });
    }
  }

  /** Loads the chat model of the settings (with its LoRA adapters), or connects to the server's; none set: retrieval only. */
  async loadChat(): Promise<void> {
    if (this.settings.server?.url) return this.connectServerChat();
    const ref = this.settings.chatModel;
    if (!ref) {
      this.status.set({ state: "ready", model: undefined, device: undefined, message: undefined });
      return;
    }
    let failing: Pick<ModelFailure, "setting" | "ref"> = { setting: "chatModel", ref };
    try {
      this.status.set({ state: "loading-model", message: "Loading the chat model" });
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
      this.status.set({ state: "loading-model", message: "Loading the chat model" });
      const chat = await ChatModel.load(llama, file, { ...this.modelSettings(), lora });
      this.chatModel = chat;
      this.logger.info(
        `Chat model ${file} ready on ${llama.gpu || "CPU"} (${chat.gpuLayers} GPU layers, ${chat.readThreads === chat.threads ? chat.threads : `${chat.readThreads} reading and ${chat.threads} writing`} threads, context ${chat.contextSize})`,
      );
      // The device is where the model runs: a GPU binary that offloaded no layer (Vulkan with only a
      // software renderer, a model too big for VRAM) leaves it on the CPU; Model Status says why.
      const device = llama.gpu && chat.gpuLayers > 0 ? llama.gpu : "cpu";
      this.status.set({ state: "ready", model: path.basename(file), device, message: undefined, progress: undefined });
    } catch (err) {
      if (this.options.onFailure === "throw") throw err;
      this.status.modelFailed(failing.setting, failing.ref, err);
      this.status.warn(`Chat model not loaded, answers show the best-matching sections instead: ${(err as Error).message}`);
      this.status.set({ state: "ready", model: undefined, device: undefined, message: undefined, progress: undefined });
    }
  }

  async unloadChat(): Promise<void> {
    await this.chatModel?.dispose();
    this.chatModel = undefined;
  }

  async unloadEmbedder(): Promise<void> {
    await this.embeddingModel?.dispose();
    this.embeddingModel = undefined;
  }

  /** Where the model runs and how fast it answered (Docent: Show Model Status). */
  modelStatus(): Promise<ModelStatus> {
    // A model on a team's server has no local device to describe: Model Status shows the local binary only.
    const chat = this.chatModel instanceof ChatModel ? this.chatModel : undefined;
    return describeModelStatus({ gpuSetting: this.settings.gpu, backend: this.backend, chat, lastAnswer: this.lastAnswer }).then(async (status) => {
      const speed = chat?.speed();
      if (!chat || !speed) return status;
      const pipeline = this.settings.pipeline;
      // The budget of a short question: the frame is the system prompt and the prompt's text around the sources.
      const room = await contextBudget("", (t) => chat.countTokens(t), chat.contextSize, pipeline.answerMaxTokens, chat.countPromptTokens.bind(chat));
      const frameTokens = chat.contextSize - pipeline.answerMaxTokens - room - 64;
      const budget = timedSourceBudget({ seconds: pipeline.firstTokenSeconds, speed, frameTokens, room });
      return {
        ...status,
        answerBudget: {
          ...speed,
          firstTokenSeconds: pipeline.firstTokenSeconds,
          sourceTokens: budget.tokens,
          limitedBy: budget.limitedBy,
          expectedSeconds: budget.expectedSeconds,
        },
      };
    });
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
      const onRetry = (r: { fromByte: number; reason: string }) => this.logger.warn(`${name}: ${r.reason}; resuming from byte ${r.fromByte}`);
      const p = await installGpuPackage({ storageDir: dir, name, version, registry, signal, onProgress, download: { onRetry } });
      installed.push({ name: p.name, version: p.version });
    }
    return { installed, registry };
  }

  async dispose(): Promise<void> {
    await this.chatModel?.dispose();
    await this.embeddingModel?.dispose();
  }
}
