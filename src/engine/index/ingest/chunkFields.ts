// A chunk's words as the full-text index takes them, field by field (title, heading, text).
import type { FieldTokens } from "../search/bm25.js";
import { tokenize, type WordSink } from "../search/tokenizer.js";
import type { ChunkRecord } from "../types.js";

/** The title field: the file's title and its path words (docs trees name files after what they explain). */
export function titleTokens(record: Pick<ChunkRecord, "title" | "relPath">, words?: WordSink): string[] {
  return tokenize(record.title + " " + record.relPath.replace(/\.[^./]+$/, ""), [], words);
}

/**
 * A chunk's tokens by field; `title` may be passed when already worked out (the file's, shared:
 * read only). `words` hears the words seen, for the spelling index.
 */
export function chunkFieldTokens(
  record: Pick<ChunkRecord, "title" | "relPath" | "headingPath" | "text">,
  title = titleTokens(record),
  words?: WordSink,
): FieldTokens {
  return {
    title,
    heading: tokenize(record.headingPath.join(" \n "), [], words),
    text: tokenize(record.text, [], words),
  };
}
