// The chunker's types: its options, what it makes of a document (chunks and sections), and the
// blocks each format's reader (markdownBlocks.ts, textBlocks.ts) hands to packChunks.ts.

export interface ChunkOptions {
  /** Soft cap on a chunk's text length, in characters. */
  maxChars?: number;
  /** Up to this many characters of the previous chunk's last paragraph start the next chunk. */
  overlapChars?: number;
}

export interface ChunkDraft {
  headingPath: string[];
  /** In a chunk packed from several tiny sections: the heading paths of the sections after the first (their headings define terms too). */
  packedHeadingPaths?: string[][];
  text: string;
  startLine: number;
  endLine: number;
}

export interface ChunkedDocument {
  /** The document's title: front-matter title, first level-1 heading, or the file name. */
  title: string;
  chunks: ChunkDraft[];
  /** Sections with their full line range (used to widen a small hit to its section). */
  sections: SectionRange[];
}

export interface SectionRange {
  headingPath: string[];
  startLine: number;
  endLine: number;
}

export type BlockKind = "heading" | "fence" | "table" | "para";

export interface Block {
  kind: BlockKind;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  lines: string[];
  level?: number;
  headingText?: string;
}
