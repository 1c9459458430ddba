// Public types of model-reference resolution: the options, the progress reports, the error and
// its codes, and the constants callers (and tests) share.
import type { Logger } from "../../util/logger.js";

export interface DownloadProgress {
  readonly downloadedBytes: number;
  /** 0 when the server did not announce a size. */
  readonly totalBytes: number;
  /** The file name inside `modelsDir`. */
  readonly fileName: string;
}

export interface ResolveModelOptions {
  /** Where remote models are downloaded to (created when missing). */
  modelsDir: string;
  /** Called while bytes arrive (consecutive identical values are dropped; no other throttling). */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Cancels the resolution. A cancelled download keeps its partial `<file>.ipull` in `modelsDir`
   * and the next call for the same reference resumes it.
   */
  signal?: AbortSignal;
  /**
   * The Hugging Face endpoint for `hf:` references (a mirror, or a test server). Default: what
   * node-llama-cpp picks, i.e. the `MODEL_ENDPOINT` or `HF_ENDPOINT` environment variable, else
   * https://huggingface.co/.
   */
  endpoint?: string;
  /** Hex SHA-256 the model file must have. Without it the hub's LFS checksum is used when sent. */
  expectedSha256?: string;
  logger?: Logger;
  /** Base folder for relative local paths; default `process.cwd()`. */
  baseDir?: string;
  /**
   * A download that makes no new progress for this long is cancelled (partial file kept) and
   * reported as stalled: the downloader itself retries dropped connections for many minutes.
   * Default 60 000 ms.
   */
  stallTimeoutMs?: number;
}

export type ModelReferenceErrorCode = "not-found" | "not-a-file" | "invalid-reference" | "size-mismatch" | "checksum-mismatch" | "stalled" | "download-failed";

export class ModelReferenceError extends Error {
  override readonly name = "ModelReferenceError";
  constructor(
    readonly code: ModelReferenceErrorCode,
    message: string,
    /** The reference as given. */
    readonly ref: string,
    /** The local file concerned, when there is one. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** ipull writes to `<final name>.ipull` and renames on completion. */
export const PARTIAL_SUFFIX = ".ipull";
/** Records of verified downloads, one JSON file per reference, inside `modelsDir`. */
export const RECORD_DIR = ".docent-downloads";
