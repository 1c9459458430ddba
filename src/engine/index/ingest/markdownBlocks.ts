// Markdown into blocks: front matter, ATX and setext headings, code fences, tables, paragraphs and
// closed HTML comments; heading text cleaned as people read it.
// Everything here reads document text, which may be hostile: each scan is linear in the text's length
// (no regular expression that can backtrack over a long run of characters).
import type { Block } from "./chunkTypes.js";
import { capHeading, cleanHeading } from "./headingText.js";
import { isRegexSpace } from "../search/textScanners.js";

/** A code fence's opening line; its group is the marker (three or more backticks or tildes). */
export const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The marker of the code fence `line` opens, or undefined. A backtick fence's info string may not
 * hold a backtick (CommonMark): "```js`x`" is a paragraph with a code span, not a fence.
 */
export function openingFence(line: string): string | undefined {
  const run = FENCE_OPEN.exec(line);
  if (!run) return undefined;
  const marker = run[1]!;
  return marker[0] === "`" && line.includes("`", run[0].length) ? undefined : marker;
}

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

/** The cells of a table row, as GFM counts them: split at each `|` not escaped, the outer pipes dropped. */
export function tableRowCellCount(line: string): number {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  let cells = 1;
  for (let i = 0; i < row.length; i++) {
    const c = row.charCodeAt(i);
    if (c === 92)
      i++; // a backslash escapes the next character, `|` included
    else if (c === 124) cells++;
  }
  return cells;
}

/** A thematic break (`***`, `___`, `- - -`): three or more of one of `*-_`, spaces and tabs between. */
function isThematicBreak(line: string): boolean {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  const mark = line[i];
  if (mark !== "*" && mark !== "-" && mark !== "_") return false;
  let count = 0;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (c === mark) count++;
    else if (c !== " " && c !== "\t") return false;
  }
  return count >= 3;
}

/** A line that opens a list item or a block quote: what follows it belongs to that container. */
const opensContainer = (line: string) => /^ {0,3}([-*+]|\d{1,9}[.)])([ \t]|$)|^ {0,3}>/.test(line);

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

/** YAML front matter (`---` ... `---` or `...`, `title: X`) or TOML (`+++` ... `+++`, `title = "X"`, Hugo's). */
export function readFrontMatter(lines: string[]): FrontMatter {
  const opening = lines[0]?.trim();
  if (opening !== "---" && opening !== "+++") return { endIndex: 0 };
  const toml = opening === "+++";
  const key = toml ? /^title\s*=/ : /^title:/;
  const limit = Math.min(lines.length, 500);
  for (let i = 1; i < limit; i++) {
    const t = lines[i]!.trim();
    if (toml ? t === "+++" : t === "---" || t === "...") {
      let title: string | undefined;
      for (let j = 1; j < i; j++) {
        const found = key.exec(lines[j]!);
        const value = found ? lines[j]!.slice(found[0].length).trim() : "";
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
        // A paragraph of its own: the next line starts afresh, as after CommonMark's HTML block.
        if (tail.trimEnd() !== "") blocks.push({ kind: "para", startLine: last + 1, endLine: last + 1, lines: [tail] });
        i = last + 1;
        continue;
      }
    }
    const marker = openingFence(line);
    if (marker) {
      closePara();
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
    // A setext underline makes the whole paragraph above it a heading (CommonMark), unless the
    // paragraph is the text of a list item or block quote, where the underline is text or a rule.
    if (para && SETEXT_UNDERLINE.test(line) && !para.lines.some(opensContainer)) {
      const text = para.lines.map((l) => l.trim()).join(" ");
      blocks.push({
        kind: "heading",
        startLine: para.startLine,
        endLine: lineNo,
        lines: [...para.lines, line],
        level: line.trim().startsWith("=") ? 1 : 2,
        headingText: capHeading(cleanHeading(text)),
      });
      para = undefined;
      i++;
      continue;
    }
    if (isThematicBreak(line)) {
      closePara();
      i++;
      continue;
    }
    // A table: a row, then a delimiter row with as many cells (GFM; `a | b` over `---` is a heading).
    if (line.includes("|") && i + 1 < lines.length && isTableDelimiter(lines[i + 1]!) && tableRowCellCount(line) === tableRowCellCount(lines[i + 1]!)) {
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
