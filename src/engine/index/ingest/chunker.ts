// Splits a document into sections at its headings, then into chunks of bounded size.
// Every chunk knows its heading path and its 1-based line range in the original file.
// A table or code fence longer than the cap is split by lines with its header (fence opening) repeated,
// and a line longer than the cap by characters, so no chunk is much larger than the cap.
// Everything here reads document text, which may be hostile: each scan is linear in the text's length
// (no regular expression that can backtrack over a long run of characters).
// Each format's reader makes blocks (markdownBlocks.ts, textBlocks.ts); packChunks.ts packs them.
import { splitLines } from "./fileText.js";
import type { Block, ChunkDraft, ChunkedDocument, ChunkOptions } from "./chunkTypes.js";
import { parseMarkdownBlocks, readFrontMatter } from "./markdownBlocks.js";
import { packSections } from "./packChunks.js";
import { parseParagraphs, parseRstBlocks } from "./textBlocks.js";

export type { Block, ChunkDraft, ChunkedDocument, ChunkOptions, SectionRange } from "./chunkTypes.js";

// 1,000 characters (about 200 tokens) ranked best on the question set we measured (docs/retrieval.md);
// the answer stage widens a small hit to its whole section when the budget allows.
export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { maxChars: 1000, overlapChars: 200 };

export function chunkDocument(source: string, relPath: string, options: ChunkOptions = {}): ChunkedDocument {
  const opts = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  const lines = splitLines(source);
  const lower = relPath.toLowerCase();
  const fileName = relPath.split("/").pop() ?? relPath;
  let blocks: Block[];
  let frontTitle: string | undefined;
  if (lower.endsWith(".rst")) {
    blocks = parseRstBlocks(lines);
  } else if (lower.endsWith(".txt")) {
    blocks = parseParagraphs(lines, 0);
  } else {
    const front = readFrontMatter(lines);
    frontTitle = front.title;
    blocks = parseMarkdownBlocks(lines, front.endIndex);
  }
  const firstH1 = blocks.find((b) => b.kind === "heading" && b.level === 1)?.headingText;
  const title = frontTitle ?? firstH1 ?? fileName.replace(/\.[^.]+$/, "");
  const { chunks, sections } = packSections(blocks, opts);
  return { title, chunks: coalesceTinyChunks(chunks, opts.maxChars), sections };
}

/** Above this many chunks in one file, a file of tiny sections has its chunks packed together. */
export const MAX_TINY_CHUNKS = 2000;

/**
 * A file of thousands of tiny sections (a generated changelog, a hostile doc: 87,000 two-line
 * sections fit in 2 MB) would cost as many index entries as sections, and indexing time grows
 * with them. Consecutive chunks are packed up to the cap instead, each keeping the heading path of
 * its first section; the other headings stay in the text, so they are still found, and the terms
 * they define still point at the chunk (packedHeadingPaths). Ordinary docs
 * (chunks near the cap, or fewer than MAX_TINY_CHUNKS) are left exactly as they are.
 */
function coalesceTinyChunks(chunks: ChunkDraft[], maxChars: number): ChunkDraft[] {
  if (chunks.length <= MAX_TINY_CHUNKS) return chunks;
  let total = 0;
  for (const c of chunks) total += c.text.length;
  if (total / chunks.length > maxChars / 4) return chunks;
  const packed: ChunkDraft[] = [];
  let current: ChunkDraft | undefined;
  let parts: string[] = [];
  let size = 0;
  let others: string[][] = [];
  const flush = () => {
    if (current) packed.push({ ...current, text: parts.join("\n\n"), ...(others.length ? { packedHeadingPaths: others } : {}) });
  };
  for (const chunk of chunks) {
    if (current && size + chunk.text.length + 2 <= maxChars) {
      parts.push(chunk.text);
      size += chunk.text.length + 2;
      current.endLine = Math.max(current.endLine, chunk.endLine);
      const last = others.at(-1) ?? current.headingPath;
      if (chunk.headingPath.join("\u0000") !== last.join("\u0000")) others.push(chunk.headingPath);
      continue;
    }
    flush();
    current = { headingPath: chunk.headingPath, text: "", startLine: chunk.startLine, endLine: chunk.endLine };
    parts = [chunk.text];
    others = [];
    size = chunk.text.length;
  }
  flush();
  return packed;
}
