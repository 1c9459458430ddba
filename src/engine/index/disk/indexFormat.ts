// The index file's layout and the constants both its writer (writeIndex.ts) and its reader
// (parseIndex.ts) use. Layout (see binaryFormat.ts for the encodings):
//   "DOCENTIX", format version (u32), reserved (u32);
//   settings: embedder id, indexing settings, roots, time saved, chunk count;
//   files: metadata once per file (root, path, title, content hash, size, time, sections, the
//     distinct heading paths), then per chunk its line range and heading;
//   chunks waiting for an embedding (with their text); defined terms per chunk; the spelling
//     index's words (sorted, each as the length of the prefix it shares with the one before and the rest);
//   full-text index: field lengths per chunk, then per term its postings (their byte length, then
//     ascending id deltas and three field counts per posting, all varints: one byte for most);
//   vectors, when an embedder is set (per chunk its text hash, a scale, an offset and int8 codes); a CRC-32 of everything before it.
// Chunk ids are renumbered densely in file order when saved (their order, which breaks ranking
// ties, is kept). Chunk texts are not saved: they are read back from the files (chunkTexts.ts).
import type { IndexContents } from "../indexContents.js";

export const MAGIC = Buffer.from("DOCENTIX", "latin1");
/**
 * 8: 7 with each vector as int8 codes and a float32 scale and offset (vectors/int8.ts), not float32 values.
 * 7: 6 with Markdown blocks found as CommonMark finds them (a setext heading over several lines,
 *    thematic breaks, a table's delimiter row with the header's cell count, backtick fences), so the
 *    chunks re-made from files (chunkTexts.ts) match the line ranges saved by this version only.
 * 6: 5 with Chinese, Japanese and Korean text cut into words (its terms and spelling words were whole runs).
 * 5: 4 and the spelling index's words.
 * 4: binary throughout, metadata once per file, varint postings, no chunk texts, CRC-32 trailer.
 * (3: a JSON header with Orama's document store, and raw typed arrays.)
 */
export const INDEX_FORMAT_VERSION = 8;
/** Magic (8), format version (4), reserved (4). */
export const PREAMBLE_BYTES = 16;
export const TRAILER_BYTES = 4;
/** Parts of the body, in order; each starts with its tag, so a misplaced part is caught at once. */
export const enum Part {
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

export function settingsKey(index: Pick<IndexContents, "chunking" | "corpusOptions">): string {
  return JSON.stringify({ chunking: index.chunking, corpus: index.corpusOptions });
}
