// Packing blocks into chunks: one section per heading, its blocks packed up to the cap with some
// overlap, a block larger than the cap split by lines (a table's header or a fence's opening repeated)
// and a line larger than the cap by characters.
import type { Block, ChunkDraft, ChunkOptions, SectionRange } from "./chunkTypes.js";

export function packSections(blocks: Block[], opts: Required<ChunkOptions>): { chunks: ChunkDraft[]; sections: SectionRange[] } {
  const chunks: ChunkDraft[] = [];
  const sections: SectionRange[] = [];
  const stack: { level: number; text: string }[] = [];
  let body: Block[] = [];
  let heading: Block | undefined;

  const flushSection = () => {
    const headingPath = stack.map((h) => h.text);
    if (body.length > 0) {
      const all = heading ? [heading, ...body] : body;
      sections.push({ headingPath, startLine: all[0]!.startLine, endLine: all[all.length - 1]!.endLine });
      chunks.push(...packBlocks(all, headingPath, opts));
    }
    body = [];
  };

  for (const block of blocks) {
    if (block.kind === "heading") {
      flushSection();
      const level = block.level ?? 1;
      while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
      stack.push({ level, text: block.headingText ?? "" });
      heading = block;
    } else {
      body.push(block);
    }
  }
  flushSection();
  return { chunks, sections };
}

function blockChars(b: Block): number {
  let n = 0;
  for (const l of b.lines) n += l.length + 1;
  return n;
}

function packBlocks(blocks: Block[], headingPath: string[], opts: Required<ChunkOptions>): ChunkDraft[] {
  const pieces = blocks.flatMap((b) => splitOversized(b, opts.maxChars));
  const chunks: ChunkDraft[] = [];
  let current: Block[] = [];
  let size = 0;
  const flush = () => {
    if (current.length === 0) return;
    chunks.push({
      headingPath,
      text: current.map((b) => b.lines.join("\n")).join("\n\n"),
      startLine: current[0]!.startLine,
      endLine: current[current.length - 1]!.endLine,
    });
  };
  for (const piece of pieces) {
    const n = blockChars(piece);
    // A heading alone is never a chunk: it stays with the content that follows it.
    const onlyHeading = current.every((b) => b.kind === "heading");
    if (current.length > 0 && !onlyHeading && size + n > opts.maxChars) {
      flush();
      const last = current[current.length - 1]!;
      // Carry a short trailing paragraph over so a thought split across chunks stays findable.
      const carry = last.kind === "para" && blockChars(last) <= opts.overlapChars && current.length > 1 ? [last] : [];
      current = carry;
      size = carry.reduce((s, b) => s + blockChars(b), 0);
    }
    current.push(piece);
    size += n;
  }
  flush();
  return chunks;
}

/**
 * A block longer than the cap, split between lines: a table repeats its header rows and a code fence its
 * opening line at the head of each later piece (which points at its own lines); a line longer than the
 * cap is cut into pieces of the cap's length. A heading's later pieces are text.
 */
function splitOversized(block: Block, maxChars: number): Block[] {
  if (blockChars(block) <= maxChars) return [block];
  const repeated = block.kind === "table" ? 2 : block.kind === "fence" ? 1 : 0;
  let head = block.lines.slice(0, repeated);
  let headChars = head.reduce((n, l) => n + l.length + 1, 0);
  // A header longer than the cap would make every piece oversized: then it is not repeated.
  if (headChars > maxChars) [head, headChars] = [[], 0];
  const out: Block[] = [];
  let lines: string[] = [];
  let start = block.startLine;
  let end = block.startLine;
  let size = 0;
  const push = () => {
    const first = out.length === 0;
    const kind = block.kind === "heading" && !first ? "para" : block.kind;
    out.push({ kind, startLine: first ? block.startLine : start, endLine: end, lines: first ? lines : [...head, ...lines], level: block.level });
  };
  block.lines.forEach((line, k) => {
    const lineNo = block.startLine + k;
    for (const part of cutLine(line, maxChars)) {
      // The first piece keeps the whole header with at least one line after it.
      const minLines = out.length === 0 ? repeated + 1 : 1;
      if (lines.length >= minLines && size + part.length + 1 > maxChars) {
        push();
        lines = [];
        start = lineNo;
        size = headChars;
      }
      lines.push(part);
      size += part.length + 1;
      end = lineNo;
    }
  });
  if (lines.length) push();
  return out;
}

/** A line cut into pieces of at most `maxChars` code units, never between the two halves of a surrogate pair. */
function cutLine(line: string, maxChars: number): string[] {
  if (line.length <= maxChars) return [line];
  const parts: string[] = [];
  for (let i = 0; i < line.length;) {
    let end = Math.min(line.length, i + maxChars);
    const c = line.charCodeAt(end - 1);
    if (end < line.length && end - i > 1 && c >= 0xd800 && c <= 0xdbff) end--;
    parts.push(line.slice(i, end));
    i = end;
  }
  return parts;
}
