// The index's journal: changes saved since the last full save, appended to `<index file>.journal`
// instead of rewriting the whole index (a changed file is saved in milliseconds, not seconds).
// Layout: "DOCENTJL", journal version (u32), the CRC-32 (u32) and byte length (f64) of the index
// file it extends; then records, each its payload's length (u32), the payload's CRC-32 (u32) and
// the payload: one file's new state (its entry, and per chunk its lines, heading, field lengths,
// per-term field counts and defined terms; then the words it added to the spelling index; with an
// embedding model, then per chunk its text hash and vector) or its removal.
// Loading applies the records in order after the index file. A journal made for another index
// file (a full save replaced the index and was stopped before removing the journal) is ignored;
// a damaged or cut-short record ends the journal there (with a log line): the changes after it
// are found again by the next scan, as files whose size or time differ from the index's. The
// journal is folded into a full save when it passes a share of the index file's size, when a
// record was dropped, and when the caller asks (the engine does on shutdown).
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { BlockWriter, ByteReader, CorruptIndex } from "./binaryFormat.js";
import type { FileEntry } from "../fileEntry.js";
import { HASH_BYTES, hashBytes, readFileEntry, writeFileFacts, writeHeadings } from "./fileFields.js";
import { type TermStrength } from "../search/terms.js";
import { relativeInside } from "../../../shared/node/paths.js";

export const JOURNAL_MAGIC = Buffer.from("DOCENTJL", "latin1");
/** 2: records carry the chunks' vectors when the index has an embedding model. 3: and the words a file added. */
export const JOURNAL_VERSION = 3;
/** Magic (8), version (4), index CRC-32 (4), index bytes (8). */
export const JOURNAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 8;
/** A journal larger than this share of the index file is folded into a full save. */
export const JOURNAL_SHARE = 0.1;
/** Changes kept for the journal, in chunks; past it the next save is a full one (bounds memory). */
const MAX_TRACKED_CHUNKS = 50_000;

const enum RecordKind {
  FileIndexed = 1,
  FileRemoved = 2,
}

/** What the full-text and term indexes took in for one chunk (enough to replay its addition exactly). */
export interface JournaledChunk {
  startLine: number;
  endLine: number;
  /** Index into the file entry's headings. */
  heading: number;
  fieldLengths: number[];
  counts: Map<string, number[]>;
  defined: Map<string, TermStrength>;
}

/** A chunk's embedding, by the hash of the text embedded (the embedding cache's key). */
export interface ChunkVector {
  hash: string;
  vector: Float32Array;
}

/** A file's state as a record holds it. */
export interface FileChange {
  entry: FileEntry;
  chunks: JournaledChunk[];
  /** With an embedding model: per chunk, in order, its vector (taken when the record is written). */
  vectors?: ChunkVector[];
}

/** One file's change as the journal keeps it, with the words it added to the spelling index. */
export interface JournalEntry {
  root: string;
  relPath: string;
  change: FileChange | null;
  /**
   * Words the file's changes added to the spelling index (which only grows until a full save):
   * kept when a later change or a removal of the file replaces its record, since another file
   * may use them by then.
   */
  words: string[];
}

export function journalFile(indexFile: string): string {
  return `${indexFile}.journal`;
}

/**
 * The index's changes since it was last saved in full or loaded (DocsIndex feeds it; the
 * persistence module writes it out). `base` identifies the index file the journal extends.
 */
export class ChangeLog {
  /** Per file, in order of their last change: its new state, or null when it was removed. */
  readonly changes = new Map<string, JournalEntry>();
  private trackedChunks = 0;
  /** The next save must be a full one (too many changes kept, or the journal file lost a record). */
  needsFullSave = false;

  constructor(
    /** Set once the full save it follows is written (a log is started before, to catch changes made while saving). */
    public base: { file: string; crc: number; bytes: number; mtimeMs: number },
    /** Bytes of the journal file that hold good records (0: there is none). */
    public journalBytes = 0,
  ) {}

  /** Whether per-chunk data should be kept for the next change (not once a full save is due). */
  get tracking(): boolean {
    return !this.needsFullSave;
  }

  fileIndexed(entry: FileEntry, chunks: JournaledChunk[], words: string[]): void {
    const earlier = this.forget(entry.file);
    this.changes.set(entry.file, { root: entry.root, relPath: entry.relPath, change: { entry, chunks }, words: [...earlier, ...words] });
    this.trackedChunks += chunks.length;
    if (this.trackedChunks > MAX_TRACKED_CHUNKS) this.giveUp();
  }

  fileRemoved(entry: FileEntry): void {
    const earlier = this.forget(entry.file);
    this.changes.set(entry.file, { root: entry.root, relPath: entry.relPath, change: null, words: earlier });
  }

  /** Drops the file's kept change; returns the words it had added. */
  private forget(file: string): string[] {
    const previous = this.changes.get(file);
    if (previous?.change) this.trackedChunks -= previous.change.chunks.length;
    this.changes.delete(file);
    return previous?.words ?? [];
  }

  /** Drops what is kept: the next save writes the whole index. */
  giveUp(): void {
    this.needsFullSave = true;
    this.changes.clear();
    this.trackedChunks = 0;
  }

  /** Takes the changes to write them (changes made while they are written are kept for the next save). */
  take(): JournalEntry[] {
    const taken = [...this.changes.values()];
    this.changes.clear();
    this.trackedChunks = 0;
    return taken;
  }
}

export function journalHeader(base: { crc: number; bytes: number }): Buffer {
  const b = Buffer.alloc(JOURNAL_HEADER_BYTES);
  JOURNAL_MAGIC.copy(b, 0);
  b.writeUInt32LE(JOURNAL_VERSION, 8);
  b.writeUInt32LE(base.crc >>> 0, 12);
  b.writeDoubleLE(base.bytes, 16);
  return b;
}

/** Whether a journal's header says it extends this index file. */
export function journalExtends(bytes: Buffer, base: { crc: number; bytes: number }): boolean {
  return bytes.length >= JOURNAL_HEADER_BYTES && journalHeader(base).equals(bytes.subarray(0, JOURNAL_HEADER_BYTES));
}

/** One record (with its length and checksum) for one file's change; `dims`: the embedding model's, 0 without one. */
export function encodeRecord(where: { root: string; relPath: string }, change: FileChange | null, dims = 0, words: readonly string[] = []): Buffer {
  const w = new BlockWriter();
  w.u8(change ? RecordKind.FileIndexed : RecordKind.FileRemoved);
  w.str(where.root);
  w.str(where.relPath);
  w.varuint(words.length);
  for (const word of words) w.str(word);
  if (change) {
    const { entry, chunks } = change;
    writeFileFacts(w, entry);
    writeHeadings(w, entry.headings);
    w.varuint(entry.sections.length);
    for (const s of entry.sections) {
      w.varuint(s.headingPath.length);
      for (const part of s.headingPath) w.str(part);
      w.varuint(s.startLine);
      w.varuint(s.endLine - s.startLine);
    }
    w.varuint(chunks.length);
    for (const c of chunks) {
      w.varuint(c.startLine);
      w.varuint(c.endLine - c.startLine);
      w.varuint(c.heading);
      for (const n of c.fieldLengths) w.varuint(n);
      w.varuint(c.counts.size);
      for (const [term, tf] of c.counts) {
        w.str(term);
        // Clamped as the full-text index clamps them.
        w.varuint(Math.min(tf[0]!, 0xffff));
        w.varuint(Math.min(tf[1]!, 0xffff));
        w.varuint(Math.min(tf[2]!, 0xffff));
      }
      w.varuint(c.defined.size);
      for (const [term, strength] of c.defined) {
        w.str(term);
        w.u8(strength);
      }
    }
    if (dims > 0) {
      const vectors = change.vectors;
      if (vectors?.length !== chunks.length) throw new Error(`${where.relPath}: ${vectors?.length ?? 0} vectors for ${chunks.length} chunks`);
      for (const { hash, vector } of vectors) {
        if (vector.length !== dims) throw new Error(`${where.relPath}: a vector of ${vector.length} dimensions, not ${dims}`);
        w.bytes(hashBytes(hash));
        w.bytes(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
      }
    }
  }
  const payload = w.toBuffer();
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload) >>> 0, 4);
  return Buffer.concat([header, payload]);
}

/** A decoded record: the file, and its new state (its entry's slot and chunk ids not set yet) or null. */
export interface DecodedRecord {
  file: string;
  change: FileChange | null;
  words: string[];
}

/**
 * The records of a journal (after its header), in order, up to the first that is cut short,
 * fails its checksum or does not parse; `goodBytes` is where that one starts (or the end).
 */
export function* readRecords(bytes: Buffer, roots: Set<string>, dims = 0): Generator<DecodedRecord, { goodBytes: number; damaged?: string }> {
  let at = JOURNAL_HEADER_BYTES;
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER_BYTES) return { goodBytes: at, damaged: "a record cut short" };
    const length = bytes.readUInt32LE(at);
    const start = at + RECORD_HEADER_BYTES;
    if (length > bytes.length - start) return { goodBytes: at, damaged: "a record cut short" };
    if (crc32(bytes.subarray(start, start + length)) >>> 0 !== bytes.readUInt32LE(at + 4))
      return { goodBytes: at, damaged: "a record's checksum does not match" };
    let record: DecodedRecord;
    try {
      record = decodeRecord(new ByteReader(bytes, start, start + length), roots, dims);
    } catch (err) {
      return { goodBytes: at, damaged: `a record does not parse (${(err as Error).message})` };
    }
    yield record;
    at = start + length;
  }
  return { goodBytes: at };
}

function decodeRecord(r: ByteReader, roots: Set<string>, dims: number): DecodedRecord {
  const kind = r.u8();
  const root = r.str();
  const relPath = r.str();
  if (!roots.has(root)) throw new CorruptIndex("a file root that is not an indexed folder");
  if (relativeInside(root, path.join(root, relPath)) !== relPath) throw new CorruptIndex("a path outside its folder");
  const file = path.join(root, relPath);
  const words = Array.from({ length: r.count(2) }, () => r.str());
  if (kind === RecordKind.FileRemoved) {
    if (r.pos !== r.end) throw new CorruptIndex("bytes after a record");
    return { file, change: null, words };
  }
  if (kind !== RecordKind.FileIndexed) throw new CorruptIndex(`record kind ${kind}`);
  const entry = readFileEntry(r, { file, root, relPath }, -1);
  const sectionCount = r.count(3);
  for (let s = 0; s < sectionCount; s++) {
    const headingPath = Array.from({ length: r.count() }, () => r.str());
    const startLine = r.varuint();
    entry.sections.push({ headingPath, startLine, endLine: startLine + r.varuint() });
  }
  const chunkCount = r.count(6);
  const chunks: JournaledChunk[] = [];
  for (let c = 0; c < chunkCount; c++) {
    const startLine = r.varuint();
    const endLine = startLine + r.varuint();
    const heading = r.varuint();
    if (heading >= entry.headings.length) throw new CorruptIndex("a chunk's heading");
    const fieldLengths = [r.varuint(), r.varuint(), r.varuint()];
    const counts = new Map<string, number[]>();
    const termCount = r.count(4);
    for (let t = 0; t < termCount; t++) {
      const term = r.str();
      const tf = [r.varuint(), r.varuint(), r.varuint()];
      if (tf.some((v) => v > 0xffff) || counts.has(term)) throw new CorruptIndex("a term's counts");
      counts.set(term, tf);
    }
    const defined = new Map<string, TermStrength>();
    const definedCount = r.count(2);
    for (let d = 0; d < definedCount; d++) defined.set(r.str(), r.u8() as TermStrength);
    chunks.push({ startLine, endLine, heading, fieldLengths, counts, defined });
  }
  let vectors: ChunkVector[] | undefined;
  if (dims > 0) {
    vectors = [];
    for (let c = 0; c < chunkCount; c++) {
      const hash = r.bytes(HASH_BYTES).toString("hex");
      const raw = r.bytes(dims * 4);
      const vector = new Float32Array(dims);
      for (let d = 0; d < dims; d++) vector[d] = raw.readFloatLE(d * 4);
      vectors.push({ hash, vector });
    }
  }
  if (r.pos !== r.end) throw new CorruptIndex("bytes after a record");
  return { file, change: { entry, chunks, vectors }, words };
}
