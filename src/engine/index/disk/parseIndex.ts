// Reading an index file's bytes back into a DocsIndex (indexFormat.ts has the layout). The bytes
// are untrusted: every count, id and extent is checked, and anything wrong is a discard.
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { ByteReader, CorruptIndex } from "./binaryFormat.js";
import { HASH_BYTES, readFileEntry } from "./fileFields.js";
import { INDEX_FORMAT_VERSION, MAGIC, Part, PREAMBLE_BYTES, settingsKey, TRAILER_BYTES } from "./indexFormat.js";
import type { DocsIndex, IndexOptions } from "../docsIndex.js";
import { Bm25Index } from "../search/bm25.js";
import type { EncodedPostings } from "../search/postingList.js";
import { TermIndex, type TermDefinition, type TermStrength } from "../search/terms.js";
import type { ChunkRecord } from "../types.js";
import { relativeInside } from "../../../shared/node/paths.js";

export type LoadOutcome = { status: "loaded"; index: DocsIndex } | { status: "missing" | "discarded"; index: DocsIndex; reason?: string };

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

export async function parseIndex(
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
  // Each vector as int8 codes, their scale and offset, copied into the scan; Orama gets the floats they stand for.
  const vectors: { id: number; hash: string }[] = [];
  for (let i = 0; i < vectorCount; i++) {
    const id = r.varuint();
    if (id >= total || index.pendingEmbedding.has(id) || index.chunkHashes.has(id)) throw new CorruptIndex("corrupt contents (a vector's chunk)");
    const hash = r.bytes(HASH_BYTES).toString("hex");
    const mapping = r.bytes(8);
    const scale = mapping.readFloatLE(0);
    const offset = mapping.readFloatLE(4);
    if (!(scale >= 0 && scale < Infinity && Number.isFinite(offset))) throw new CorruptIndex("corrupt contents (a vector's scale)");
    const codes = r.bytes(dims);
    index.quantized!.addCodes(id, new Int8Array(codes.buffer, codes.byteOffset, dims), { scale, offset });
    index.chunkHashes.set(id, hash);
    vectors.push({ id, hash });
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
