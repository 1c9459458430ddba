// Messages between the extension (language client) and the engine process (language server).
// Declared once here; method names are namespaced "docent/...". Types only: no vscode import,
// so both sides (and the CLI) can use them.
import type { AnswerResult, PipelineEvent, PipelineSettings } from "../engine/answer/pipeline.js";

export interface EngineSettings {
  /** Docs globs, relative to each workspace folder. */
  include: string[];
  exclude: string[];
  maxFileBytes: number;
  /** Local paths (hf: references are downloaded by the engine into modelsDir). */
  chatModel?: string;
  embeddingModel?: string;
  lora: { path: string; scale: number }[];
  gpu: "auto" | "off";
  threads?: number;
  contextSize?: number;
  pipeline: PipelineSettings;
}

export interface InitializationOptions {
  roots: string[];
  /** Where the saved index and the feedback log live (the extension's workspace storage). */
  storageDir: string;
  /** Where downloaded models go (the extension's global storage). */
  modelsDir: string;
  settings: EngineSettings;
}

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
}

export interface AskParams {
  /** Chosen by the client, to match streamed events and to cancel. */
  id: string;
  question: string;
}

/** The answer as sent to the client: the pipeline's result, source texts left out (the client opens files). */
export type AskResult = Omit<AnswerResult, "sources"> & { sources: Omit<AnswerResult["sources"][number], "text">[] };

export type WireEvent = Exclude<PipelineEvent, { type: "done" }> extends infer E
  ? E extends { type: "sources" }
    ? { type: "sources"; sources: AskResult["sources"] }
    : E
  : never;

export interface AskEventParams {
  id: string;
  event: WireEvent;
}

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

export interface FeedbackParams {
  rating: "up" | "down";
  comment?: string;
  /** A corrected answer, when the user gave one (becomes a preference pair). */
  correction?: string;
  result: AskResult;
}

export interface ExportDatasetParams {
  out: string;
  perSection: number;
  distractors: number;
  seed: number;
  /** Only the first N sections (trying it out, tests). */
  limit?: number;
}

export interface DatasetProgressParams {
  done: number;
  total: number;
  records: number;
}

export const Methods = {
  ask: "docent/ask",
  askEvent: "docent/askEvent",
  cancel: "docent/cancel",
  cancelIndexing: "docent/cancelIndexing",
  reindex: "docent/reindex",
  status: "docent/status",
  statusChanged: "docent/statusChanged",
  feedback: "docent/feedback",
  configure: "docent/configure",
  exportDataset: "docent/exportDataset",
  datasetProgress: "docent/datasetProgress",
} as const;
