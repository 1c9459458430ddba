// Saving and loading the index: one file, written atomically (temporary file, then rename).
// Layout: "DOCENTIX", a format version, the header's length and a SHA-256 of the rest of the file
// (checked before anything is parsed), a JSON header (settings, files, Orama's own saved data),
// then the full-text postings as raw typed-array bytes, which load without parsing.
// A file that is not a regular file, corrupt, truncated, of another format version, or made with
// another embedder or other settings is discarded with a log line; the caller then rebuilds.
// Temporary files left by saves that were killed are removed when the index is next loaded.
import { createHash } from "node:crypto";
import { constants as fsConstants, promises as fs } from "node:fs";
import * as path from "node:path";
import { load, save } from "@orama/orama";
import { Bm25Index, type Bm25Snapshot } from "./bm25.js";
import { DocsIndex, type FileEntry, type IndexOptions } from "./docsIndex.js";
import { TermIndex } from "./terms.js";
import { type ChunkRecord } from "./types.js";
import { silentLogger } from "../util/logger.js";

const MAGIC = Buffer.from("DOCENTIX", "latin1");
/** 3: a SHA-256 of everything after the preamble, checked before anything is parsed. */
export const INDEX_FORMAT_VERSION = 3;
/** Magic (8), format version (4), header length (4), SHA-256 of the rest (32). */
const PREAMBLE_BYTES = 48;
/** A bound on what is read: an index file larger than this is discarded (and rebuilt) unread. */
export const MAX_INDEX_FILE_BYTES = 2 ** 31 - 1;

type TypedArray = Int32Array | Uint32Array | Uint16Array | Uint8Array;
const ARRAY_TYPES = { Int32Array, Uint32Array, Uint16Array, Uint8Array } as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;
const SECTION_NAMES = ["counts", "ids", "tfs", "lengths", "alive"] as const;

interface Header {
  embedder: string | null;
  /** Settings that change what is indexed; a mismatch means rebuild. */
  settings: string;
  roots: string[];
  savedAt: string;
  nextId: number;
  files: FileEntry[];
  terms: ReturnType<TermIndex["snapshot"]>;
  bm25Terms: string[];
  orama: unknown;
  /** Chunks indexed for full text but still waiting for their embedding (not in Orama yet). */
  pendingEmbedding?: ChunkRecord[];
  sections: { name: keyof Bm25Snapshot; type: ArrayTypeName; offset: number; length: number }[];
}

function settingsKey(index: Pick<DocsIndex, "chunking" | "corpusOptions">): string {
  return JSON.stringify({ chunking: index.chunking, corpus: index.corpusOptions });
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** Temporary files of a save: `<index file>.<pid>.<ms>.tmp`, renamed over the index when complete. */
const tempName = (file: string) => `${file}.${process.pid}.${Date.now()}.tmp`;
/** A temporary file untouched this long is stale whoever wrote it (a pid reused, another machine). */
export const STALE_TEMP_MS = 10 * 60 * 1000;

export async function saveIndex(index: DocsIndex, file: string): Promise<{ bytes: number }> {
  const snap = index.bm25.snapshot();
  const arrays: [keyof Bm25Snapshot, TypedArray][] = [
    ["counts", snap.counts],
    ["ids", snap.ids],
    ["tfs", snap.tfs],
    ["lengths", snap.lengths],
    ["alive", snap.alive],
  ];
  const sections: Header["sections"] = [];
  let offset = 0;
  for (const [name, arr] of arrays) {
    sections.push({ name, type: arr.constructor.name as ArrayTypeName, offset, length: arr.length });
    offset += arr.byteLength + pad8(arr.byteLength);
  }
  const header: Header = {
    embedder: index.embedder?.id ?? null,
    settings: settingsKey(index),
    roots: index.roots,
    savedAt: new Date().toISOString(),
    nextId: index.nextId,
    files: [...index.files.values()],
    terms: index.terms.snapshot(),
    bm25Terms: snap.terms,
    orama: save(index.orama),
    pendingEmbedding: [...index.pendingEmbedding.values()],
    sections,
  };
  const json = Buffer.from(JSON.stringify(header));
  const body: Uint8Array[] = [json, Buffer.alloc(pad8(json.length))];
  for (const [, arr] of arrays) body.push(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), Buffer.alloc(pad8(arr.byteLength)));
  const sha = createHash("sha256");
  for (const part of body) sha.update(part);
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
  preamble.writeUInt32LE(json.length, 12);
  sha.digest().copy(preamble, 16);
  const parts = [preamble, ...body];

  await fs.mkdir(path.dirname(file), { recursive: true });
  // Only a regular file (or nothing) is replaced: never a folder, a FIFO or a device (as root,
  // a rename would replace /dev/zero itself).
  const existing = await fs.stat(file).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`${file} is not a regular file; the index is not saved there`);
  const tmp = tempName(file);
  try {
    const handle = await fs.open(tmp, "wx");
    try {
      for (const part of parts) await handle.write(part);
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return { bytes: parts.reduce((n, p) => n + p.byteLength, 0) };
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
    return parseIndex(bytes, roots, options, fresh, discard);
  } catch (err) {
    return discard(`unreadable contents (${(err as Error).message})`);
  }
}

function parseIndex(bytes: Buffer, roots: string[], options: IndexOptions, fresh: () => DocsIndex, discard: (reason: string) => LoadOutcome): LoadOutcome {
  if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC)) return discard("not a Docent index file");
  const version = bytes.readUInt32LE(8);
  if (version !== INDEX_FORMAT_VERSION) return discard(`format version ${version}, expected ${INDEX_FORMAT_VERSION}`);
  if (bytes.length < PREAMBLE_BYTES) return discard("truncated (header cut short)");
  const jsonLength = bytes.readUInt32LE(12);
  if (PREAMBLE_BYTES + jsonLength > bytes.length) return discard("truncated (header cut short)");
  const digest = createHash("sha256").update(bytes.subarray(PREAMBLE_BYTES)).digest();
  if (!digest.equals(bytes.subarray(16, PREAMBLE_BYTES))) return discard("checksum mismatch (the file is damaged or cut short)");
  let header: Header;
  try {
    header = JSON.parse(bytes.toString("utf8", PREAMBLE_BYTES, PREAMBLE_BYTES + jsonLength)) as Header;
  } catch (err) {
    return discard(`corrupt header (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || !Array.isArray(header.files) || !Array.isArray(header.sections)) {
    return discard("corrupt header (fields missing)");
  }
  if ((header.embedder ?? null) !== (options.embedder?.id ?? null)) {
    return discard(`made with embedder ${header.embedder ?? "none"}, now ${options.embedder?.id ?? "none"}`);
  }
  const index = fresh();
  if (header.settings !== settingsKey(index)) return discard("indexing settings changed");
  if (JSON.stringify(header.roots) !== JSON.stringify(roots)) return discard("made for other folders");

  const base = PREAMBLE_BYTES + jsonLength + pad8(jsonLength);
  const snap = { terms: header.bm25Terms } as Bm25Snapshot;
  for (const s of header.sections) {
    // Own properties only: a type of "toString" or "constructor" is not an array type.
    const Type = typeof s?.type === "string" && Object.hasOwn(ARRAY_TYPES, s.type) ? ARRAY_TYPES[s.type] : undefined;
    if (!Type || !(SECTION_NAMES as readonly string[]).includes(s.name)) return discard(`corrupt header (section ${String(s?.name)})`);
    if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset < 0 || s.length < 0) {
      return discard(`corrupt header (${s.name} at ${s.offset}, length ${s.length})`);
    }
    const start = base + s.offset;
    const byteLength = s.length * Type.BYTES_PER_ELEMENT;
    if (start + byteLength > bytes.length) return discard(`truncated (${s.name} cut short)`);
    // Copy into an aligned buffer of its own (the file buffer may sit at any offset in a pool).
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    (snap as unknown as Record<string, TypedArray>)[s.name] = new Type(copy.buffer);
  }
  for (const name of SECTION_NAMES) if (!snap[name]) return discard(`corrupt header (${name} missing)`);
  load(index.orama, header.orama as never);
  index.bm25 = Bm25Index.fromSnapshot(snap);
  index.terms = TermIndex.fromSnapshot(header.terms);
  index.nextId = header.nextId;
  for (const entry of header.files) index.files.set(entry.file, entry);
  for (const record of header.pendingEmbedding ?? []) index.pendingEmbedding.set(record.id, record);
  if (options.embedder) restoreVectorCache(index);
  const expected = header.files.reduce((n, f) => n + f.chunkIds.length, 0);
  const stored = index.chunkCount + index.pendingEmbedding.size;
  if (stored !== expected || index.bm25.size !== expected) {
    return discard(`inconsistent contents (${stored} stored chunks, ${expected} expected)`);
  }
  return { status: "loaded", index };
}

function restoreVectorCache(index: DocsIndex): void {
  for (const entry of index.files.values()) {
    for (const id of entry.chunkIds) {
      const doc = index.getChunkWithVector(id);
      if (doc?.embedding) index.vectorCache.set(doc.hash, Float32Array.from(doc.embedding));
    }
  }
}
