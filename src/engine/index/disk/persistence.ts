// Saving and loading the index: one binary file, written block by block to a temporary file that
// is then renamed over the index (atomic). Layout (see binaryFormat.ts for the encodings):
//   "DOCENTIX", format version (u32), reserved (u32);
//   settings: embedder id, indexing settings, roots, time saved, chunk count;
//   files: metadata once per file (root, path, title, content hash, size, time, sections, the
//     distinct heading paths), then per chunk its line range and heading;
//   chunks waiting for an embedding (with their text); defined terms per chunk; the spelling
//     index's words (sorted, each as the length of the prefix it shares with the one before and the rest);
//   full-text index: field lengths per chunk, then per term its postings (their byte length, then
//     ascending id deltas and three field counts per posting, all varints: one byte for most);
//   vectors, when an embedder is set; a CRC-32 of everything before it.
// Chunk ids are renumbered densely in file order when saved (their order, which breaks ranking
// ties, is kept). Chunk texts are not saved: they are read back from the files (chunkTexts.ts).
// The CRC is checked before anything is parsed. A file that is not a regular file, damaged,
// truncated, of another format version (the JSON-headed version 3 included), or made with another
// embedder or other settings is discarded with a log line; the caller then rebuilds. Temporary
// files left by saves that were killed are removed when the index is next loaded.
import { constants as fsConstants, promises as fs } from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { Bm25Index, type EncodedPostings } from "../search/bm25.js";
import { BlockWriter, ByteReader, CorruptIndex } from "./binaryFormat.js";
import { DocsIndex, type IndexOptions } from "../docsIndex.js";
import { HASH_BYTES, hashBytes, readFileEntry, writeFileFacts, writeHeadings } from "./fileFields.js";
import { ChangeLog, encodeRecord, JOURNAL_HEADER_BYTES, JOURNAL_SHARE, journalExtends, journalFile, journalHeader, readRecords } from "./journal.js";
import { type Logger } from "../../util/logger.js";
import { TermIndex, type TermDefinition, type TermStrength } from "../search/terms.js";
import { type ChunkRecord } from "../types.js";
import { silentLogger } from "../../util/logger.js";
import { relativeInside } from "../../../shared/paths.js";

const MAGIC = Buffer.from("DOCENTIX", "latin1");
/**
 * 5: 4 and the spelling index's words.
 * 4: binary throughout, metadata once per file, varint postings, no chunk texts, CRC-32 trailer.
 * (3: a JSON header with Orama's document store, and raw typed arrays.)
 */
export const INDEX_FORMAT_VERSION = 5;
/** Magic (8), format version (4), reserved (4). */
const PREAMBLE_BYTES = 16;
const TRAILER_BYTES = 4;
/** A bound on what is read: an index file larger than this is discarded (and rebuilt) unread. */
export const MAX_INDEX_FILE_BYTES = 2 ** 31 - 1;
/** Parts of the body, in order; each starts with its tag, so a misplaced part is caught at once. */
const enum Part {
  Settings = 1,
  Files = 2,
  Pending = 3,
  Terms = 4,
  Lengths = 5,
  Postings = 6,
  Vectors = 7,
  End = 8,
  Words = 9,
}

function settingsKey(index: Pick<DocsIndex, "chunking" | "corpusOptions">): string {
  return JSON.stringify({ chunking: index.chunking, corpus: index.corpusOptions });
}

/** Temporary files of a save: `<index file>.<pid>.<ms>.tmp`, renamed over the index when complete. */
const tempName = (file: string) => `${file}.${process.pid}.${Date.now()}.tmp`;
/** A temporary file untouched this long is stale whoever wrote it (a pid reused, another machine). */
export const STALE_TEMP_MS = 10 * 60 * 1000;

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

async function removeJournal(file: string): Promise<void> {
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
async function appendToJournal(index: DocsIndex, file: string, share: number): Promise<number | undefined> {
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
async function applyJournal(index: DocsIndex, file: string, base: { crc: number; bytes: number }, roots: string[], logger: Logger): Promise<void> {
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

async function writeIndex(index: DocsIndex, w: BlockWriter): Promise<number> {
  w.bytes(MAGIC);
  w.u32(INDEX_FORMAT_VERSION);
  w.u32(0);

  // Dense ids in file order (the order of ids, which breaks ties in ranking, is unchanged).
  const files = [...index.files.values()];
  const remap = new Int32Array(index.nextId).fill(-1);
  let total = 0;
  for (const entry of files) for (const id of entry.chunkIds) remap[id] = total++;
  const roots = [...new Set(files.map((f) => f.root))];
  const rootIndex = new Map(roots.map((r, i) => [r, i]));

  w.u8(Part.Settings);
  w.str(index.embedder?.id ?? "");
  w.str(settingsKey(index));
  w.varuint(index.roots.length);
  for (const r of index.roots) w.str(r);
  w.str(new Date().toISOString());
  w.varuint(total);

  w.u8(Part.Files);
  w.varuint(roots.length);
  for (const r of roots) w.str(r);
  w.varuint(files.length);
  const table = index.chunkTable;
  for (const entry of files) {
    w.varuint(rootIndex.get(entry.root)!);
    w.str(entry.relPath);
    writeFileFacts(w, entry);
    // One list of heading paths for the file's chunks and sections.
    const headings = [...entry.headings];
    const keyOf = (h: string[]) => h.join("\u0000");
    const byKey = new Map(headings.map((h, i) => [keyOf(h), i]));
    const sectionHeading = entry.sections.map((s) => {
      let i = byKey.get(keyOf(s.headingPath));
      if (i === undefined) byKey.set(keyOf(s.headingPath), (i = headings.push(s.headingPath) - 1));
      return i;
    });
    writeHeadings(w, headings);
    w.varuint(entry.sections.length);
    entry.sections.forEach((s, i) => {
      w.varuint(sectionHeading[i]!);
      w.varuint(s.startLine);
      w.varuint(s.endLine - s.startLine);
    });
    w.varuint(entry.chunkIds.length);
    let prevStart = 0;
    for (const id of entry.chunkIds) {
      const start = table.startLine[id]!;
      w.varint(start - prevStart);
      w.varuint(table.endLine[id]! - start);
      w.varuint(table.heading[id]!);
      prevStart = start;
    }
    await w.flush();
  }

  w.u8(Part.Pending);
  const pending = [...index.pendingEmbedding.values()].filter((r) => remap[r.id]! >= 0);
  w.varuint(pending.length);
  for (const r of pending) {
    w.varuint(remap[r.id]!);
    w.str(r.text);
    w.str(r.hash);
  }

  w.u8(Part.Terms);
  // Per term, its definitions in the index's order (which breaks ties among equal definitions).
  const defined: [string, { chunkId: number; strength: number }[]][] = [];
  for (const [term, defs] of index.terms.entries()) {
    const kept = defs.filter((d) => remap[d.chunkId]! >= 0);
    if (kept.length) defined.push([term, kept]);
  }
  w.varuint(defined.length);
  for (const [term, defs] of defined) {
    w.str(term);
    w.varuint(defs.length);
    let prev = 0;
    for (const d of defs) {
      const id = remap[d.chunkId]!;
      w.varint(id - prev);
      w.u8(d.strength);
      prev = id;
    }
  }
  await w.flush();

  w.u8(Part.Words);
  // Only the words still in the docs (the spelling index only grows between full saves).
  index.pruneSpelling();
  const words = [...index.spelling.words()].sort();
  w.varuint(words.length);
  let previous = "";
  for (const word of words) {
    let shared = 0;
    while (shared < previous.length && shared < word.length && previous[shared] === word[shared]) shared++;
    w.varuint(shared);
    w.str(word.slice(shared));
    previous = word;
  }
  await w.flush();

  w.u8(Part.Lengths);
  // Field lengths by new id (every chunk is in the full-text index).
  const byNewId = new Int32Array(total);
  for (let old = 0; old < remap.length; old++) if (remap[old]! >= 0) byNewId[remap[old]!] = old;
  for (let i = 0; i < total; i++) {
    const [a, b, c] = index.bm25.fieldLengths(byNewId[i]!);
    w.varuint32(a);
    w.varuint32(b);
    w.varuint32(c);
  }
  await w.flush();

  w.u8(Part.Postings);
  // Lists still encoded since the load are decoded one at a time into scratch arrays and written
  // through: a save does not leave every list decoded in memory.
  const stats = index.bm25.liveListStats();
  w.varuint(stats.terms);
  w.varuint(stats.postings);
  let sinceFlush = 0;
  let terms = 0;
  let postings = 0;
  for (const [term, ids, tfs, n] of index.bm25.liveLists()) {
    w.str(term);
    w.varuint(n);
    // The list's byte length first, so that loading steps over it without reading it.
    w.varuint(w.postingsBytes(ids, tfs, n, remap));
    w.postings(ids, tfs, n, remap);
    terms++;
    postings += n;
    sinceFlush += n;
    if (sinceFlush > 200_000) {
      sinceFlush = 0;
      await w.flush();
    }
  }
  if (terms !== stats.terms || postings !== stats.postings) throw new Error(`postings changed while saving (${terms} terms, ${stats.terms} expected)`);
  await w.flush();

  w.u8(Part.Vectors);
  const dims = index.embedder?.dimensions ?? 0;
  const withVectors = index.embedder ? [...index.chunkHashes.keys()].filter((id) => remap[id]! >= 0) : [];
  w.varuint(dims);
  w.varuint(withVectors.length);
  for (const id of withVectors) {
    // From the embedding cache (never Orama's stored document: a vector search empties its `embedding`).
    const vector = index.vectorOf(id);
    if (!vector) throw new Error(`chunk ${id} has a content hash but no vector`);
    if (vector.length !== dims) throw new Error(`chunk ${id} has a vector of ${vector.length} dimensions, not ${dims}`);
    w.varuint(remap[id]!);
    w.bytes(hashBytes(index.chunkHashes.get(id)!));
    w.bytes(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  }
  w.u8(Part.End);
  return w.finish();
}

/**
 * Removes the temporary files that saves of this index left behind when killed mid-write: those
 * whose writer (the pid in the name) is not running on this machine, and any untouched for
 * STALE_TEMP_MS (a pid since reused). A live writer's file on this machine is left alone, so a
 * save running in parallel still completes; a writer on another machine or in another container
 * sharing the folder is not protected (its pid means nothing here). Returns the names removed.
 */
export async function removeStaleTempFiles(file: string, now = Date.now()): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = path.basename(file) + ".";
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const pid = Number(match[1]);
    const abs = path.join(dir, name);
    const stat = await fs.lstat(abs).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const stale = pid === process.pid ? false : !processIsAlive(pid) || now - stat.mtimeMs > STALE_TEMP_MS;
    if (!stale) continue;
    try {
      await fs.rm(abs, { force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (permissions): left as it is.
    }
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Reads an index file: it must be a regular file (not a folder, FIFO or device, which would
 * fail, block or never end), no larger than MAX_INDEX_FILE_BYTES, and it is read through the
 * descriptor that was checked.
 */
async function readIndexFile(file: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused by the check below).
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotAnIndex("not a regular file");
    if (stat.size > MAX_INDEX_FILE_BYTES) throw new NotAnIndex(`${stat.size} bytes is over the ${MAX_INDEX_FILE_BYTES}-byte limit`);
    const bytes = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

class NotAnIndex extends Error {}

export type LoadOutcome = { status: "loaded"; index: DocsIndex } | { status: "missing" | "discarded"; index: DocsIndex; reason?: string };

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

/** One term's postings as saved: `n` id deltas then 3n field counts, in the loaded file's bytes. */
class SavedPostings implements EncodedPostings {
  constructor(
    private readonly bytes: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly n: number,
    private readonly idLimit: number,
  ) {}

  decodeInto(list: { ids: Int32Array; tfs: Uint16Array }): void {
    new ByteReader(this.bytes, this.start, this.end).postings(this.n, list.ids, 0, list.tfs, this.idLimit);
  }
}

function expectPart(r: ByteReader, part: Part): void {
  const tag = r.u8();
  if (tag !== part) throw new CorruptIndex(`corrupt contents (part ${tag} where ${part} belongs)`);
}

async function parseIndex(
  bytes: Buffer,
  roots: string[],
  options: IndexOptions,
  fresh: () => DocsIndex,
  discard: (reason: string) => LoadOutcome,
): Promise<LoadOutcome> {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) return discard("not a Docent index file");
  const version = bytes.readUInt32LE(8);
  if (version !== INDEX_FORMAT_VERSION) return discard(`format version ${version}, expected ${INDEX_FORMAT_VERSION}`);
  if (bytes.length < PREAMBLE_BYTES + TRAILER_BYTES) return discard("truncated (cut short)");
  const end = bytes.length - TRAILER_BYTES;
  if (crc32(bytes.subarray(0, end)) >>> 0 !== bytes.readUInt32LE(end)) return discard("checksum mismatch (the file is damaged or cut short)");
  const r = new ByteReader(bytes, PREAMBLE_BYTES, end);

  expectPart(r, Part.Settings);
  const embedder = r.str() || null;
  if (embedder !== (options.embedder?.id ?? null)) return discard(`made with embedder ${embedder ?? "none"}, now ${options.embedder?.id ?? "none"}`);
  const index = fresh();
  if (r.str() !== settingsKey(index)) return discard("indexing settings changed");
  const savedRoots = Array.from({ length: r.count() }, () => r.str());
  if (JSON.stringify(savedRoots) !== JSON.stringify(roots)) return discard("made for other folders");
  r.str(); // saved at
  // Each chunk takes at least 4 bytes of the file (its line range, heading and field lengths).
  const total = r.count(4);

  expectPart(r, Part.Files);
  const fileRoots = Array.from({ length: r.count() }, () => r.str());
  // Texts are read back from these files: each must lie inside one of the folders indexed.
  const resolvedRoots = new Set(roots.map((root) => path.resolve(root)));
  if (fileRoots.some((root) => !resolvedRoots.has(root))) throw new CorruptIndex("corrupt contents (a file root that is not an indexed folder)");
  const fileCount = r.count();
  let nextId = 0;
  const table = index.chunkTable;
  for (let f = 0; f < fileCount; f++) {
    const root = fileRoots[r.varuint()];
    if (root === undefined) throw new CorruptIndex("corrupt contents (a file's root)");
    const relPath = r.str();
    if (relativeInside(root, path.join(root, relPath)) !== relPath) throw new CorruptIndex("corrupt contents (a path outside its folder)");
    const entry = readFileEntry(r, { file: path.join(root, relPath), root, relPath }, index.fileSlots.length);
    const sectionCount = r.count(3);
    for (let s = 0; s < sectionCount; s++) {
      const headingPath = entry.headings[r.varuint()];
      if (!headingPath) throw new CorruptIndex("corrupt contents (a section's heading)");
      const startLine = r.varuint();
      entry.sections.push({ headingPath, startLine, endLine: startLine + r.varuint() });
    }
    const chunkCount = r.count(3);
    if (nextId + chunkCount > total) throw new CorruptIndex("corrupt contents (more chunks than counted)");
    let startLine = 0;
    for (let c = 0; c < chunkCount; c++) {
      startLine += r.varint();
      const endLine = startLine + r.varuint();
      const heading = r.varuint();
      if (startLine < 0 || heading >= entry.headings.length) throw new CorruptIndex("corrupt contents (a chunk's lines or heading)");
      table.set(nextId, entry.slot, c, startLine, endLine, heading);
      entry.chunkIds.push(nextId++);
    }
    if (index.files.has(entry.file)) throw new CorruptIndex(`corrupt contents (${relPath} twice)`);
    index.fileSlots.push(entry);
    index.files.set(entry.file, entry);
  }
  if (nextId !== total) return discard(`inconsistent contents (${nextId} stored chunks, ${total} expected)`);
  index.nextId = total;
  index.totalChunks = total;

  expectPart(r, Part.Pending);
  const pendingCount = r.count(3);
  for (let i = 0; i < pendingCount; i++) {
    const id = r.varuint();
    const text = r.str();
    const hash = r.str();
    const entry = index.fileOfChunk(id);
    if (!entry) throw new CorruptIndex("corrupt contents (a pending chunk)");
    const record: ChunkRecord = {
      id,
      file: entry.file,
      root: entry.root,
      relPath: entry.relPath,
      title: entry.title,
      headingPath: entry.headings[table.heading[id]!]!,
      text,
      startLine: table.startLine[id]!,
      endLine: table.endLine[id]!,
      hash,
    };
    index.pendingEmbedding.set(id, record);
  }

  expectPart(r, Part.Terms);
  const definedCount = r.count(3);
  const definitions: [string, TermDefinition[]][] = [];
  for (let i = 0; i < definedCount; i++) {
    const term = r.str();
    const n = r.count(2);
    const defs: TermDefinition[] = new Array(n);
    let id = 0;
    for (let j = 0; j < n; j++) {
      id += r.varint();
      if (id < 0 || id >= total) throw new CorruptIndex("corrupt contents (a defined term's chunk)");
      defs[j] = { chunkId: id, strength: r.u8() as TermStrength };
    }
    definitions.push([term, defs]);
  }
  index.terms = TermIndex.fromDefinitions(definitions);

  expectPart(r, Part.Words);
  const wordCount = r.count(2);
  const words: string[] = new Array(wordCount);
  let previous = "";
  for (let i = 0; i < wordCount; i++) {
    const shared = r.varuint();
    if (shared > previous.length) throw new CorruptIndex("corrupt contents (a spelling word)");
    previous = words[i] = previous.slice(0, shared) + r.str();
  }
  index.spelling.addWords(words);

  expectPart(r, Part.Lengths);
  let capacity = 1024;
  while (capacity < total) capacity *= 2;
  const lengths = new Uint32Array(capacity * 3);
  for (let i = 0; i < total * 3; i++) lengths[i] = r.varuint();
  const alive = new Uint8Array(capacity);
  alive.fill(1, 0, total);

  expectPart(r, Part.Postings);
  const termCount = r.count(2);
  const postingCount = r.count(4);
  // The lists stay encoded in the file's bytes (already checked by the CRC): each is decoded, and
  // its ids checked, when a query or a change first needs it. Here only their extent is checked.
  const termNames = new Array<string>(termCount);
  const counts = new Uint32Array(termCount);
  const extents = new Uint32Array(termCount * 2);
  const regionStart = r.pos;
  let at = 0;
  for (let t = 0; t < termCount; t++) {
    termNames[t] = r.str();
    const n = r.varuint();
    if (n === 0 || at + n > postingCount) throw new CorruptIndex("corrupt contents (postings)");
    const byteLength = r.varuint();
    if (byteLength < n * 4 || byteLength > n * 4 * 5) throw new CorruptIndex("corrupt contents (a posting list's length)");
    extents[t * 2] = r.pos - regionStart;
    r.bytes(byteLength);
    extents[t * 2 + 1] = r.pos - regionStart;
    counts[t] = n;
    at += n;
  }
  if (at !== postingCount) throw new CorruptIndex("corrupt contents (postings counted wrong)");
  // The encoded lists keep the bytes they are read from alive. When they are under half the file
  // (an index with vectors: those are copied out below), they get a buffer of their own, so the
  // file's bytes can go once loaded.
  const region = r.pos - regionStart < bytes.length / 2 ? Buffer.from(bytes.subarray(regionStart, r.pos)) : bytes.subarray(regionStart, r.pos);
  const encoded = Array.from(
    { length: termCount },
    (_, t): EncodedPostings => new SavedPostings(region, extents[t * 2]!, extents[t * 2 + 1]!, counts[t]!, total),
  );
  if (new Set(termNames).size !== termCount) throw new CorruptIndex("corrupt contents (a term twice)");
  index.bm25 = Bm25Index.fromEncoded(termNames, counts, encoded, lengths, alive);

  expectPart(r, Part.Vectors);
  const dims = r.varuint();
  const vectorCount = r.count();
  if (vectorCount > 0 && dims !== (options.embedder?.dimensions ?? -1)) throw new CorruptIndex("corrupt contents (vector dimensions)");
  const vectors: { id: number; vector: Float32Array }[] = [];
  for (let i = 0; i < vectorCount; i++) {
    const id = r.varuint();
    if (id >= total || index.pendingEmbedding.has(id)) throw new CorruptIndex("corrupt contents (a vector's chunk)");
    const hash = r.bytes(HASH_BYTES).toString("hex");
    const raw = r.bytes(dims * 4);
    const vector = new Float32Array(dims);
    for (let d = 0; d < dims; d++) vector[d] = raw.readFloatLE(d * 4);
    index.chunkHashes.set(id, hash);
    index.vectorCache.set(hash, vector);
    vectors.push({ id, vector });
  }
  expectPart(r, Part.End);
  if (r.pos !== end) throw new CorruptIndex("corrupt contents (bytes after the end)");
  if (options.embedder && index.chunkHashes.size + index.pendingEmbedding.size !== total) {
    return discard(`inconsistent contents (${index.chunkHashes.size + index.pendingEmbedding.size} chunks with vectors or pending, ${total} expected)`);
  }
  await index.insertVectors(vectors);
  if (index.bm25.size !== total) return discard(`inconsistent contents (${index.bm25.size} indexed chunks, ${total} expected)`);
  return { status: "loaded", index };
}
