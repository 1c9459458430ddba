// The index's own types: chunks and search hits (what search needs of an embedding model,
// `Embedder`, is in model/modelInterface.ts).
import type { MatchSource } from "../../shared/answer.js";

export interface ChunkRecord {
  id: number;
  /** Absolute path of the file. */
  file: string;
  /** The folder the file was found under. */
  root: string;
  /** Path relative to its root, forward slashes. */
  relPath: string;
  title: string;
  headingPath: string[];
  text: string;
  startLine: number;
  endLine: number;
  /** Hash of the chunk's text: the key of the embedding cache. */
  hash: string;
}

export interface SearchHit {
  chunk: ChunkRecord;
  score: number;
  matchedBy: MatchSource[];
  /** The defined term that matched exactly, when there was one. */
  term?: string;
  /** The name as the query misspelt it, when `term` is its correction ("did you mean"). */
  askedAs?: string;
  /** The whole section the chunk belongs to (a chunk may be only part of it). */
  section?: { startLine: number; endLine: number };
}

export function headingLabel(chunk: Pick<ChunkRecord, "headingPath" | "title">): string {
  return chunk.headingPath.length ? chunk.headingPath.join(" > ") : chunk.title;
}
