// ipull's progress record and the end of a download, put in order.
//
// ipull (node-llama-cpp's downloader) keeps its resume state as a JSON record written after the
// file's bytes in `<file>.ipull`, saved again after every chunk without being awaited; once the
// download completes it truncates the temp file to the file's size and renames it. The last
// save and the truncation are then two requests in flight on libuv's thread pool, in no set
// order: on a busy machine the record's write can run after the truncation and end up appended
// to the final file (a size mismatch that deletes a good download), or, once the file is
// closed, be retried into the renamed final file. Here the truncation waits for the saves in
// flight, and a save asked for after it writes nothing (the record is no longer wanted).
import type { Logger } from "../../util/logger.js";
import type { NodeLlamaCpp } from "../local/nodeLlamaCpp.js";

type ModelDownloader = Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;

/** The part of ipull's Node.js write stream involved (public methods of ipull 3.x). */
interface ProgressRecordStream {
  saveMedataAfterFile(data: unknown): Promise<void>;
  ftruncate(size?: number): Promise<void>;
}

const ORDERED = Symbol("docent.progressRecordOrdered");

/**
 * Orders the progress-record saves of every file `downloader` writes before their final
 * truncation. Call it before `download()`. Returns how many write streams it ordered; 0 when
 * node-llama-cpp's internals changed (the size check after the download still stands).
 */
export function orderProgressRecordWrites(downloader: ModelDownloader, logger: Logger): number {
  // `_specificFileDownloaders` (ipull engines, one per file) is internal in node-llama-cpp 3.x.
  const engines = (downloader as unknown as { _specificFileDownloaders?: unknown })._specificFileDownloaders;
  const streams = Array.isArray(engines) ? engines.map((engine) => writeStreamOf(engine)) : [];
  if (streams.length === 0 || streams.some((stream) => stream === undefined)) {
    logger.warn("Model download: node-llama-cpp's downloader is not the expected one; its progress record is not ordered before the final truncation");
  }
  let ordered = 0;
  for (const stream of streams) {
    if (stream) {
      orderStream(stream);
      ordered++;
    }
  }
  return ordered;
}

function writeStreamOf(engine: unknown): ProgressRecordStream | undefined {
  const stream = (engine as { options?: { writeStream?: unknown } } | null)?.options?.writeStream as Partial<ProgressRecordStream> | undefined;
  if (typeof stream?.saveMedataAfterFile !== "function" || typeof stream.ftruncate !== "function") return undefined;
  return stream as ProgressRecordStream;
}

function orderStream(stream: ProgressRecordStream): void {
  const marked = stream as ProgressRecordStream & { [ORDERED]?: true };
  if (marked[ORDERED]) return;
  marked[ORDERED] = true;

  const save = stream.saveMedataAfterFile.bind(stream);
  const truncate = stream.ftruncate.bind(stream);
  const inFlight = new Set<Promise<void>>();
  let truncating = false;

  stream.saveMedataAfterFile = (data: unknown): Promise<void> => {
    if (truncating) return Promise.resolve();
    const saving = save(data);
    const settled = saving.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return saving;
  };

  stream.ftruncate = async (size?: number): Promise<void> => {
    truncating = true;
    while (inFlight.size > 0) await Promise.all(inFlight);
    // Passed on as called: without a size ipull truncates to its own file size.
    return size === undefined ? truncate() : truncate(size);
  };
}
