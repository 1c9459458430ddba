// Writing the whole index in the index file's layout (indexFormat.ts), block by block.
import type { BlockWriter } from "./binaryFormat.js";
import { hashBytes, writeFileFacts, writeHeadings } from "./fileFields.js";
import { INDEX_FORMAT_VERSION, MAGIC, Part, settingsKey } from "./indexFormat.js";
import type { DocsIndex } from "../docsIndex.js";

export async function writeIndex(index: DocsIndex, w: BlockWriter): Promise<number> {
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
  let sinceVectorsFlush = 0;
  const withVectors = index.embedder ? [...index.chunkHashes.keys()].filter((id) => remap[id]! >= 0) : [];
  w.varuint(dims);
  w.varuint(withVectors.length);
  const mapping = new Uint8Array(8);
  const mappingView = new DataView(mapping.buffer);
  for (const id of withVectors) {
    // The scan's int8 codes, their scale and offset (vectors/int8.ts): about a quarter of the float32 vector.
    const saved = index.quantized?.codesOf(id);
    if (!saved) throw new Error(`chunk ${id} has a content hash but no vector`);
    if (saved.codes.length !== dims) throw new Error(`chunk ${id} has a vector of ${saved.codes.length} dimensions, not ${dims}`);
    w.varuint(remap[id]!);
    w.bytes(hashBytes(index.chunkHashes.get(id)!));
    mappingView.setFloat32(0, saved.mapping.scale, true);
    mappingView.setFloat32(4, saved.mapping.offset, true);
    w.bytes(mapping);
    w.bytes(new Uint8Array(saved.codes.buffer, saved.codes.byteOffset, saved.codes.byteLength));
    if (sinceVectorsFlush++ > 4096) {
      sinceVectorsFlush = 0;
      await w.flush();
    }
  }
  w.u8(Part.End);
  return w.finish();
}
