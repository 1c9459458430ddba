// Reading an index file's bytes back into a DocsIndex (indexFormat.ts has the layout). The bytes
// are untrusted: every count, id and extent is checked, and anything wrong is a discard.
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { ByteReader, CorruptIndex } from "./binaryFormat.js";
import { HASH_BYTES } from "./fileFields.js";
import { LoadedFileEntry, skimFileEntry } from "./loadedFileEntry.js";
import { INDEX_FORMAT_VERSION, MAGIC, Part, PREAMBLE_BYTES, settingsKey, TRAILER_BYTES } from "./indexFormat.js";
import type { DocsIndex, IndexOptions } from "../docsIndex.js";
import { Bm25Index } from "../search/bm25.js";
import type { EncodedPostings } from "../search/postingList.js";
import { SavedDefinitions, TermIndex } from "../search/terms.js";
import type { ChunkRecord } from "../types.js";
import { relativeInside } from "../../../shared/node/paths.js";

export type LoadOutcome = { status: "loaded"; index: DocsIndex } | { status: "missing" | "discarded"; index: DocsIndex; reason?: string };

/** Whether a path is segments joined by "/", none empty, "." or ".." (and no backslash). */
function plainRelative(p: string): boolean {
  let segmentStart = 0;
  for (let i = 0; i <= p.length; i++) {
    const c = i < p.length ? p.charCodeAt(i) : 47;
    if (c === 92) return false;
    if (c !== 47) continue;
    const n = i - segmentStart;
    if (n === 0 || (n === 1 && p.charCodeAt(segmentStart) === 46) || (n === 2 && p.charCodeAt(segmentStart) === 46 && p.charCodeAt(segmentStart + 1) === 46))
      return false;
    segmentStart = i + 1;
  }
  return true;
}

/**
 * The file at `relPath` in `root` (a resolved folder), or undefined when the path would lead
 * elsewhere. A plain relative path (no empty, `.` or `..` segment) is joined as it is; anything
 * else is checked the slow way, as the paths of a journal are.
 */
function joinInside(root: string, relPath: string): string | undefined {
  if (path.sep === "/" && !root.endsWith("/") && plainRelative(relPath)) return root + "/" + relPath;
  const file = path.join(root, relPath);
  return relativeInside(root, file) === relPath ? file : undefined;
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
  // The entries' details stay in these bytes (LoadedFileEntry): a view of the file while loading,
  // then a copy of the files part alone, so that the file's bytes can go.
  const filesStart = r.pos;
  const source = { bytes: bytes.subarray(filesStart, end) };
  for (let f = 0; f < fileCount; f++) {
    const root = fileRoots[r.varuint()];
    if (root === undefined) throw new CorruptIndex("corrupt contents (a file's root)");
    const relPath = r.str();
    const file = joinInside(root, relPath);
    if (file === undefined) throw new CorruptIndex("corrupt contents (a path outside its folder)");
    const detailsStart = r.pos - filesStart;
    const { size, mtimeMs, hadInvalidUtf8, headingCount } = skimFileEntry(r);
    const entry = new LoadedFileEntry(file, root, relPath, size, mtimeMs, hadInvalidUtf8, index.fileSlots.length, source, detailsStart, r.pos - filesStart);
    const chunkCount = r.count(3);
    if (nextId + chunkCount > total) throw new CorruptIndex("corrupt contents (more chunks than counted)");
    let startLine = 0;
    const chunkIds: number[] = new Array(chunkCount);
    for (let c = 0; c < chunkCount; c++) {
      startLine += r.varint();
      const endLine = startLine + r.varuint();
      const heading = r.varuint();
      if (startLine < 0 || heading >= headingCount) throw new CorruptIndex("corrupt contents (a chunk's lines or heading)");
      table.set(nextId, entry.slot, c, startLine, endLine, heading);
      chunkIds[c] = nextId++;
    }
    entry.chunkIds = chunkIds;
    if (index.files.has(file)) throw new CorruptIndex(`corrupt contents (${relPath} twice)`);
    index.fileSlots.push(entry);
    index.files.set(file, entry);
  }
  source.bytes = Buffer.from(bytes.subarray(filesStart, r.pos));
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
  // Kept in typed arrays (SavedDefinitions): no object per definition at load.
  const definedCount = r.count(3);
  const definedNames: string[] = [];
  const termStart = new Uint32Array(definedCount + 1);
  // Each definition takes at least 2 bytes (its id delta and strength).
  let defIds = new Int32Array(Math.min(1024, (end - r.pos) >> 1));
  let defStrengths = new Uint8Array(defIds.length);
  let defs = 0;
  for (let i = 0; i < definedCount; i++) {
    const term = r.str();
    const n = r.count(2);
    if (n === 0) continue;
    if (defs + n > defIds.length) {
      const grown = new Int32Array(Math.max(defs + n, defIds.length * 2));
      grown.set(defIds.subarray(0, defs));
      defIds = grown;
      const strengths = new Uint8Array(grown.length);
      strengths.set(defStrengths.subarray(0, defs));
      defStrengths = strengths;
    }
    let id = 0;
    for (let j = 0; j < n; j++) {
      id += r.varint();
      if (id < 0 || id >= total) throw new CorruptIndex("corrupt contents (a defined term's chunk)");
      defIds[defs] = id;
      defStrengths[defs++] = r.u8();
    }
    definedNames.push(term);
    termStart[definedNames.length] = defs;
  }
  index.terms = TermIndex.fromSaved(new SavedDefinitions(definedNames, termStart, defIds, defStrengths, total));

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
  // Each vector as int8 codes, their scale and offset, copied into the scan.
  const vectors: { id: number; hash: string }[] = [];
  for (let i = 0; i < vectorCount; i++) {
    const id = r.varuint();
    if (id >= total || index.pendingEmbedding.has(id) || index.chunkHashes.has(id)) throw new CorruptIndex("corrupt contents (a vector's chunk)");
    // Its hash, scale, offset and codes read from one view of the file (a view each was a third of this loop's time).
    const v = r.bytes(HASH_BYTES + 8 + dims);
    const hash = v.toString("hex", 0, HASH_BYTES);
    const scale = v.readFloatLE(HASH_BYTES);
    const offset = v.readFloatLE(HASH_BYTES + 4);
    if (!(scale >= 0 && scale < Infinity && Number.isFinite(offset))) throw new CorruptIndex("corrupt contents (a vector's scale)");
    index.quantized!.addCodes(id, new Int8Array(v.buffer, v.byteOffset + HASH_BYTES + 8, dims), { scale, offset });
    index.chunkHashes.set(id, hash);
    vectors.push({ id, hash });
  }
  expectPart(r, Part.End);
  if (r.pos !== end) throw new CorruptIndex("corrupt contents (bytes after the end)");
  if (options.embedder && index.chunkHashes.size + index.pendingEmbedding.size !== total) {
    return discard(`inconsistent contents (${index.chunkHashes.size + index.pendingEmbedding.size} chunks with vectors or pending, ${total} expected)`);
  }
  if (index.bm25.size !== total) return discard(`inconsistent contents (${index.bm25.size} indexed chunks, ${total} expected)`);
  // Searches scan the codes; Orama gets the floats they stand for after the load (or at its first reader).
  index.fillOramaLater(vectors);
  return { status: "loaded", index };
}
