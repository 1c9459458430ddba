// Remote references: an `hf:` URI or an http(s) URL downloaded into the models folder with
// node-llama-cpp's downloader, then verified (size, SHA-256) and recorded for reuse.
import { stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, type Logger } from "../../util/logger.js";
import { importNodeLlamaCpp, type NodeLlamaCpp } from "../local/nodeLlamaCpp.js";
import { raceAbort, wrapFailure } from "./cancellation.js";
import { sha256File } from "./checksum.js";
import { probeRemote, type RemoteFacts } from "./remoteFacts.js";
import { orderProgressRecordWrites } from "./progressRecord.js";
import { readRecord, recordPath, writeRecord } from "./downloadRecords.js";
import { HTTP_PREFIX } from "./references.js";
import { DEFAULT_STALL_TIMEOUT_MS, ModelReferenceError, PARTIAL_SUFFIX, type ResolveModelOptions } from "./types.js";
import { StallWatchdog, stalledReason } from "./watchdog.js";

type ModelDownloader = Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;

export async function resolveRemote(
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
  // ipull's last progress-record save could otherwise land after its final truncation.
  orderProgressRecordWrites(downloader, logger);
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
        const from = expectedSha256 ? "expectedSha256" : (facts?.source ?? "the server");
        throw new ModelReferenceError(
          "checksum-mismatch",
          `Model download ${ref}: checksum mismatch for ${finalPath}: SHA-256 is ${actualSha}, ` + `expected ${sha256} (from ${from}); the file was deleted`,
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
async function reuseRecorded(ref: string, modelsDir: string, expectedSha256: string | undefined, logger: Logger): Promise<string | undefined> {
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
