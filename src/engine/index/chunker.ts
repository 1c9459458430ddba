// Splits a document into sections at its headings, then into chunks of bounded size.
// Every chunk knows its heading path and its 1-based line range in the original file.
// Code fences are never cut; a table longer than the cap is split by rows with its header repeated.
import { splitLines } from "./text.js";

export interface ChunkOptions {
  /** Soft cap on a chunk's text length, in characters. */
  maxChars?: number;
  /** Up to this many characters of the previous chunk's last paragraph start the next chunk. */
  overlapChars?: number;
}

// 1,000 characters (about 200 tokens) ranked best on the question set we measured (docs/retrieval.md);
// the answer stage widens a small hit to its whole section when the budget allows.
export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { maxChars: 1000, overlapChars: 200 };

export interface ChunkDraft {
  headingPath: string[];
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

type BlockKind = "heading" | "fence" | "table" | "para";

interface Block {
  kind: BlockKind;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  lines: string[];
  level?: number;
  headingText?: string;
}

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
  return { title, chunks, sections };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

interface FrontMatter {
  title?: string;
  /** Index of the first line after the front matter (0 when there is none). */
  endIndex: number;
}

function readFrontMatter(lines: string[]): FrontMatter {
  if (lines[0]?.trim() !== "---") return { endIndex: 0 };
  const limit = Math.min(lines.length, 500);
  for (let i = 1; i < limit; i++) {
    const t = lines[i]!.trim();
    if (t === "---" || t === "...") {
      let title: string | undefined;
      for (let j = 1; j < i; j++) {
        const m = /^title:\s*(.+?)\s*$/.exec(lines[j]!);
        if (m) title = m[1]!.replace(/^["']|["']$/g, "");
      }
      return { title, endIndex: i + 1 };
    }
  }
  return { endIndex: 0 };
}

function parseMarkdownBlocks(lines: string[], from: number): Block[] {
  const blocks: Block[] = [];
  let para: Block | undefined;
  const closePara = () => {
    if (para) blocks.push(para);
    para = undefined;
  };
  let i = from;
  while (i < lines.length) {
    const line = lines[i]!;
    const lineNo = i + 1;
    // HTML comments carry no prose (generator markers, hidden front matter): skip them whole.
    if (/^\s*<!--/.test(line)) {
      closePara();
      let j = i;
      while (j < lines.length && !lines[j]!.includes("-->")) j++;
      i = j + 1;
      continue;
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      closePara();
      const marker = fence[1]!;
      let j = i + 1;
      const closing = new RegExp(`^ {0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`);
      while (j < lines.length && !closing.test(lines[j]!)) j++;
      const end = Math.min(j, lines.length - 1);
      blocks.push({ kind: "fence", startLine: lineNo, endLine: end + 1, lines: lines.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      closePara();
      blocks.push({
        kind: "heading",
        startLine: lineNo,
        endLine: lineNo,
        lines: [line],
        level: atx[1]!.length,
        headingText: cleanHeading(atx[2] ?? ""),
      });
      i++;
      continue;
    }
    if (para && para.lines.length === 1 && SETEXT_UNDERLINE.test(line) && !/^\s*([-*+]|\d+[.)])\s/.test(para.lines[0]!)) {
      const text = para.lines[0]!;
      para = undefined;
      blocks.push({
        kind: "heading",
        startLine: lineNo - 1,
        endLine: lineNo,
        lines: [text, line],
        level: line.trim().startsWith("=") ? 1 : 2,
        headingText: cleanHeading(text.trim()),
      });
      i++;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]!) && lines[i + 1]!.includes("-")) {
      closePara();
      let j = i + 2;
      while (j < lines.length && lines[j]!.trim() !== "" && lines[j]!.includes("|")) j++;
      blocks.push({ kind: "table", startLine: lineNo, endLine: j, lines: lines.slice(i, j) });
      i = j;
      continue;
    }
    if (line.trim() === "") {
      closePara();
      i++;
      continue;
    }
    if (!para) para = { kind: "para", startLine: lineNo, endLine: lineNo, lines: [] };
    para.lines.push(line);
    para.endLine = lineNo;
    i++;
  }
  closePara();
  return blocks;
}

/** Heading text as people read it: link targets, emphasis and trailing anchors removed. */
export function cleanHeading(raw: string): string {
  return raw
    .replace(/\{#[^}]*\}\s*$/, "")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__)(.*?)\1/g, "$2")
    .trim();
}

// ---------------------------------------------------------------------------------------------
// reStructuredText and plain text

const RST_ADORNMENT = /^([=\-`:'"~^_*+#<>.])\1{2,}\s*$/;

function parseRstBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  const styles: string[] = [];
  let paraStart = -1;
  const flushPara = (endExclusive: number) => {
    if (paraStart >= 0 && endExclusive > paraStart) {
      blocks.push({ kind: "para", startLine: paraStart + 1, endLine: endExclusive, lines: lines.slice(paraStart, endExclusive) });
    }
    paraStart = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    const hasOverline = RST_ADORNMENT.test(line) && next !== undefined && next.trim() !== "" && RST_ADORNMENT.test(lines[i + 2] ?? "");
    if (hasOverline) {
      flushPara(i);
      const style = "o" + line.trim()[0];
      if (!styles.includes(style)) styles.push(style);
      blocks.push({
        kind: "heading",
        startLine: i + 1,
        endLine: i + 3,
        lines: lines.slice(i, i + 3),
        level: styles.indexOf(style) + 1,
        headingText: next!.trim(),
      });
      i += 2;
      continue;
    }
    if (line.trim() !== "" && !RST_ADORNMENT.test(line) && next !== undefined && RST_ADORNMENT.test(next) && next.trim().length >= line.trim().length) {
      flushPara(i);
      const style = "u" + next.trim()[0];
      if (!styles.includes(style)) styles.push(style);
      blocks.push({ kind: "heading", startLine: i + 1, endLine: i + 2, lines: [line, next], level: styles.indexOf(style) + 1, headingText: line.trim() });
      i += 1;
      continue;
    }
    if (line.trim() === "") flushPara(i);
    else if (paraStart < 0) paraStart = i;
  }
  flushPara(lines.length);
  return blocks;
}

function parseParagraphs(lines: string[], from: number): Block[] {
  const blocks: Block[] = [];
  let start = -1;
  for (let i = from; i <= lines.length; i++) {
    const blank = i === lines.length || lines[i]!.trim() === "";
    if (blank && start >= 0) {
      blocks.push({ kind: "para", startLine: start + 1, endLine: i, lines: lines.slice(start, i) });
      start = -1;
    } else if (!blank && start < 0) start = i;
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Packing blocks into chunks

function packSections(blocks: Block[], opts: Required<ChunkOptions>): { chunks: ChunkDraft[]; sections: SectionRange[] } {
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

/** Tables split by rows (header repeated); paragraphs by lines, then by characters. Fences stay whole. */
function splitOversized(block: Block, maxChars: number): Block[] {
  if (blockChars(block) <= maxChars || block.kind === "fence" || block.kind === "heading") return [block];
  if (block.kind === "table") {
    const header = block.lines.slice(0, 2);
    const headerChars = header.reduce((s, l) => s + l.length + 1, 0);
    const out: Block[] = [];
    let rows: string[] = [];
    let rowsStart = block.startLine + 2;
    let size = headerChars;
    block.lines.slice(2).forEach((row, k) => {
      const lineNo = block.startLine + 2 + k;
      if (rows.length > 0 && size + row.length + 1 > maxChars) {
        out.push(tablePiece(block, header, rows, rowsStart, out.length === 0));
        rows = [];
        rowsStart = lineNo;
        size = headerChars;
      }
      rows.push(row);
      size += row.length + 1;
    });
    if (rows.length || out.length === 0) out.push(tablePiece(block, header, rows, rowsStart, out.length === 0));
    return out;
  }
  // A long paragraph: split between lines, and a single enormous line by characters.
  const out: Block[] = [];
  let lines: string[] = [];
  let start = block.startLine;
  let size = 0;
  block.lines.forEach((line, k) => {
    const lineNo = block.startLine + k;
    const parts = line.length > maxChars ? line.match(new RegExp(`[^]{1,${maxChars}}`, "g"))! : [line];
    for (const part of parts) {
      if (lines.length > 0 && size + part.length + 1 > maxChars) {
        out.push({ kind: "para", startLine: start, endLine: lineNo - (part === parts[0] ? 1 : 0), lines });
        lines = [];
        start = lineNo;
        size = 0;
      }
      lines.push(part);
      size += part.length + 1;
    }
  });
  if (lines.length) out.push({ kind: "para", startLine: start, endLine: block.endLine, lines });
  return out;
}

function tablePiece(block: Block, header: string[], rows: string[], rowsStart: number, first: boolean): Block {
  return {
    kind: "table",
    // The first piece starts at the real header; later ones repeat it but point at their own rows.
    startLine: first ? block.startLine : rowsStart,
    endLine: rowsStart + rows.length - 1,
    lines: [...header, ...rows],
  };
}
