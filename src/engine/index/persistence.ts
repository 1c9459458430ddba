// Saving and loading the index: one file, written atomically (temporary file, then rename).
// Layout: "DOCENTIX", a format version, a JSON header (settings, files, Orama's own saved data),
// then the full-text postings as raw typed-array bytes, which load without parsing.
// A file that is corrupt, truncated, of another format version, or made with another embedder
// or other settings is discarded with a log line; the caller then rebuilds.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { load, save } from "@orama/orama";
import { Bm25Index, type Bm25Snapshot } from "./bm25.js";
import { DocsIndex, type FileEntry, type IndexOptions } from "./docsIndex.js";
import { TermIndex } from "./terms.js";
import { type ChunkRecord } from "./types.js";
import { silentLogger } from "../util/logger.js";

const MAGIC = Buffer.from("DOCENTIX", "latin1");
export const INDEX_FORMAT_VERSION = 2;

type TypedArray = Int32Array | Uint32Array | Uint16Array | Uint8Array;
const ARRAY_TYPES = { Int32Array, Uint32Array, Uint16Array, Uint8Array } as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;

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
  const prefix = Buffer.alloc(16);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const parts: Uint8Array[] = [prefix, json, Buffer.alloc(pad8(16 + json.length))];
  for (const [, arr] of arrays) parts.push(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), Buffer.alloc(pad8(arr.byteLength)));

  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const handle = await fs.open(tmp, "w");
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

export type LoadOutcome = { status: "loaded"; index: DocsIndex } | { status: "missing" | "discarded"; index: DocsIndex; reason?: string };

/**
 * Loads a saved index for these roots and options. Whatever goes wrong, the caller gets a usable
 * (possibly empty) DocsIndex back and a reason; `update()` then brings it up to date.
 */
export async function loadIndex(file: string, roots: string[], options: IndexOptions = {}): Promise<LoadOutcome> {
  const logger = options.logger ?? silentLogger;
  const fresh = () => new DocsIndex(roots, options);
  const discard = (reason: string): LoadOutcome => {
    logger.warn(`Saved index ${file} discarded, rebuilding: ${reason}`);
    return { status: "discarded", index: fresh(), reason };
  };
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing", index: fresh() };
    return discard(`cannot read it (${(err as Error).message})`);
  }
  if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC)) return discard("not a Docent index file");
  const version = bytes.readUInt32LE(8);
  if (version !== INDEX_FORMAT_VERSION) return discard(`format version ${version}, expected ${INDEX_FORMAT_VERSION}`);
  const jsonLength = bytes.readUInt32LE(12);
  if (16 + jsonLength > bytes.length) return discard("truncated (header cut short)");
  let header: Header;
  try {
    header = JSON.parse(bytes.toString("utf8", 16, 16 + jsonLength)) as Header;
  } catch (err) {
    return discard(`corrupt header (${(err as Error).message})`);
  }
  if ((header.embedder ?? null) !== (options.embedder?.id ?? null)) {
    return discard(`made with embedder ${header.embedder ?? "none"}, now ${options.embedder?.id ?? "none"}`);
  }
  const index = fresh();
  if (header.settings !== settingsKey(index)) return discard("indexing settings changed");
  if (JSON.stringify(header.roots) !== JSON.stringify(roots)) return discard("made for other folders");

  const base = 16 + jsonLength + pad8(16 + jsonLength);
  const snap = { terms: header.bm25Terms } as Bm25Snapshot;
  for (const s of header.sections ?? []) {
    const Type = ARRAY_TYPES[s.type];
    const start = base + s.offset;
    const byteLength = s.length * (Type?.BYTES_PER_ELEMENT ?? 0);
    if (!Type || start + byteLength > bytes.length) return discard(`truncated (${s.name} cut short)`);
    // Copy into an aligned buffer of its own (the file buffer may sit at any offset in a pool).
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    (snap as unknown as Record<string, TypedArray>)[s.name] = new Type(copy.buffer);
  }
  try {
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
  } catch (err) {
    return discard(`unreadable contents (${(err as Error).message})`);
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
