// The journal's side of the index's contents: the vectors a journal record carries, and a record
// replayed onto a loaded index (journal.ts holds the records' format, persistence.ts reads them).
import type { ChunkVector, FileChange } from "./journal.js";
import type { FileEntry } from "../fileEntry.js";
import type { IndexContents } from "../indexContents.js";

/**
 * The vectors of a file's chunks, in order, for the journal; undefined while one is still
 * waiting for its embedding (the save is then a full one, which keeps such chunks waiting).
 */
export function vectorsOfFile(index: IndexContents, entry: FileEntry): ChunkVector[] | undefined {
  const vectors: ChunkVector[] = [];
  for (const id of entry.chunkIds) {
    const hash = index.chunkHashes.get(id);
    const vector = hash === undefined ? undefined : index.vectorCache.get(hash);
    if (!hash || !vector) return undefined;
    vectors.push({ hash, vector });
  }
  return vectors;
}

/**
 * Replays one journaled change (see journal.ts): the file's chunks, if any, are removed and its
 * recorded state, when it has one, is added under new ids, as the change did when it was made,
 * with its vectors when the index has an embedding model.
 */
export async function applyJournaledChange(index: IndexContents, file: string, change: FileChange | null, words: readonly string[] = []): Promise<void> {
  const old = index.files.get(file);
  // Not removeFileNow: a replayed change is not a new one for the journal.
  if (old) await index.dropFile(old);
  index.spelling.addWords(words);
  if (!change) return;
  const entry = change.entry;
  entry.slot = index.fileSlots.length;
  entry.chunkIds = [];
  index.fileSlots.push(entry);
  change.chunks.forEach((c, ordinal) => {
    const id = index.nextId++;
    index.chunkTable.set(id, entry.slot, ordinal, c.startLine, c.endLine, c.heading);
    index.bm25.addCounts(id, c.fieldLengths, c.counts);
    index.terms.add(id, c.defined);
    entry.chunkIds.push(id);
  });
  index.files.set(file, entry);
  index.totalChunks += entry.chunkIds.length;
  if (index.embedder && change.vectors) {
    const vectors = change.vectors;
    // insertVectors sets the embedding cache (reading it here would put a load's waiting vectors into Orama at once).
    entry.chunkIds.forEach((id, i) => index.chunkHashes.set(id, vectors[i]!.hash));
    index.insertVectors(entry.chunkIds.map((id, i) => ({ id, hash: vectors[i]!.hash, vector: vectors[i]!.vector })));
  }
}
