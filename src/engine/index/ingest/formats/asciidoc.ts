// AsciiDoc read into Markdown blocks by a line scanner of our own: the document title and sections
// (`=` .. `======`), tables (`|===`, `,===`, `:===`, with `[cols=...]` and header rows), listings and
// literal blocks as code, admonitions, lists and definition lists as text; document attributes,
// comments and block attributes are not text, and `include::` is not followed (a note says so).
// Not @asciidoctor/core: bundled it adds 830 KB minified, and it took 119 s on 2 MB of `|` in one
// table (2.2 s on an unterminated listing); this scan reads each line once (the file is hostile input:
// no regular expression here runs over an unbounded run of characters that it could backtrack on).
import { forwardFinder } from "../../search/textScanners.js";
import type { Block, ScannedDocument } from "./block.js";
import { capHeading } from "../headingText.js";
import { pipeTable } from "./markdownTable.js";

const ADMONITIONS = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"];
/** Deeper list levels are shown at this depth: a run of 100,000 `*` is not 200,000 spaces of indent. */
const MAX_LIST_DEPTH = 6;
/** A cell spec (`2+`, `3*`, `.2+^.>a`) is short; a longer token before a `|` is text. */
const MAX_SPEC_CHARS = 12;
const CELL_SPEC = /^(?:\d+\*)?(?:\d*(?:\.\d+)?\+)?[<^>]?(?:\.[<^>])?[adehlmsv]?$/;

const isBlank = (line: string) => line.trim() === "";

/** A line of one character repeated at least `min` times (a delimiter such as `----`), and nothing else. */
function isRun(line: string, char: string, min: number): boolean {
  const t = line.trimEnd();
  if (t.length < min) return false;
  for (let i = 0; i < t.length; i++) if (t[i] !== char) return false;
  return true;
}

/** `== Title`: its level (number of `=`) and text, or undefined. */
function sectionTitle(line: string): { level: number; text: string } | undefined {
  let level = 0;
  while (level < 7 && line.charCodeAt(level) === 61) level++;
  if (level === 0 || level > 6) return undefined;
  const c = line.charCodeAt(level);
  if (c !== 32 && c !== 9) return undefined;
  const text = line.slice(level).trim();
  return text ? { level, text } : undefined;
}

/**
 * AsciiDoc inline markup that Markdown writes differently: `link:url[text]` and `https://url[text]`
 * become `[text](url)`, `image:url[alt]` `![alt](url)`, `xref:file[text]` and `<<id,text>>` their
 * text. Backticked code, `*strong*` and `_emphasis_` read the same.
 */
export function asciidocInline(text: string): string {
  if (!text.includes("[") && !text.includes("<<")) return text;
  const nextOpen = forwardFinder(text, "[");
  const nextClose = forwardFinder(text, "]");
  let out = "";
  let copied = 0;
  // Where the current word starts: moved forward only, so finding each macro's target stays linear.
  let wordStart = 0;
  let scanned = 0;
  for (let i = nextOpen(0); i >= 0; i = nextOpen(i + 1)) {
    // The macro's target runs back from `[` to white space (or the line's start).
    for (; scanned < i; scanned++) if (/\s/.test(text[scanned]!)) wordStart = scanned + 1;
    const start = Math.max(wordStart, copied);
    const target = text.slice(start, i);
    const close = nextClose(i + 1);
    if (close < 0) break;
    const label = text.slice(i + 1, close);
    let replacement: string | undefined;
    if (target.startsWith("image:")) replacement = `![${label}](${target.slice(target.startsWith("image::") ? 7 : 6)})`;
    else if (target.startsWith("link:")) replacement = `[${label || target.slice(5)}](${target.slice(5)})`;
    else if (target.startsWith("xref:")) replacement = label || target.slice(5);
    else if (/^(https?|ftp|mailto):/.test(target)) replacement = `[${label || target}](${target})`;
    if (replacement === undefined) continue;
    out += text.slice(copied, start) + replacement;
    copied = close + 1;
    i = close;
    for (; scanned < i; scanned++) if (/\s/.test(text[scanned]!)) wordStart = scanned + 1;
  }
  const linked = copied === 0 ? text : out + text.slice(copied);
  return linked.includes("<<") ? crossReferences(linked) : linked;
}

/** `<<id>>` → id, `<<id,text>>` → text. */
function crossReferences(text: string): string {
  const nextClose = forwardFinder(text, ">>");
  let out = "";
  let copied = 0;
  for (let i = text.indexOf("<<"); i >= 0; i = text.indexOf("<<", copied)) {
    const close = nextClose(i + 2);
    if (close < 0) break;
    const inner = text.slice(i + 2, close);
    const comma = inner.indexOf(",");
    out += text.slice(copied, i) + (comma >= 0 ? inner.slice(comma + 1).trim() : inner);
    copied = close + 2;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

interface TableOptions {
  columns?: number;
  header?: boolean;
}

/** What a block attribute line (`[cols="1,2", options="header"]`, `[source,java]`, `[NOTE]`) says. */
interface BlockAttributes {
  table: TableOptions;
  language?: string;
  admonition?: string;
}

function readBlockAttributes(line: string): BlockAttributes {
  const inner = line.trim().slice(1, -1);
  const attrs: BlockAttributes = { table: {} };
  const first = inner.split(",", 1)[0]!.trim();
  if (ADMONITIONS.includes(first)) attrs.admonition = first;
  if (first === "source" || first === "listing") attrs.language = inner.split(",")[1]?.trim();
  if (/(^|[,%\s"])header\b/.test(inner) && !/noheader/.test(inner)) attrs.table.header = true;
  if (/noheader/.test(inner)) attrs.table.header = false;
  const cols = /cols\s*=\s*"?([^"\]]*)"?/.exec(inner.slice(0, 2000));
  if (cols) {
    const spec = cols[1]!.trim();
    const repeated = /^(\d+)\*/.exec(spec);
    attrs.table.columns = repeated ? Number(repeated[1]) : spec.split(/[,;]/).length;
  }
  return attrs;
}

/**
 * A table's cells in the order written: `|` starts a cell (a cell spec such as `2+` or `a` may come
 * just before it), a line that starts without one continues the cell before it. CSV and DSV tables
 * (`,===`, `:===`) split each line at the separator.
 */
function tableCells(lines: readonly string[], separator: string): { cells: string[]; firstLineCells: number; blankAfterFirst: boolean } {
  const cells: string[] = [];
  let firstLineCells = -1;
  let blankAfterFirst = false;
  let pendingSpan = 1;
  let pendingCopies = 1;
  const add = (text: string) => {
    for (let c = 0; c < pendingCopies; c++) {
      cells.push(text);
      for (let s = 1; s < pendingSpan; s++) cells.push("");
    }
    pendingSpan = 1;
    pendingCopies = 1;
  };
  const spec = (token: string) => {
    const copies = /^(\d+)\*/.exec(token);
    const span = /^(?:\d+\*)?(\d+)\+/.exec(token);
    pendingCopies = copies ? Math.min(Number(copies[1]), 1000) : 1;
    pendingSpan = span ? Math.min(Number(span[1]), 1000) : 1;
  };
  let open = false;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (isBlank(line)) {
      if (firstLineCells >= 0 && k > 0 && cells.length === firstLineCells && !blankAfterFirst) blankAfterFirst = true;
      continue;
    }
    if (separator !== "|") {
      for (const cell of line.split(separator)) add(cell.trim());
      if (firstLineCells < 0) firstLineCells = cells.length;
      continue;
    }
    const parts = splitUnescaped(line, "|");
    // The text before the first `|`: more of the open cell, or a cell spec for the next cell.
    for (let p = 0; p < parts.length; p++) {
      let part = parts[p]!;
      const last = p === parts.length - 1;
      if (!last) {
        const token = trailingToken(part);
        if (token && token.length <= MAX_SPEC_CHARS && CELL_SPEC.test(token) && (p > 0 || part.trim() === token)) {
          part = part.slice(0, part.length - token.length);
          if (p === 0) {
            spec(token);
            continue;
          }
          if (open) cells[cells.length - 1] = joinCell(cells[cells.length - 1]!, part);
          spec(token);
          add("");
          continue;
        }
      }
      if (p === 0) {
        if (part.trim() && open) cells[cells.length - 1] = joinCell(cells[cells.length - 1]!, part);
        if (!last) {
          add("");
          open = true;
        }
        continue;
      }
      cells[cells.length - 1] = joinCell(cells[cells.length - 1]!, part);
      if (!last) {
        add("");
        open = true;
      }
    }
    if (firstLineCells < 0) firstLineCells = cells.length;
  }
  return { cells, firstLineCells: Math.max(firstLineCells, 0), blankAfterFirst };
}

const joinCell = (cell: string, more: string) => (cell && more.trim() ? `${cell} ${more.trim()}` : cell || more.trim());

/** The last white-space-separated word of `text` when `text` ends in it (a cell spec sits right before `|`). */
function trailingToken(text: string): string {
  let i = text.length;
  while (i > 0 && i > text.length - MAX_SPEC_CHARS - 1 && !/\s/.test(text[i - 1]!)) i--;
  return i === 0 || /\s/.test(text[i - 1]!) ? text.slice(i) : "";
}

/** `text` split at `sep` not preceded by a backslash (`\|` is a literal pipe). */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let from = 0;
  let part = "";
  for (let i = text.indexOf(sep); i >= 0; i = text.indexOf(sep, i + 1)) {
    if (i > 0 && text[i - 1] === "\\") {
      part += text.slice(from, i - 1) + sep;
      from = i + 1;
      continue;
    }
    parts.push(part + text.slice(from, i));
    part = "";
    from = i + 1;
  }
  parts.push(part + text.slice(from));
  return parts;
}

function tableBlock(lines: readonly string[], startLine: number, endLine: number, separator: string, options: TableOptions): Block {
  const { cells, firstLineCells, blankAfterFirst } = tableCells(lines, separator);
  const columns = Math.max(1, options.columns ?? firstLineCells);
  const rows: string[][] = [];
  // A row with no text says nothing (and 2 MB of `|` would otherwise be a table of empty cells to index).
  for (let i = 0; i < cells.length; i += columns) {
    const row = cells.slice(i, i + columns);
    if (row.some((c) => c !== "")) rows.push(row.map(asciidocInline));
  }
  // The header: asked for, or implicit (the first line holds one whole row and a blank line follows).
  const hasHeader = options.header ?? (blankAfterFirst && firstLineCells === columns);
  const header = hasHeader && rows.length ? rows.shift()! : [];
  return { kind: "table", startLine, endLine, lines: pipeTable(header, rows) };
}

export function scanAsciidoc(lines: readonly string[]): ScannedDocument {
  const blocks: Block[] = [];
  const notes: string[] = [];
  let title: string | undefined;
  let para: Block | undefined;
  let attrs: BlockAttributes | undefined;
  const closePara = () => {
    if (para) blocks.push(para);
    para = undefined;
  };
  const addLine = (lineNo: number, text: string) => {
    if (!para) para = { kind: "para", startLine: lineNo, endLine: lineNo, lines: [] };
    para.lines.push(text);
    para.endLine = lineNo;
  };
  /** The index of the line that closes a delimited block opened at `i` (lines.length when unclosed). */
  const closing = (i: number, delimiter: string) => {
    let j = i + 1;
    while (j < lines.length && lines[j]!.trimEnd() !== delimiter) j++;
    return j;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const trimmed = line.trimEnd();
    if (isBlank(line)) {
      closePara();
      continue;
    }
    // Comments: `////` blocks and `//` lines.
    if (isRun(trimmed, "/", 4)) {
      closePara();
      i = closing(i, trimmed);
      continue;
    }
    if (trimmed.startsWith("//")) continue;
    // Listings, literal and passthrough blocks: code.
    if (isRun(trimmed, "-", 4) || isRun(trimmed, ".", 4) || isRun(trimmed, "+", 4)) {
      closePara();
      const end = closing(i, trimmed);
      const body = lines.slice(i + 1, end);
      const language = trimmed[0] === "-" ? (attrs?.language ?? "") : "";
      const last = Math.min(end, lines.length - 1);
      // Fence lines stand where the delimiters are (an unclosed block stays open, as in Markdown).
      const fenced = end < lines.length ? ["```" + language, ...body, "```"] : ["```" + language, ...body];
      blocks.push({ kind: "fence", startLine: lineNo, endLine: last + 1, lines: fenced });
      attrs = undefined;
      i = last;
      continue;
    }
    // Tables.
    const tableSeparator = /^[|,:!]===+$/.test(trimmed) ? trimmed[0]! : undefined;
    if (tableSeparator) {
      closePara();
      const end = closing(i, trimmed);
      const last = Math.min(end, lines.length - 1);
      blocks.push(tableBlock(lines.slice(i + 1, end), lineNo, last + 1, tableSeparator === "!" ? "!" : tableSeparator, attrs?.table ?? {}));
      attrs = undefined;
      i = last;
      continue;
    }
    // Example, sidebar, quote and open blocks hold ordinary content: their delimiters are not text.
    if (isRun(trimmed, "=", 4) || isRun(trimmed, "*", 4) || isRun(trimmed, "_", 4) || trimmed === "--") {
      closePara();
      if (attrs?.admonition) blocks.push({ kind: "para", startLine: lineNo, endLine: lineNo, lines: [`**${attrs.admonition}:**`] });
      attrs = undefined;
      continue;
    }
    const section = sectionTitle(trimmed);
    if (section) {
      closePara();
      const text = capHeading(asciidocInline(section.text));
      if (section.level === 1) title ??= text;
      blocks.push({
        kind: "heading",
        startLine: lineNo,
        endLine: lineNo,
        lines: [`${"#".repeat(section.level)} ${text}`],
        level: section.level,
        headingText: text,
      });
      attrs = undefined;
      continue;
    }
    // Document attributes (`:name: value`), block attributes and anchors (`[...]`), block titles (`.Title`).
    if (trimmed.startsWith(":") && /^:!?[\w][\w-]*!?:/.test(trimmed.slice(0, 200))) {
      closePara();
      continue;
    }
    if (trimmed.startsWith("[") && trimmed.endsWith("]") && !para) {
      if (!trimmed.startsWith("[[")) attrs = readBlockAttributes(trimmed);
      continue;
    }
    if (trimmed.startsWith("include::")) {
      closePara();
      notes.push(`line ${lineNo}: ${trimmed.slice(0, 200)} not followed (includes are not read)`);
      continue;
    }
    if (/^(image|video|audio|toc)::/.test(trimmed)) {
      closePara();
      continue;
    }
    if (trimmed.length > 1 && trimmed[0] === "." && trimmed[1] !== "." && trimmed[1] !== " " && !para) {
      blocks.push({ kind: "para", startLine: lineNo, endLine: lineNo, lines: [`**${asciidocInline(trimmed.slice(1))}**`] });
      continue;
    }
    const text = asciidocInline(trimmed.trim());
    // List items: `*`, `-` and `.` bullets (more of them nest deeper) become Markdown items.
    const bullet = /^(\*{1,}|-|\.{1,})[ \t]+\S/.test(text.slice(0, MAX_LIST_DEPTH + 50)) ? text.indexOf(" ") : -1;
    if (bullet > 0) {
      const marker = text.slice(0, bullet);
      const depth = Math.min(marker.length, MAX_LIST_DEPTH) - 1;
      addLine(lineNo, `${"  ".repeat(depth)}${marker[0] === "." ? "1." : "-"} ${text.slice(bullet).trim()}`);
      continue;
    }
    // Definition lists: `term:: definition` (or the definition on the lines after), as "term" / ": definition".
    const dl = definitionTerm(text);
    if (dl) {
      closePara();
      if (dl.definition) {
        // One source line, two Markdown lines: the blank line after it (if any) takes the second.
        const roomy = i + 1 < lines.length && isBlank(lines[i + 1]!);
        blocks.push({
          kind: "para",
          startLine: lineNo,
          endLine: roomy ? lineNo + 1 : lineNo,
          lines: roomy ? [dl.term, `: ${dl.definition}`] : [`${dl.term}: ${dl.definition}`],
        });
        if (roomy) i++;
      } else {
        addLine(lineNo, dl.term);
        const next = lines[i + 1];
        if (next !== undefined && !isBlank(next)) {
          addLine(lineNo + 1, `: ${asciidocInline(next.trim())}`);
          i++;
        }
      }
      continue;
    }
    const admonition = ADMONITIONS.find((a) => text.startsWith(`${a}: `));
    if (admonition && !para) {
      addLine(lineNo, `**${admonition[0]}${admonition.slice(1).toLowerCase()}:** ${text.slice(admonition.length + 2)}`);
      continue;
    }
    if (attrs?.admonition && !para) {
      addLine(lineNo, `**${attrs.admonition}:** ${text}`);
      attrs = undefined;
      continue;
    }
    addLine(lineNo, text);
  }
  closePara();
  return { blocks, ...(title ? { title } : {}), notes };
}

/** `term:: definition` (also `:::`, `::::` and `;;`): the term and the definition on the same line (may be empty). */
function definitionTerm(text: string): { term: string; definition: string } | undefined {
  for (const marker of ["::", ";;"]) {
    const at = text.indexOf(marker);
    if (at <= 0) continue;
    let end = at + 2;
    while (marker === "::" && end < text.length && text[end] === ":" && end < at + 4) end++;
    if (end < text.length && text[end] !== " " && text[end] !== "\t") continue;
    return { term: text.slice(0, at).trim(), definition: text.slice(end).trim() };
  }
  return undefined;
}
