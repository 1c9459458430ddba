// A save as a journal entry, and a journal applied at load: the changes since the last full save
// are appended to the index file's journal (journal.ts) while they are a small share of the index.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DocsIndex } from "../docsIndex.js";
import type { Logger } from "../../util/logger.js";
import { readIndexFile } from "./indexFiles.js";
import { ChangeLog, encodeRecord, JOURNAL_HEADER_BYTES, journalExtends, journalFile, journalHeader, readRecords } from "./journal.js";

export async function removeJournal(file: string): Promise<void> {
  const journal = journalFile(file);
  const stat = await fs.lstat(journal).catch(() => undefined);
  if (stat?.isFile()) await fs.rm(journal, { force: true });
}

/**
 * Appends the index's changes to the journal of `file`; undefined when a full save is due instead:
 * no journal kept (another file), the index file changed on disk since, the journal not as it was
 * left, a record dropped at load, a changed chunk still waiting for its embedding, or the journal
 * grown past its share of the index.
 */
export async function appendToJournal(index: DocsIndex, file: string, share: number): Promise<number | undefined> {
  const log = index.changeLog;
  if (!log || log.needsFullSave || log.base.file !== file) return undefined;
  const base = await fs.stat(file).catch(() => undefined);
  if (!base?.isFile() || base.size !== log.base.bytes || base.mtimeMs !== log.base.mtimeMs) return undefined;
  if (log.changes.size === 0) return log.base.bytes + log.journalBytes;
  const journal = journalFile(file);
  const existing = await fs.lstat(journal).catch(() => undefined);
  if (existing && !existing.isFile()) return undefined;
  // The journal must be exactly as this index left it (no other writer, nothing cut off).
  if ((existing?.size ?? 0) !== log.journalBytes) return undefined;
  // Encoded and taken at once, with no wait between: changes made while writing stay for the next save.
  const start = log.journalBytes || JOURNAL_HEADER_BYTES;
  const dims = index.embedder?.dimensions ?? 0;
  const records: Buffer[] = [];
  for (const { root, relPath, change, words } of log.changes.values()) {
    let withVectors = change;
    if (change && dims > 0) {
      const vectors = index.vectorsOfFile(change.entry);
      if (!vectors) return undefined;
      withVectors = { ...change, vectors };
    }
    records.push(encodeRecord({ root, relPath }, withVectors, dims, words));
  }
  const recordBytes = records.reduce((sum, r) => sum + r.length, 0);
  if (start + recordBytes > log.base.bytes * share) return undefined;
  log.take();
  const handle = await fs.open(journal, log.journalBytes ? "r+" : "w");
  try {
    const parts = log.journalBytes ? records : [journalHeader(log.base), ...records];
    let at = log.journalBytes;
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += (await handle.write(part, off, part.length - off, at + off)).bytesWritten;
      at += part.length;
    }
    log.journalBytes = at;
  } catch (err) {
    // What was taken is not all written: the next save writes the whole index.
    log.giveUp();
    throw err;
  } finally {
    await handle.close();
  }
  return log.base.bytes + log.journalBytes;
}

/**
 * Applies the journal of `file` to the index just loaded from it (see journal.ts), and leaves
 * the index keeping a change log for the next save.
 */
export async function applyJournal(index: DocsIndex, file: string, base: { crc: number; bytes: number }, roots: string[], logger: Logger): Promise<void> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) return;
  const log = new ChangeLog({ file, crc: base.crc, bytes: base.bytes, mtimeMs: stat.mtimeMs });
  index.changeLog = log;
  const journal = journalFile(file);
  let bytes: Buffer;
  try {
    bytes = await readIndexFile(journal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      logger.warn(`Index journal ${journal} not read (${(err as Error).message}); the next save writes the whole index`);
      log.giveUp();
    }
    return;
  }
  if (!journalExtends(bytes, base)) {
    // A full save replaced the index and was stopped before removing the journal (or it is not ours).
    logger.info(`Index journal ${journal} ignored: it belongs to an earlier save of the index`);
    log.giveUp();
    return;
  }
  const records = readRecords(bytes, new Set(roots.map((r) => path.resolve(r))), index.embedder?.dimensions ?? 0);
  let applied = 0;
  for (;;) {
    const next = records.next();
    if (next.done) {
      log.journalBytes = next.value.goodBytes;
      if (next.value.damaged) {
        logger.warn(
          `Index journal ${journal}: ${next.value.damaged} at byte ${next.value.goodBytes}; it and the ${bytes.length - next.value.goodBytes} bytes from there are dropped, and the files they changed are indexed again by the next scan`,
        );
        log.giveUp();
      }
      break;
    }
    await index.applyJournaledChange(next.value.file, next.value.change, next.value.words);
    applied++;
  }
  if (applied) logger.info(`Applied ${applied} change(s) from the index journal`);
}
