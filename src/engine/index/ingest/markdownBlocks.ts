// Markdown into blocks: front matter, ATX and setext headings, code fences, tables, paragraphs and
// closed HTML comments; heading text cleaned as people read it.
// Everything here reads document text, which may be hostile: each scan is linear in the text's length
// (no regular expression that can backtrack over a long run of characters).
import type { Block } from "./chunkTypes.js";
import { capHeading, cleanHeading } from "./headingText.js";
import { isRegexSpace } from "../search/textScanners.js";

/** A code fence's opening line; its group is the marker (three or more backticks or tildes). */
export const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

/** Whether `line` closes the fence `marker` opened: the same character, at least as many, nothing after. */
export function closesFence(line: string, marker: string): boolean {
  const run = FENCE_OPEN.exec(line);
  return run !== null && run[1]![0] === marker[0] && run[1]!.length >= marker.length && line.slice(run[0].length).trim() === "";
}
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_CELL_DELIMITER = /^:?-+:?$/;

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

interface FrontMatter {
  title?: string;
  /** Index of the first line after the front matter (0 when there is none). */
  endIndex: number;
}

export function readFrontMatter(lines: string[]): FrontMatter {
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

export function parseMarkdownBlocks(lines: string[], from: number): Block[] {
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
      while (j < lines.length && !closesFence(lines[j]!, marker)) j++;
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
