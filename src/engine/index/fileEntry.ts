// What the index keeps of each indexed file. A module of its own because the index, its journal and
// the on-disk encoding all use it: kept in docsIndex.ts, it made journal.ts and fileFields.ts import
// the index they are imported by (an import cycle).
import type { SectionRange } from "./ingest/chunker.js";

export interface FileEntry {
  file: string;
  root: string;
  relPath: string;
  title: string;
  hash: string;
  size: number;
  mtimeMs: number;
  chunkIds: number[];
  sections: SectionRange[];
  hadInvalidUtf8: boolean;
  /** The heading paths of its chunks, each once (the chunk table points into it). */
  headings: string[][];
  /** Where the chunk table refers to this file. */
  slot: number;
}
