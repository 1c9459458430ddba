// Block-level Markdown parsing: fences, headings, rules, quotes, tables, lists and paragraphs
// (pure, no DOM); paragraph text goes to inlines.ts.
import { MAX_DEPTH, type Block, type Inline } from "./ast.js";
import { parseInlines } from "./inlines.js";
import { isSpace, trimEndSpaces } from "./text.js";

export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").split("\n"), 0);
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE = /^ {0,3}>/;
const LIST_ITEM = /^([ \t]*)([-*+]|(\d{1,9})([.)]))([ \t]+|$)(.*)$/;
/** Wider tables stay text: each row makes a cell per header column, so columns times rows must stay small. */
const MAX_TABLE_COLUMNS = 64;

interface ListMarker {
  indent: number;
  ordered: boolean;
  /** "-", "*", "+" for bullets, "." or ")" for numbers: a different one starts a new list. */
  kind: string;
  start: number;
  /** Column where the item's content starts; continuation lines indented this far belong to it. */
  contentIndent: number;
  rest: string;
}

const isBlank = (line: string): boolean => /^[ \t]*$/.test(line);

/** A heading's text without its optional closing "#"s (which need a space before them, or nothing). */
function headingTitle(raw: string): string {
  const text = trimEndSpaces(raw);
  let hashes = text.length;
  while (hashes > 0 && text[hashes - 1] === "#") hashes--;
  if (hashes < text.length && (hashes === 0 || isSpace(text[hashes - 1]))) return text.slice(0, hashes).trim();
  return text.trim();
}

/** A table's delimiter row: "| --- | :-: |", each cell dashes with optional colons. */
function isTableDelimiter(line: string): boolean {
  if (indentOf(line) > 3 || !line.includes("-")) return false;
  const cells = splitRow(line);
  return cells.length <= MAX_TABLE_COLUMNS && cells.every((cell) => /^:?-+:?$/.test(cell));
}

/** Leading whitespace in columns, a tab reaching the next multiple of 4. */
function indentOf(line: string): number {
  let cols = 0;
  for (const ch of line) {
    if (ch === " ") cols++;
    else if (ch === "\t") cols += 4 - (cols % 4);
    else break;
  }
  return cols;
}

/** Removes up to `cols` columns of leading whitespace. */
function dedent(line: string, cols: number): string {
  let used = 0;
  let i = 0;
  while (i < line.length && used < cols) {
    const ch = line[i];
    if (ch === " ") used++;
    else if (ch === "\t") used += 4 - (used % 4);
    else break;
    i++;
  }
  return line.slice(i);
}

function listMarker(line: string): ListMarker | undefined {
  const m = LIST_ITEM.exec(line);
  if (!m) return undefined;
  const indent = indentOf(m[1]!);
  const marker = m[2]!;
  const spaces = m[5]!.replace(/\t/g, "    ").length;
  const rest = m[6]!;
  // Five or more spaces after the marker would be indented code in CommonMark: count one.
  const gap = rest === "" || spaces > 4 ? 1 : spaces;
  return {
    indent,
    ordered: m[3] !== undefined,
    kind: m[4] ?? marker,
    start: m[3] !== undefined ? Number(m[3]) : 1,
    contentIndent: indent + marker.length + gap,
    rest: spaces > 4 ? m[5]!.slice(1) + rest : rest,
  };
}

function opensFence(line: string): RegExpExecArray | undefined {
  const m = FENCE.exec(line);
  // A backtick fence's info string cannot contain a backtick (that is inline code).
  if (!m || (m[2]![0] === "`" && m[3]!.includes("`"))) return undefined;
  return m;
}

/** Lines that end a paragraph (and a list item's lazy continuation) without a blank line. */
function startsBlock(line: string): boolean {
  return opensFence(line) !== undefined || HEADING.test(line) || RULE.test(line) || QUOTE.test(line);
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ type: "paragraph", children: parseInlines(paragraph.join("\n").trim(), depth) });
    paragraph = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      flush();
      i++;
      continue;
    }

    const fence = opensFence(line);
    if (fence) {
      flush();
      const indent = fence[1]!.length;
      const mark = fence[2]!;
      const body: string[] = [];
      i++;
      // An unclosed fence (a streamed answer mid-block) runs to the end.
      while (i < lines.length) {
        const close = FENCE_CLOSE.exec(lines[i]!);
        if (close && close[1]![0] === mark[0] && close[1]!.length >= mark.length) {
          i++;
          break;
        }
        body.push(dedent(lines[i]!, indent));
        i++;
      }
      blocks.push({ type: "code", lang: fence[3]!.trim().split(/\s+/)[0] ?? "", text: body.join("\n") });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      const title = headingTitle(heading[2] ?? "");
      blocks.push({ type: "heading", level: heading[1]!.length, children: parseInlines(title, depth) });
      i++;
      continue;
    }

    const setext = paragraph.length > 0 ? SETEXT.exec(line) : null;
    if (setext) {
      const text = paragraph.join("\n").trim();
      paragraph = [];
      blocks.push({ type: "heading", level: setext[1]![0] === "=" ? 1 : 2, children: parseInlines(text, depth) });
      i++;
      continue;
    }

    if (RULE.test(line)) {
      flush();
      blocks.push({ type: "rule" });
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      flush();
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) {
        inner.push(lines[i]!.replace(/^ {0,3}> ?/, ""));
        i++;
      }
      blocks.push({ type: "quote", children: depth < MAX_DEPTH ? parseBlocks(inner, depth + 1) : [plainParagraph(inner)] });
      continue;
    }

    if (line.includes("|") && i + 1 < lines.length && lines[i + 1]!.includes("|") && isTableDelimiter(lines[i + 1]!)) {
      const header = splitRow(line);
      if (header.length === splitRow(lines[i + 1]!).length) {
        flush();
        i += 2;
        const rows: Inline[][][] = [];
        while (i < lines.length && !isBlank(lines[i]!) && lines[i]!.includes("|") && !startsBlock(lines[i]!)) {
          // Only the cells a row has (at most one per column): padding "|x" to the header's width would
          // make a short line into many cells.
          const cells = splitRow(lines[i]!).slice(0, header.length);
          rows.push(cells.map((cell) => parseInlines(cell, depth)));
          i++;
        }
        blocks.push({ type: "table", header: header.map((cell) => parseInlines(cell, depth)), rows });
        continue;
      }
    }

    const marker = listMarker(line);
    // As in CommonMark, only a bullet or "1." can interrupt a paragraph ("2024. was..." cannot).
    if (marker && !(paragraph.length > 0 && (marker.rest === "" || (marker.ordered && marker.start !== 1)))) {
      flush();
      const list = parseList(lines, i, marker, depth);
      blocks.push(list.block);
      i = list.next;
      continue;
    }

    paragraph.push(line.replace(/^[ \t]+/, ""));
    i++;
  }
  flush();
  return blocks;
}

function plainParagraph(lines: string[]): Block {
  return { type: "paragraph", children: [{ type: "text", text: lines.join("\n").trim() }] };
}

function sameList(a: ListMarker, b: ListMarker): boolean {
  return a.ordered === b.ordered && a.kind === b.kind;
}

function parseList(lines: string[], from: number, first: ListMarker, depth: number): { block: Block; next: number } {
  const items: Block[][] = [];
  let i = from;
  let marker = first;
  for (;;) {
    const itemLines = [marker.rest];
    i++;
    while (i < lines.length) {
      const line = lines[i]!;
      if (isBlank(line)) {
        let j = i + 1;
        while (j < lines.length && isBlank(lines[j]!)) j++;
        if (j < lines.length && indentOf(lines[j]!) >= marker.contentIndent) {
          for (; i < j; i++) itemLines.push("");
          continue;
        }
        break;
      }
      const indent = indentOf(line);
      if (indent >= marker.contentIndent) {
        itemLines.push(dedent(line, marker.contentIndent));
        i++;
        continue;
      }
      const inner = listMarker(line);
      // Models often indent a sub-list by two spaces under "1. ": more than the parent's marker is enough.
      if (inner && indent > marker.indent) {
        itemLines.push(dedent(line, indent));
        i++;
        continue;
      }
      if (inner || startsBlock(line)) break;
      // Lazy continuation of the item's last paragraph.
      if (!isBlank(itemLines[itemLines.length - 1]!)) {
        itemLines.push(line.replace(/^[ \t]+/, ""));
        i++;
        continue;
      }
      break;
    }
    items.push(depth < MAX_DEPTH ? parseBlocks(itemLines, depth + 1) : [plainParagraph(itemLines)]);

    let j = i;
    while (j < lines.length && isBlank(lines[j]!)) j++;
    const next = j < lines.length ? listMarker(lines[j]!) : undefined;
    if (!next || !sameList(first, next) || next.indent > first.indent + 3 || RULE.test(lines[j]!)) break;
    marker = next;
    i = j;
  }
  return { block: { type: "list", ordered: first.ordered, start: first.start, items }, next: i };
}
