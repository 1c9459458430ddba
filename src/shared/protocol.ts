// The messages between the extension (language client) and the engine process (language server):
// their params and result types, and one table of them (method names "docent/...") at the end. The
// table drives both ends: the engine process registers one handler per request (a missing handler
// does not compile) and the extension calls them by name. No vscode import: the engine process and
// the CLI use these types too, and the webview imports the types (vscode-languageserver-protocol's
// root entry is browser-safe).
import { NotificationType, NotificationType0, RequestType, RequestType0, type CancellationToken } from "vscode-languageserver-protocol";
import type { AnswerEvent, AnswerResult } from "./answer.js";
import type { DefinitionCard } from "./cards.js";
import type { DefinedNamesTable } from "./codeCheck/types.js";
import type { PipelineSettings } from "./pipelineSettings.js";

// ------------------------------------------------------------------ start-up and settings

export interface EngineSettings {
  /** Docs globs, relative to each workspace folder. */
  include: string[];
  exclude: string[];
  maxFileBytes: number;
  /** Resident memory (MB) past which indexing stops taking in files (the engine answers from what it has). */
  memoryBudgetMB?: number;
  /** Local paths or hf: references (downloaded by the engine into modelsDir). */
  chatModel?: string;
  embeddingModel?: string;
  lora: { path: string; scale: number }[];
  gpu: "auto" | "off";
  threads?: number;
  contextSize?: number;
  pipeline: PipelineSettings;
  /** A team's OpenAI-compatible model server; when set, the chat model (and embeddings, with embeddingModel) run there. */
  server?: ServerSettings;
}

/** The model server: vLLM, llama-server, Ollama, LM Studio (anything with /v1/chat/completions). The API key travels apart (see serverApiKey). */
export interface ServerSettings {
  /** e.g. http://gpu-box:8000/v1 */
  url: string;
  /** The model name to ask for (an adapter's name on vLLM); empty: the first model the server lists. */
  chatModel?: string;
  /** Embeddings from the server with this model; empty: the local embeddingModel, if any. */
  embeddingModel?: string;
  /** Where the embedding model is served when not at `url` (vLLM and llama-server serve one model per process); empty: `url`. */
  embeddingUrl?: string;
  /** No byte from the server for this long fails the request (default 60). */
  timeoutSeconds?: number;
}

/** Sent with `initialize`; the client builds it anew on every (re)start, so a restarted engine has the current settings. */
export interface InitializationOptions {
  roots: string[];
  /** Where the saved index and the feedback log live (the extension's workspace storage). */
  storageDir: string;
  /** Where downloaded models go (the extension's global storage). */
  modelsDir: string;
  settings: EngineSettings;
  /**
   * The model server's API key, from the editor's SecretStorage: sent in memory with initialize
   * (and SetServerApiKeyRequest), never written to settings or disk.
   */
  serverApiKey?: string;
  /** Where "Docent: Enable CUDA" puts node-llama-cpp's CUDA binaries (the extension's global storage). */
  gpuPackagesDir?: string;
}

// ------------------------------------------------------------------ status

export type EngineState = "starting" | "indexing" | "loading-model" | "downloading-model" | "ready" | "error";

export interface EngineStatus {
  state: EngineState;
  files: number;
  sections: number;
  /** Chat model file name, when one is loaded. */
  model?: string;
  /** "cuda", "vulkan", "metal", or "cpu". */
  device?: string;
  /** Progress of indexing or a download, 0..1, when known. */
  progress?: number;
  message?: string;
  /** Problems the user should know about (a model that failed to load, skipped files). */
  warnings: string[];
  /** How the index was opened at start-up: from its saved file, or built. */
  indexSource?: "loaded" | "built";
  /** The engine's process id (the log, and tests that stop it). */
  pid?: number;
  /** While indexing: files looked at so far, of how many. */
  indexed?: { done: number; total: number };
  /** The last model that failed to download or load (cleared by new settings), so the editor can offer Retry and Choose File. */
  modelFailure?: ModelFailure;
}

export interface ModelFailure {
  setting: "chatModel" | "embeddingModel" | "loraAdapters";
  /** The reference as set (a path, an hf: URI or a URL). */
  ref: string;
  message: string;
  /** True when the reference is downloaded (hf: or http(s)), false for a local file. */
  download: boolean;
}

// ------------------------------------------------------------------ answers

export interface AskParams {
  /** Chosen by the client, to match streamed events (and feedback) to the answer. Stop cancels the request itself. */
  id: string;
  question: string;
  /** The turn before, for follow-ups ("and its unit?"): its question and the names its cards were about. */
  previous?: { question: string; terms?: string[] };
}

export interface AskEventParams {
  id: string;
  event: AnswerEvent;
}

// ------------------------------------------------------------------ index

export interface ReindexResult {
  files: number;
  sections: number;
  added: number;
  updated: number;
  removed: number;
  skipped: { path: string; reason: string; detail: string }[];
  ms: number;
  cancelled: boolean;
}

export interface DefineParams {
  /** A name as written in code or docs, e.g. `http.server.request.duration`. */
  name: string;
}

/** A name the docs define: the defining section's heading, location and first paragraph. */
export interface Definition {
  term: string;
  /** The name as it was asked for, when the docs do not define it and `term` is the nearest defined name. */
  askedAs?: string;
  heading: string;
  /** Absolute path. */
  file: string;
  /** Path relative to its docs folder. */
  path: string;
  startLine: number;
  endLine: number;
  summary: string;
  /** The name's row of its definition table, when it has one: column → value ("Instrument Type" → "Histogram"). */
  details?: Record<string, string>;
  /** Its definition card (instrument or type, unit, description, attributes), when the docs give one. */
  card?: DefinitionCard;
}

export interface ExampleQuestion {
  question: string;
  /** The defined name it is about. */
  term: string;
}

export interface SearchParams {
  query: string;
  /** How many sections (default 5). */
  k?: number;
}

/** A section that matches a search, ranked; its text is cut at 4,000 characters. */
export interface SearchSection {
  rank: number;
  /** Path relative to its docs folder. */
  path: string;
  /** The docs folder the file is in. */
  folder: string;
  /** Absolute path. */
  file: string;
  /** Heading path, outermost first, joined by " > ". */
  heading: string;
  startLine: number;
  endLine: number;
  score: number;
  matchedBy: string[];
  /** The defined name that matched exactly, when one did. */
  term?: string;
  text: string;
  truncated: boolean;
}

// ------------------------------------------------------------------ feedback and fine-tuning

export interface FeedbackParams {
  rating: "up" | "down";
  comment?: string;
  /** A corrected answer, when the user gave one (becomes a preference pair). */
  correction?: string;
  /** The ask id of the answer, when the engine may still remember it. */
  id?: string;
  result: AnswerResult;
}

export interface FeedbackResult {
  /** The feedback log the entry went to. */
  file: string;
  /** Sources whose text could not be recovered (the file changed or is gone): stored without it. */
  sourcesWithoutText: number;
}

export interface ExportDatasetParams {
  out: string;
  perSection: number;
  distractors: number;
  seed: number;
  /** Only the first N sections (trying it out, tests). */
  limit?: number;
}

export interface DatasetSummary {
  trainFile: string;
  validationFile: string;
  records: { train: number; validation: number };
  sections: { total: number; covered: number; resumed: number };
  files: { train: number; validation: number };
  generatedTokens: number;
  ms: number;
}

export interface DatasetProgressParams {
  done: number;
  total: number;
  records: number;
}

// ------------------------------------------------------------------ model status and GPU binaries

/** Where the chat model runs and how fast it answered: "Docent: Show Model Status" and the status bar tooltip. */
export interface ModelStatus {
  /** What computes the model: a GPU backend only when layers were offloaded to it. */
  backend: "cuda" | "vulkan" | "metal" | "cpu";
  /** The llama.cpp binary node-llama-cpp loaded ("cpu" for the CPU-only one); none before a model was asked for. */
  binary?: "cuda" | "vulkan" | "metal" | "cpu";
  gpuSetting: "auto" | "off";
  /** GPU devices the loaded binary sees (empty: none, e.g. Vulkan with only a software renderer). */
  devices: string[];
  vram?: { totalBytes: number; usedBytes: number; freeBytes: number };
  /** Chat model file name, when one is loaded. */
  model?: string;
  layers?: { offloaded: number; total: number };
  contextSize?: number;
  threads?: number;
  /** Threads that read the prompt, when not `threads` (all physical cores by default). */
  readThreads?: number;
  /** The last answer's decoding speed and time to first token. */
  lastAnswer?: { tokensPerSecond: number; tokens: number; firstTokenMs?: number };
  /**
   * The measured speed of the chat model on this device and the sources' budget it sets: the
   * tokens that read within firstTokenSeconds, never fewer than the floor (answer/timeBudget.ts).
   */
  answerBudget?: {
    promptTokensPerSecond: number;
    generationTokensPerSecond: number;
    samples: number;
    firstTokenSeconds: number;
    sourceTokens: number;
    limitedBy: "time" | "floor" | "context";
    expectedSeconds?: number;
  };
  cuda: {
    /** This platform has node-llama-cpp CUDA binaries (Linux and Windows x64). */
    supported: boolean;
    /** The CUDA packages fetched into storage (names). */
    installed: string[];
    /** An NVIDIA driver was found. */
    nvidiaDriver: boolean;
    /** Why CUDA was not used although it was installed (its error). */
    error?: string;
  };
  /** When a GPU seems present but the model runs on the CPU: why, and what fixes it. */
  gpuUnused?: { reason: string; fix: string };
}

export interface EnableCudaResult {
  installed: { name: string; version: string }[];
  registry: string;
}

export interface GpuPackageProgressParams {
  name: string;
  receivedBytes: number;
  totalBytes?: number;
}

// ------------------------------------------------------------------ the table

/**
 * Requests, extension -> engine process. A new request is one line here and its handler in
 * src/engineProcess/handlers.ts; the extension calls it as `engine.request("name", params)`.
 */
export const engineRequests = {
  /** The current status; null before the engine is initialised. */
  status: new RequestType0<EngineStatus | null, void>("docent/status"),
  /** Answers a question; stages, draft, sources and answer text stream as `askEvent`. Cancelling the request stops it. */
  ask: new RequestType<AskParams, AnswerResult, void>("docent/ask"),
  reindex: new RequestType0<ReindexResult, void>("docent/reindex"),
  /** The definition of a name (for hovers); null when the docs define no such name. */
  define: new RequestType<DefineParams, Definition | null, void>("docent/define"),
  /**
   * Every dotted name the docs define with its card's facts (completion and the code check in the
   * editor), asked at each "ready"; null when the table is still the version the extension holds.
   */
  definedNames: new RequestType<{ known?: string }, DefinedNamesTable | null, void>("docent/definedNames"),
  /** A few questions about names the docs define, for the chat's empty state; [] before the index is open. */
  exampleQuestions: new RequestType<{ count?: number }, ExampleQuestion[], void>("docent/exampleQuestions"),
  /** The sections that best match a query (full text, exact defined names first); needs only the index. */
  search: new RequestType<SearchParams, SearchSection[], void>("docent/search"),
  feedback: new RequestType<FeedbackParams, FeedbackResult, void>("docent/feedback"),
  /** Writes fine-tuning data from the docs with the loaded model; progress as `datasetProgress`. */
  exportDataset: new RequestType<ExportDatasetParams, DatasetSummary, void>("docent/exportDataset"),
  /** New settings: the engine reloads what they affect. */
  configure: new RequestType<EngineSettings, void, void>("docent/configure"),
  /** A new model-server API key (or none): the engine reconnects to the server with it. */
  setServerApiKey: new RequestType<{ apiKey?: string }, void, void>("docent/setServerApiKey"),
  modelStatus: new RequestType0<ModelStatus | null, void>("docent/modelStatus"),
  /** Fetches node-llama-cpp's CUDA binaries into `gpuPackagesDir`; progress as `gpuPackageProgress`. Restart the engine to use them. */
  enableCuda: new RequestType0<EnableCudaResult, void>("docent/enableCuda"),
};

/** Notifications, engine process -> extension. */
export const engineNotifications = {
  status: new NotificationType<EngineStatus>("docent/statusChanged"),
  askEvent: new NotificationType<AskEventParams>("docent/askEvent"),
  datasetProgress: new NotificationType<DatasetProgressParams>("docent/datasetProgress"),
  gpuPackageProgress: new NotificationType<GpuPackageProgressParams>("docent/gpuPackageProgress"),
};

/** Notifications, extension -> engine process. */
export const extensionNotifications = {
  /** Stops the indexing under way (it is no request: start-up and settings start it); what was indexed so far stays and is saved. */
  cancelIndexing: new NotificationType0("docent/cancelIndexing"),
};

export type EngineRequestName = keyof typeof engineRequests;
/** A request's params (`void` for a request without any). */
export type RequestParams<K extends EngineRequestName> = (typeof engineRequests)[K] extends RequestType<infer P, unknown, unknown> ? P : void;
export type RequestResult<K extends EngineRequestName> =
  (typeof engineRequests)[K] extends RequestType<unknown, infer R, unknown> ? R : (typeof engineRequests)[K] extends RequestType0<infer R, unknown> ? R : never;

export type EngineNotificationName = keyof typeof engineNotifications;
export type NotificationParams<K extends EngineNotificationName> = (typeof engineNotifications)[K] extends NotificationType<infer P> ? P : never;

/** One handler per request of the table: the engine process's side, checked by the compiler. */
export type EngineRequestHandlers = {
  [K in EngineRequestName]: (params: RequestParams<K>, token: CancellationToken) => RequestResult<K> | Promise<RequestResult<K>>;
};
