// Saving and loading the index: one binary file, written block by block to a temporary file that
// is then renamed over the index (atomic), or a journal entry appended to it for a small change.
// The CRC is checked before anything is parsed. A file that is not a regular file, damaged,
// truncated, of another format version (the JSON-headed version 3 included), or made with another
// embedder or other settings is discarded with a log line; the caller then rebuilds. Temporary
// files left by saves that were killed are removed when the index is next loaded.
// The file's layout: indexFormat.ts; writing it: writeIndex.ts; reading it: parseIndex.ts; the
// journal: journaling.ts and journal.ts.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { BlockWriter, CorruptIndex } from "./binaryFormat.js";
import { DocsIndex, type IndexOptions } from "../docsIndex.js";
import { NotAnIndex, readIndexFile, removeStaleTempFiles, tempName } from "./indexFiles.js";
import { TRAILER_BYTES } from "./indexFormat.js";
import { ChangeLog, JOURNAL_SHARE } from "./journal.js";
import { appendToJournal, applyJournal, removeJournal } from "./journaling.js";
import { parseIndex, type LoadOutcome } from "./parseIndex.js";
import { writeIndex } from "./writeIndex.js";
import { silentLogger } from "../../util/logger.js";

export type { LoadOutcome } from "./parseIndex.js";

export interface SaveOptions {
  /** Write the whole index even where a journal entry would do (on shutdown: the journal is folded in). */
  full?: boolean;
  /** The journal is folded into a full save once larger than this share of the index file (default JOURNAL_SHARE). */
  journalShare?: number;
}

/**
 * Saves the index to `file`. When the index was loaded from or last saved in full to this file,
 * and its changes since are a small share of it, they are appended to the file's journal
 * (journal.ts) instead; otherwise the whole index is written and the journal removed.
 */
export async function saveIndex(index: DocsIndex, file: string, options: SaveOptions = {}): Promise<{ bytes: number; journaled?: boolean }> {
  if (!options.full) {
    // A failed append (disk full) leaves the change log given up: the whole index is written instead.
    const bytes = await appendToJournal(index, file, options.journalShare ?? JOURNAL_SHARE).catch(() => undefined);
    if (bytes !== undefined) return { bytes, journaled: true };
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Only a regular file (or nothing) is replaced: never a folder, a FIFO or a device (as root,
  // a rename would replace /dev/zero itself).
  const existing = await fs.stat(file).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`${file} is not a regular file; the index is not saved there`);
  const tmp = tempName(file);
  let bytes: number;
  let crc: number;
  // Started before writing: a change made while the save runs goes to the next save's journal.
  const log = new ChangeLog({ file, crc: 0, bytes: 0, mtimeMs: -1 });
  index.changeLog = log;
  try {
    const handle = await fs.open(tmp, "wx");
    try {
      const w = new BlockWriter(handle);
      bytes = await writeIndex(index, w);
      crc = w.checksum;
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    log.giveUp();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // The journal extended the index file just replaced: it goes. (Were the process stopped here,
  // the journal's header names the old file's checksum and the next load ignores it.)
  await removeJournal(file);
  const stat = await fs.stat(file);
  if (index.changeLog === log) {
    log.base = { file, crc, bytes, mtimeMs: stat.mtimeMs };
  }
  return { bytes };
}

/**
 * Loads a saved index for these roots and options. Whatever goes wrong, the caller gets a usable
 * (possibly empty) DocsIndex back and a reason; `update()` then brings it up to date. Stale
 * temporary files of earlier saves are removed first.
 */
export async function loadIndex(file: string, roots: string[], options: IndexOptions = {}): Promise<LoadOutcome> {
  const logger = options.logger ?? silentLogger;
  const fresh = () => new DocsIndex(roots, options);
  const discard = (reason: string): LoadOutcome => {
    logger.warn(`Saved index ${file} discarded, rebuilding: ${reason}`);
    return { status: "discarded", index: fresh(), reason };
  };
  try {
    const removed = await removeStaleTempFiles(file);
    if (removed.length) logger.info(`Removed ${removed.length} temporary file(s) of interrupted index saves`);
  } catch {
    // Cleaning up is best effort.
  }
  let bytes: Buffer;
  try {
    bytes = await readIndexFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing", index: fresh() };
    if (err instanceof NotAnIndex) return discard(err.message);
    return discard(`cannot read it (${(err as Error).message})`);
  }
  // Everything from here on reads untrusted bytes: any failure, expected or not, is a discard.
  try {
    const outcome = await parseIndex(bytes, roots, options, fresh, discard);
    if (outcome.status === "loaded") {
      await applyJournal(outcome.index, file, { crc: bytes.readUInt32LE(bytes.length - TRAILER_BYTES), bytes: bytes.length }, roots, logger);
    }
    return outcome;
  } catch (err) {
    if (err instanceof CorruptIndex) return discard(err.message);
    return discard(`unreadable contents (${(err as Error).message})`);
  }
}
