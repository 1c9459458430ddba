// Splits a document into sections at its headings, then into chunks of bounded size.
// Every chunk knows its heading path and its 1-based line range in the original file.
// A table or code fence longer than the cap is split by lines with its header (fence opening) repeated,
// and a line longer than the cap by characters, so no chunk is much larger than the cap.
// Everything here reads document text, which may be hostile: each scan is linear in the text's length
// (no regular expression that can backtrack over a long run of characters).
import { MAX_HEADING_CHARS } from "../../shared/defaults.js";
import { forwardFinder, isRegexSpace, splitLines } from "./text.js";
import type { Block } from "../formats/block.js";
import { markdownLinesOf, scanConvertedFormat } from "../formats/formats.js";

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
  /** What the log should say about the file (an AsciiDoc `include::` not followed). */
  notes?: string[];
}

export interface SectionRange {
  headingPath: string[];
  startLine: number;
  endLine: number;
}

export function chunkDocument(source: string, relPath: string, options: ChunkOptions = {}): ChunkedDocument {
  const opts = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  const lines = splitLines(source);
  const lower = relPath.toLowerCase();
  const fileName = relPath.split("/").pop() ?? relPath;
  let blocks: Block[];
  let frontTitle: string | undefined;
  let notes: string[] = [];
  const converted = scanConvertedFormat(source, lines, relPath);
  if (converted) {
    ({ blocks, notes } = converted);
    frontTitle = converted.title;
  } else if (lower.endsWith(".txt")) {
    blocks = parseParagraphs(lines, 0);
  } else {
    const front = readFrontMatter(lines);
    frontTitle = front.title;
    blocks = parseMarkdownBlocks(markdownLinesOf(source, lines, relPath) ?? lines, front.endIndex);
  }
  const firstH1 = blocks.find((b) => b.kind === "heading" && b.level === 1)?.headingText;
  const title = frontTitle ?? firstH1 ?? fileName.replace(/\.[^.]+$/, "");
  const { chunks, sections } = packSections(blocks, opts);
  return { title, chunks: coalesceTinyChunks(chunks, opts.maxChars), sections, ...(notes.length ? { notes } : {}) };
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

// ---------------------------------------------------------------------------------------------
// Markdown

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_CELL_DELIMITER = /^:?-+:?$/;

// Headings (and titles) are cut at MAX_HEADING_CHARS: real headings are far shorter, and every
// chunk of a section carries its path.

const isSpaceOrTab = (c: number) => c === 32 || c === 9;

/**
 * An ATX heading (`## Text ##`): its level and raw text, or undefined. A scan instead of the regular
 * expression it replaces, whose lazy text and optional closing run backtracked quadratically over a long
 * run of spaces (`# a`, 200,000 spaces, `b` took 40 s).
 */
export function parseAtxHeading(line: string): { level: number; text: string } | undefined {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  let level = 0;
  while (level < 7 && line.charCodeAt(i + level) === 35) level++;
  if (level === 0 || level > 6) return undefined;
  let start = i + level;
  if (start < line.length && !isSpaceOrTab(line.charCodeAt(start))) return undefined;
  while (start < line.length && isSpaceOrTab(line.charCodeAt(start))) start++;
  let end = line.length;
  while (end > start && isSpaceOrTab(line.charCodeAt(end - 1))) end--;
  // An optional closing run of #, preceded by a space or tab.
  let hashes = end;
  while (hashes > start && line.charCodeAt(hashes - 1) === 35) hashes--;
  if (hashes < end && hashes > start && isSpaceOrTab(line.charCodeAt(hashes - 1))) {
    end = hashes;
    while (end > start && isSpaceOrTab(line.charCodeAt(end - 1))) end--;
  }
  return { level, text: line.slice(start, end) };
}

/** A table's delimiter row (`| --- | :-: |`): cells of dashes with optional colons, pipes at the ends optional. */
export function isTableDelimiter(line: string): boolean {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|")) row = row.slice(0, -1);
  if (row === "") return false;
  for (const cell of row.split("|")) if (!TABLE_CELL_DELIMITER.test(cell.trim())) return false;
  return true;
}

/** Where an HTML comment opens, when only white space comes before it from `from` on; -1 otherwise. */
function commentOpenAt(line: string, from: number): number {
  let i = from;
  while (i < line.length && isRegexSpace(line.charCodeAt(i))) i++;
  return line.startsWith("<!--", i) ? i : -1;
}

const capHeading = (text: string) => (text.length > MAX_HEADING_CHARS ? text.slice(0, MAX_HEADING_CHARS).trimEnd() : text);

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
        const value = lines[j]!.startsWith("title:") ? lines[j]!.slice("title:".length).trim() : "";
        if (value) title = capHeading(value.replace(/^["']|["']$/g, ""));
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
  // For each line, the first line at or after it that contains "-->" (lines.length when none), so that
  // finding where a comment closes never rescans the rest of the file.
  const closingLine = new Int32Array(lines.length + 1);
  closingLine[lines.length] = lines.length;
  for (let k = lines.length - 1; k >= from; k--) closingLine[k] = lines[k]!.includes("-->") ? k : closingLine[k + 1]!;
  let i = from;
  while (i < lines.length) {
    const line = lines[i]!;
    const lineNo = i + 1;
    // HTML comments carry no prose (generator markers, notes to editors): a closed one is dropped, and
    // the text after it on its last line kept. An unclosed one hides nothing: it is read as text.
    const open = commentOpenAt(line, 0);
    if (open >= 0) {
      let last = i;
      let close = line.indexOf("-->", open + 2);
      if (close < 0) {
        last = closingLine[i + 1]!;
        if (last < lines.length) close = lines[last]!.indexOf("-->");
      }
      if (close >= 0) {
        closePara();
        const lastLine = lines[last]!;
        let rest = close + 3;
        // Further comments on the same line go too.
        for (let next = commentOpenAt(lastLine, rest); next >= 0; next = commentOpenAt(lastLine, rest)) {
          const end = lastLine.indexOf("-->", next + 2);
          if (end < 0) break;
          rest = end + 3;
        }
        const tail = lastLine.slice(rest).trimStart();
        if (tail.trimEnd() !== "") para = { kind: "para", startLine: last + 1, endLine: last + 1, lines: [tail] };
        i = last + 1;
        continue;
      }
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
    const atx = parseAtxHeading(line);
    if (atx) {
      closePara();
      blocks.push({
        kind: "heading",
        startLine: lineNo,
        endLine: lineNo,
        lines: [line],
        level: atx.level,
        headingText: capHeading(cleanHeading(atx.text)),
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
        headingText: capHeading(cleanHeading(text.trim())),
      });
      i++;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && isTableDelimiter(lines[i + 1]!)) {
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

/**
 * Heading text as people read it: link targets, emphasis and trailing anchors removed. Each step does
 * what a regular expression did (named beside it), by a scan that stays linear on hostile text
 * (`[[[[`, `<<<<`, `{#{#{#` made those expressions quadratic).
 */
export function cleanHeading(raw: string): string {
  return stripEmphasis(stripTags(stripLinks(stripTrailingAnchor(raw)))).trim();
}

/** `/\{#[^}]*\}\s*$/` → "" */
function stripTrailingAnchor(s: string): string {
  const t = s.trimEnd();
  if (!t.endsWith("}")) return s;
  const open = t.indexOf("{#", t.lastIndexOf("}", t.length - 2) + 1);
  return open >= 0 ? s.slice(0, open) : s;
}

/** `/!?\[([^\]]*)\]\([^)]*\)/g` → "$1" */
function stripLinks(s: string): string {
  const nextBracket = forwardFinder(s, "]");
  const nextParen = forwardFinder(s, ")");
  let out = "";
  let copied = 0;
  for (let i = s.indexOf("[", copied); i >= 0;) {
    const close = nextBracket(i + 1);
    const paren = close >= 0 && s.charCodeAt(close + 1) === 40 ? nextParen(close + 2) : -1;
    if (close < 0 || (s.charCodeAt(close + 1) === 40 && paren < 0)) break;
    if (paren < 0) {
      i = s.indexOf("[", i + 1);
      continue;
    }
    const start = i > copied && s.charCodeAt(i - 1) === 33 ? i - 1 : i;
    out += s.slice(copied, start) + s.slice(i + 1, close);
    copied = paren + 1;
    i = s.indexOf("[", copied);
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** `/<[^>]+>/g` → "" */
function stripTags(s: string): string {
  const nextClose = forwardFinder(s, ">");
  let out = "";
  let copied = 0;
  for (let i = s.indexOf("<"); i >= 0;) {
    const close = nextClose(i + 1);
    if (close < 0) break;
    if (close === i + 1) {
      i = s.indexOf("<", i + 1);
      continue;
    }
    out += s.slice(copied, i);
    copied = close + 1;
    i = s.indexOf("<", copied);
  }
  return copied === 0 ? s : out + s.slice(copied);
}

const isLineTerminator = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** `/(\*\*|__)(.*?)\1/g` → "$2" (`.` stops at line terminators). */
function stripEmphasis(s: string): string {
  const next = { "**": forwardFinder(s, "**"), __: forwardFinder(s, "__") };
  let nextTerminator = -1;
  let out = "";
  let copied = 0;
  for (let i = 0; i < s.length - 1;) {
    const delimiter = s.startsWith("**", i) ? "**" : s.startsWith("__", i) ? "__" : undefined;
    if (!delimiter) {
      i++;
      continue;
    }
    const close = next[delimiter](i + 2);
    if (nextTerminator < i + 2) {
      nextTerminator = i + 2;
      while (nextTerminator < s.length && !isLineTerminator(s.charCodeAt(nextTerminator))) nextTerminator++;
    }
    if (close < 0 || close > nextTerminator) {
      i++;
      continue;
    }
    out += s.slice(copied, i) + s.slice(i + 2, close);
    copied = i = close + 2;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

// ---------------------------------------------------------------------------------------------
// Plain text (reStructuredText is read by ../formats/rst.ts)

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
