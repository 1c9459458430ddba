// Model references to local files: a local path is checked and returned; an `hf:` URI or an
// http(s) URL is downloaded into the models folder with node-llama-cpp's downloader (ipull under
// the hood: parallel range requests, resume from a `<file>.ipull` temp file, the final name only
// appears once the download is complete) and then verified here (size, SHA-256).
//
// Plain Node: never imports `vscode`. node-llama-cpp is ESM with top-level await, so it is
// imported lazily and only for remote references.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger, type Logger } from "../util/logger.js";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type ModelDownloader = Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

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

export type ModelReferenceErrorCode =
  | "not-found"
  | "not-a-file"
  | "invalid-reference"
  | "size-mismatch"
  | "checksum-mismatch"
  | "stalled"
  | "download-failed";

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
const PROBE_TIMEOUT_MS = 15_000;
/** ipull writes to `<final name>.ipull` and renames on completion. */
export const PARTIAL_SUFFIX = ".ipull";
/** Records of verified downloads, one JSON file per reference, inside `modelsDir`. */
export const RECORD_DIR = ".docent-downloads";

// ---------------------------------------------------------------------------------------------
// Reference parsing
// ---------------------------------------------------------------------------------------------

const HF_PREFIX = /^(hf|huggingface):/i;
const HTTP_PREFIX = /^https?:\/\//i;
/** A URL scheme of two letters or more ("C:\..." is a Windows path, not a scheme). */
const OTHER_SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;

/** True for references that are downloaded (`hf:`/`huggingface:` URIs and http(s) URLs). */
export function isRemoteModelReference(ref: string): boolean {
  const trimmed = ref.trim();
  return HF_PREFIX.test(trimmed) || HTTP_PREFIX.test(trimmed);
}

/** The absolute path a local reference points at (`~/`, `file:` URLs and relative paths handled). */
export function localReferencePath(ref: string, baseDir: string = process.cwd()): string {
  const trimmed = ref.trim();
  if (/^file:\/\//i.test(trimmed)) return fileURLToPath(trimmed);
  if (trimmed === "~") return homedir();
  if (trimmed.startsWith("~/") || trimmed.startsWith("~\\")) return join(homedir(), trimmed.slice(2));
  return isAbsolute(trimmed) ? resolve(trimmed) : resolve(baseDir, trimmed);
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Resolves a model reference to an absolute local file path.
 *
 * - A local path (absolute, relative to `baseDir`, `~/...`, `file://...`) is returned when it is
 *   an existing file; otherwise a `ModelReferenceError` naming the path is thrown.
 * - `hf:<user>/<repo>/<path/file.gguf>[#branch]`, `hf:<user>/<repo>[:<quant>]` and http(s) URLs
 *   are downloaded into `modelsDir` (or reused from there) and verified: the size must be what the
 *   server announced and, when `expectedSha256` is given or the hub sends an LFS SHA-256
 *   (`x-linked-etag`), the checksum must match. A file that fails is deleted.
 */
export async function resolveModelReference(ref: string, options: ResolveModelOptions): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  const trimmed = ref.trim();
  if (trimmed === "") throw new ModelReferenceError("invalid-reference", "Model reference is empty", ref);
  const expectedSha256 = normaliseSha256(options.expectedSha256, ref);

  if (!isRemoteModelReference(trimmed)) {
    if (OTHER_SCHEME.test(trimmed) && !/^file:\/\//i.test(trimmed)) {
      throw new ModelReferenceError(
        "invalid-reference",
        `Unsupported model reference "${ref}": use a local path, an hf: URI or an http(s) URL`,
        ref,
      );
    }
    return resolveLocal(ref, trimmed, options.baseDir, expectedSha256, signal);
  }

  const modelsDir = resolve(options.modelsDir);
  await mkdir(modelsDir, { recursive: true });
  // Two concurrent calls for one file would write the same temp file: serialise them.
  return withKeyLock(`${modelsDir}\0${trimmed}`, signal, () =>
    resolveRemote(ref, trimmed, modelsDir, expectedSha256, options),
  );
}

async function resolveLocal(
  ref: string,
  trimmed: string,
  baseDir: string | undefined,
  expectedSha256: string | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const path = localReferencePath(trimmed, baseDir);
  let info;
  try {
    info = await stat(path);
  } catch {
    // "user/repo/file.gguf" or "user/repo:Q4_K_M" was probably meant for the hub.
    const hint = /^[\w-][\w.-]*\/[\w.-]+(\/\S+\.gguf|:[\w.-]+)$/i.test(trimmed)
      ? ` (for a Hugging Face model write hf:${trimmed})`
      : "";
    throw new ModelReferenceError("not-found", `Model file not found: ${path}${hint}`, ref, path);
  }
  if (!info.isFile()) {
    throw new ModelReferenceError("not-a-file", `Model path is not a file: ${path}`, ref, path);
  }
  if (expectedSha256) {
    const actual = await sha256File(path, signal);
    if (actual !== expectedSha256) {
      throw new ModelReferenceError(
        "checksum-mismatch",
        `Model file ${path}: checksum mismatch, SHA-256 is ${actual}, expected ${expectedSha256}`,
        ref,
        path,
      );
    }
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Remote references
// ---------------------------------------------------------------------------------------------

interface DownloadRecord {
  ref: string;
  fileName: string;
  size: number;
  sha256?: string;
  source?: string;
  verifiedAt: string;
}

interface RemoteFacts {
  /** Size announced by the hub/server independently of the downloader (x-linked-size, HEAD). */
  size?: number;
  /** SHA-256 announced by the hub (x-linked-etag, or an HF etag that is one). */
  sha256?: string;
  /** Where the facts came from, for messages. */
  source: string;
}

async function resolveRemote(
  ref: string,
  trimmed: string,
  modelsDir: string,
  expectedSha256: string | undefined,
  options: ResolveModelOptions,
): Promise<string> {
  const logger = options.logger ?? silentLogger;
  const { signal } = options;
  signal?.throwIfAborted();

  // 1. A download verified earlier is reused without any request.
  const reused = await reuseRecorded(trimmed, modelsDir, expectedSha256, logger);
  if (reused) return reused;

  // 2. The downloader: resolves the URI (a manifest request for hf:user/repo:quant), then one GET
  //    for size and range support. It skips a final file already there with the right size.
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const watchdog = new StallWatchdog(stallTimeoutMs);
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  watchdog.onStall = () => stop.abort(stalledReason(ref, watchdog, stallTimeoutMs));

  let fileName = "";
  let lastProgress = "";
  const onProgress = (status: { totalSize: number; downloadedSize: number }): void => {
    watchdog.progress(status.downloadedSize, status.totalSize);
    const key = `${status.downloadedSize}/${status.totalSize}`;
    if (!options.onProgress || key === lastProgress || fileName === "") return;
    lastProgress = key;
    try {
      options.onProgress({ downloadedBytes: status.downloadedSize, totalBytes: status.totalSize, fileName });
    } catch (err) {
      logger.warn(`model download progress callback failed: ${String(err)}`);
    }
  };

  let downloader: ModelDownloader;
  try {
    const { createModelDownloader } = await importNodeLlamaCpp();
    watchdog.start();
    const creating = createModelDownloader({
      modelUri: trimmed,
      dirPath: modelsDir,
      onProgress,
      showCliProgress: false,
      skipExisting: true,
      deleteTempFileOnCancel: false,
      ...(options.endpoint ? { endpoints: { huggingFace: options.endpoint } } : {}),
    });
    // createModelDownloader takes no signal: race it, and close a downloader that arrives late.
    creating.then(
      (late) => {
        if (combined.aborted) void late.cancel({ deleteTempFile: false }).catch(() => undefined);
      },
      () => undefined,
    );
    downloader = await raceAbort(creating, combined);
  } catch (err) {
    watchdog.stop();
    throw wrapFailure(err, ref, signal, combined);
  }

  fileName = downloader.entrypointFilename;
  const finalPath = downloader.entrypointFilePath;
  try {
    let facts: RemoteFacts | undefined;
    try {
      // 3. What the hub says about the file, from a cheap HEAD without following the redirect.
      facts = await probeRemote(downloaderUrl(downloader, trimmed), options.endpoint, combined, logger);

      // 4. Download (or skip an existing complete file), cancellable and watched for stalls.
      //    On abort the downloader closes its streams and its promise settles once they have
      //    ended, sometimes by resolving: the signal is checked afterwards too.
      logger.info(`Model ${ref}: ${downloader.totalSize} bytes into ${finalPath}`);
      await downloader.download({ signal: combined });
    } catch (err) {
      await downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
      throw wrapFailure(err, ref, signal, combined, finalPath);
    }
    watchdog.stop();
    if (combined.aborted) throw wrapFailure(combined.reason, ref, signal, combined, finalPath);
    const sha256 = expectedSha256 ?? facts?.sha256;

    // 5. Verify every file the downloader wrote (split models have several).
    const files = downloader.filesInfo;
    for (const file of files) {
      const expected = files.length === 1 && facts?.size !== undefined ? facts.size : file.totalSize;
      const announcedBy = files.length === 1 && facts?.size !== undefined ? facts.source : "the server";
      const actual = await stat(file.filePath).then(
        (info) => info.size,
        () => {
          const message = `Model download ${ref}: ${file.filePath} is missing after the download`;
          throw new ModelReferenceError("download-failed", message, ref, file.filePath);
        },
      );
      if (expected > 0 && actual !== expected) {
        await discard(file.filePath, trimmed, modelsDir);
        throw new ModelReferenceError(
          "size-mismatch",
          `Model download ${ref}: downloaded file ${file.filePath} is ${actual} bytes, expected ${expected} ` +
            `(announced by ${announcedBy}); the file was deleted`,
          ref,
          file.filePath,
        );
      }
    }
    let actualSha: string | undefined;
    if (sha256 && files.length === 1) {
      actualSha = await sha256File(finalPath, signal);
      if (actualSha !== sha256) {
        await discard(finalPath, trimmed, modelsDir);
        const from = expectedSha256 ? "expectedSha256" : facts?.source ?? "the server";
        throw new ModelReferenceError(
          "checksum-mismatch",
          `Model download ${ref}: checksum mismatch for ${finalPath}: SHA-256 is ${actualSha}, ` +
            `expected ${sha256} (from ${from}); the file was deleted`,
          ref,
          finalPath,
        );
      }
    } else if (sha256) {
      logger.warn(`Model ${ref}: ${files.length} files, SHA-256 check skipped (it applies to single-file models)`);
    }

    await writeRecord(modelsDir, {
      ref: trimmed,
      fileName: downloader.entrypointFilename,
      size: (await stat(finalPath)).size,
      ...(actualSha ? { sha256: actualSha } : {}),
      ...(facts?.source ? { source: facts.source } : {}),
      verifiedAt: new Date().toISOString(),
    });
    logger.info(`Model ${ref}: ready at ${finalPath}`);
    return finalPath;
  } finally {
    watchdog.stop();
  }
}

/** The recorded file, when it is still there with the recorded size (and wanted checksum). */
async function reuseRecorded(
  ref: string,
  modelsDir: string,
  expectedSha256: string | undefined,
  logger: Logger,
): Promise<string | undefined> {
  const record = await readRecord(modelsDir, ref);
  if (!record || record.fileName.includes("/") || record.fileName.includes("\\")) return undefined;
  const path = join(modelsDir, record.fileName);
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== record.size) return undefined;
  } catch {
    return undefined;
  }
  if (expectedSha256 && record.sha256 !== expectedSha256) {
    // Not known to be the wanted file: go through the downloader, which verifies it.
    return undefined;
  }
  logger.info(`Model ${ref}: using ${path} (verified ${record.verifiedAt})`);
  return path;
}

function recordPath(modelsDir: string, ref: string): string {
  const key = createHash("sha256").update(ref).digest("hex").slice(0, 32);
  return join(modelsDir, RECORD_DIR, `${key}.json`);
}

async function readRecord(modelsDir: string, ref: string): Promise<DownloadRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordPath(modelsDir, ref), "utf8")) as Partial<DownloadRecord>;
    if (parsed.ref !== ref || typeof parsed.fileName !== "string" || typeof parsed.size !== "number") return undefined;
    return parsed as DownloadRecord;
  } catch {
    return undefined;
  }
}

async function writeRecord(modelsDir: string, record: DownloadRecord): Promise<void> {
  const path = recordPath(modelsDir, record.ref);
  await mkdir(join(modelsDir, RECORD_DIR), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 2) + "\n");
  await rename(tmp, path);
}

/** Removes a file that failed verification, its temp file and the record of the reference. */
async function discard(path: string, ref: string, modelsDir: string): Promise<void> {
  await unlink(path).catch(() => undefined);
  await unlink(path + PARTIAL_SUFFIX).catch(() => undefined);
  await unlink(recordPath(modelsDir, ref)).catch(() => undefined);
}

/** The URL the downloader resolved the reference to (hf: URIs included), for the HEAD probe. */
function downloaderUrl(downloader: ModelDownloader, ref: string): string | undefined {
  // `_modelUrl` is marked internal in node-llama-cpp 3.x; read it defensively.
  const internal = (downloader as unknown as { _modelUrl?: unknown })._modelUrl;
  if (typeof internal === "string" && HTTP_PREFIX.test(internal)) return internal;
  return HTTP_PREFIX.test(ref) ? ref : undefined;
}

/**
 * HEAD without following redirects, like huggingface_hub: the hub answers a `resolve` URL with a
 * redirect carrying `x-linked-size` and `x-linked-etag` (the LFS SHA-256). A plain server's 200
 * gives its content-length. Failures are logged and ignored: the downloader's own size stands.
 */
async function probeRemote(
  url: string | undefined,
  endpoint: string | undefined,
  signal: AbortSignal,
  logger: Logger,
): Promise<RemoteFacts | undefined> {
  if (!url) return undefined;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "HEAD",
      redirect: "manual",
      headers: {
        "accept-encoding": "identity",
        // node-llama-cpp sends HF_TOKEN to the hub by itself; the probe does the same.
        ...(process.env.HF_TOKEN && isHubUrl(url, endpoint) ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {}),
      },
      signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
    });
  } catch (err) {
    signal.throwIfAborted();
    logger.warn(`Model download: HEAD ${url} failed (${String(err)}); size check uses the download's own size`);
    return undefined;
  }
  const facts: RemoteFacts = { source: `${url} (HEAD)` };
  const linkedSize = parseSize(response.headers.get("x-linked-size"));
  if (linkedSize !== undefined) facts.size = linkedSize;
  else if (response.status === 200) {
    const length = parseSize(response.headers.get("content-length"));
    if (length !== undefined && length > 0) facts.size = length;
  }
  const linkedEtag = sha256FromEtag(response.headers.get("x-linked-etag"));
  if (linkedEtag) facts.sha256 = linkedEtag;
  else if (isHubUrl(url, endpoint)) {
    // On the hub (not its CDN) a 64-hex etag is the LFS SHA-256; a 40-hex one is a git blob id.
    const etag = sha256FromEtag(response.headers.get("etag"));
    if (etag) facts.sha256 = etag;
  }
  if (response.status >= 400) {
    logger.warn(`Model download: HEAD ${url} answered ${response.status}`);
    return undefined;
  }
  return facts;
}

function isHubUrl(url: string, endpoint: string | undefined): boolean {
  try {
    const host = new URL(url).hostname;
    if (host === "huggingface.co" || host === "hf.co") return true;
    const configured = endpoint ?? process.env.MODEL_ENDPOINT ?? process.env.HF_ENDPOINT;
    return configured ? new URL(configured).hostname === host : false;
  } catch {
    return false;
  }
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

function sha256FromEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  const bare = value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}

function normaliseSha256(value: string | undefined, ref: string): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const bare = value.trim().toLowerCase().replace(/^sha256:/, "");
  if (!/^[0-9a-f]{64}$/.test(bare)) {
    throw new ModelReferenceError("invalid-reference", `expectedSha256 for ${ref} is not 64 hex digits: ${value}`, ref);
  }
  return bare;
}

// ---------------------------------------------------------------------------------------------
// Failures, stalls, cancellation
// ---------------------------------------------------------------------------------------------

class StallWatchdog {
  onStall: (() => void) | undefined;
  best = 0;
  total = 0;
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly timeoutMs: number) {}

  start(): void {
    this.last = Date.now();
    const every = Math.max(50, Math.min(1000, Math.floor(this.timeoutMs / 4)));
    this.timer = setInterval(() => {
      if (Date.now() - this.last >= this.timeoutMs) {
        this.stop();
        this.onStall?.();
      }
    }, every);
    this.timer.unref();
  }

  /** Only a new high-water mark counts: a retry that re-reads the same bytes is no progress. */
  progress(downloaded: number, total: number): void {
    this.total = total;
    if (downloaded > this.best) {
      this.best = downloaded;
      this.last = Date.now();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function stalledReason(ref: string, watchdog: StallWatchdog, timeoutMs: number): ModelReferenceError {
  const at = watchdog.total > 0 ? ` at ${watchdog.best} of ${watchdog.total} bytes` : "";
  return new ModelReferenceError(
    "stalled",
    `Model download ${ref} stalled: no progress for ${(timeoutMs / 1000).toFixed(1)} s${at}; ` +
      `the partial file is kept and the next attempt resumes it`,
    ref,
  );
}

/** The caller's abort reason as is; our stall error as is; anything else wrapped with the ref. */
function wrapFailure(
  err: unknown,
  ref: string,
  signal: AbortSignal | undefined,
  combined: AbortSignal,
  path?: string,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (combined.aborted) return combined.reason;
  if (err instanceof ModelReferenceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ModelReferenceError("download-failed", `Model download ${ref} failed: ${message}`, ref, path, {
    cause: err,
  });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

const keyLocks = new Map<string, Promise<unknown>>();

async function withKeyLock<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const previous = keyLocks.get(key);
  const run = (async () => {
    if (previous) {
      const settled = previous.then(
        () => undefined,
        () => undefined,
      );
      await (signal ? raceAbort(settled, signal) : settled);
    }
    return fn();
  })();
  keyLocks.set(key, run);
  try {
    return await run;
  } finally {
    if (keyLocks.get(key) === run) keyLocks.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  nodeLlamaCpp ??= import("node-llama-cpp");
  return nodeLlamaCpp;
}

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
