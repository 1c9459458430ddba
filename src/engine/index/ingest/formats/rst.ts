// reStructuredText read into Markdown blocks: sections (underlined, or over- and underlined, levels in
// the order the styles first appear), `list-table` directives, grid and simple tables as pipe tables
// (so their first column defines names, as in Markdown), definition lists as "term" / ": definition";
// every other paragraph is text as written. Each scan reads each line a bounded number of times.
import type { Block, ScannedDocument } from "./block.js";
import { capHeading } from "../headingText.js";
import { pipeTable } from "./markdownTable.js";

const RST_ADORNMENT = /^([=\-`:'"~^_*+#<>.])\1{2,}\s*$/;
/** Grid and simple tables wider than this keep their first columns (real ones have a handful). */
const MAX_COLUMNS = 64;
const LIST_ITEM = /^([-*+•]|\d+[.)]|#\.|\(\d+\))\s/;
const isBlank = (line: string | undefined) => line === undefined || line.trim() === "";
const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * A table cell's RST inline markup as Markdown: `` `text <url>`_ `` links become `[text](url)`,
 * ` ``code`` ` `` `code` ``, a cell that is one substitution (`|Stable|`, a badge) its name.
 */
export function rstCell(cell: string): string {
  const whole = /^\|([^|\s][^|]*)\|$/.exec(cell);
  if (whole) return whole[1]!;
  // Links, by a scan that moves forward only: each part of the cell is sliced once.
  let out = "";
  let copied = 0;
  for (let end = cell.indexOf(">`_"); end >= 0; end = cell.indexOf(">`_", copied)) {
    const between = cell.slice(copied, end);
    const lt = between.lastIndexOf("<");
    const open = between.indexOf("`");
    const after = end + (cell[end + 3] === "_" ? 4 : 3);
    if (lt < 0 || open < 0 || open > lt) out += cell.slice(copied, after);
    else {
      const text = between.slice(open + 1, lt).trim();
      const url = between.slice(lt + 1);
      out += between.slice(0, open) + `[${text || url}](${url})`;
    }
    copied = after;
  }
  return (out + cell.slice(copied)).replace(/``([^`]+)``/g, "`$1`");
}

/** A simple table's border (`=====  ====`): the column ranges, when it has at least two. */
function simpleBorder(line: string): [number, number][] | undefined {
  const t = line.trimEnd();
  if (!t.startsWith("=")) return undefined;
  const columns: [number, number][] = [];
  for (let i = 0; i < t.length && columns.length < MAX_COLUMNS;) {
    if (t[i] === "=") {
      const start = i;
      while (i < t.length && t[i] === "=") i++;
      columns.push([start, i]);
    } else if (t[i] === " ") i++;
    else return undefined;
  }
  return columns.length >= 2 ? columns : undefined;
}

/** A grid table's border (`+----+----+` or `+====+====+`). */
function isGridBorder(line: string): boolean {
  const t = line.trim();
  if (t.length < 3 || t[0] !== "+" || t[t.length - 1] !== "+") return false;
  for (const c of t) if (c !== "+" && c !== "-" && c !== "=") return false;
  return true;
}

function simpleTable(lines: readonly string[], from: number): { end: number; block: Block } | undefined {
  const columns = simpleBorder(lines[from]!);
  if (!columns) return undefined;
  const rows: string[][] = [];
  let headerRows = 0;
  let borders = 1;
  let i = from + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (simpleBorder(line)) {
      borders++;
      if (borders === 2 && !isBlank(lines[i + 1]) && i + 1 < lines.length) {
        headerRows = rows.length;
        continue;
      }
      break;
    }
    if (isBlank(line)) continue;
    // The last column takes the rest of the line.
    const cells = columns.map(([start, end], k) => line.slice(start, k === columns.length - 1 ? undefined : end).trim());
    // A line whose first column is empty continues the row above.
    if (cells[0] === "" && rows.length) rows[rows.length - 1] = rows[rows.length - 1]!.map((c, k) => (cells[k] ? `${c} ${cells[k]}`.trim() : c));
    else rows.push(cells);
  }
  if (i >= lines.length || rows.length === 0) return undefined;
  const header = headerRows > 0 ? rows.slice(0, headerRows).reduce((a, b) => a.map((c, k) => `${c} ${b[k] ?? ""}`.trim())) : [];
  return {
    end: i,
    block: {
      kind: "table",
      startLine: from + 1,
      endLine: i + 1,
      lines: pipeTable(
        header.map(rstCell),
        rows.slice(headerRows).map((r) => r.map(rstCell)),
      ),
    },
  };
}

function gridTable(lines: readonly string[], from: number): { end: number; block: Block } {
  const indent = indentOf(lines[from]!);
  // Column boundaries: the `+` of the first border.
  const border = lines[from]!.trimEnd();
  // At most MAX_COLUMNS columns: each row line is then sliced a bounded number of times.
  const cuts: number[] = [];
  for (let k = 0; k < border.length && cuts.length <= MAX_COLUMNS; k++) if (border[k] === "+") cuts.push(k);
  const rows: string[][] = [];
  let headerRows = 0;
  let current: string[] | undefined;
  let i = from + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (isGridBorder(line) && indentOf(line) === indent) {
      if (current) rows.push(current);
      current = undefined;
      if (line.includes("=")) headerRows = rows.length;
      continue;
    }
    if (!line.trimStart().startsWith("|")) break;
    // Only the columns the line reaches (a short line beside a wide border costs little).
    const cells: string[] = [];
    for (let k = 0; k + 1 < cuts.length && cuts[k]! < line.length; k++)
      cells.push(
        line
          .slice(cuts[k]! + 1, cuts[k + 1])
          .replace(/\|$/, "")
          .trim(),
      );
    if (!current) current = cells;
    else for (let k = 0; k < cells.length; k++) current[k] = `${current[k] ?? ""} ${cells[k]}`.trim();
  }
  if (current) rows.push(current);
  return {
    end: i - 1,
    block: { kind: "table", startLine: from + 1, endLine: i, lines: pipeTable(headerRows ? rows[0]! : [], rows.slice(headerRows ? 1 : 0)) },
  };
}

function listTable(lines: readonly string[], from: number): { end: number; block: Block } {
  const base = indentOf(lines[from]!);
  let headerRows = 0;
  const rows: string[][] = [];
  let i = from + 1;
  let last = from;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line)) continue;
    if (indentOf(line) <= base) break;
    last = i;
    const t = line.trim();
    const option = /^:header-rows:\s*(\d+)/.exec(t);
    if (option) headerRows = Number(option[1]);
    else if (t.startsWith(":")) continue;
    else if (t.startsWith("* - ") || t === "* -") rows.push([t.slice(3).trim()]);
    else if (t.startsWith("- ") || t === "-") rows[rows.length - 1]?.push(t.slice(1).trim());
    else if (rows.length) {
      const row = rows[rows.length - 1]!;
      row[row.length - 1] = `${row[row.length - 1]} ${t}`.trim();
    }
  }
  const header = headerRows > 0 && rows.length ? rows.shift()! : [];
  return {
    end: last,
    block: {
      kind: "table",
      startLine: from + 1,
      endLine: last + 1,
      lines: pipeTable(
        header.map(rstCell),
        rows.map((r) => r.map(rstCell)),
      ),
    },
  };
}

export function scanRst(lines: readonly string[]): ScannedDocument {
  const blocks: Block[] = [];
  const styles: string[] = [];
  let paraStart = -1;
  const flushPara = (endExclusive: number) => {
    if (paraStart >= 0 && endExclusive > paraStart) {
      blocks.push({ kind: "para", startLine: paraStart + 1, endLine: endExclusive, lines: lines.slice(paraStart, endExclusive) });
    }
    paraStart = -1;
  };
  const heading = (style: string, text: string, startLine: number, endLine: number) => {
    if (!styles.includes(style)) styles.push(style);
    const level = styles.indexOf(style) + 1;
    const headingText = capHeading(text);
    blocks.push({ kind: "heading", startLine, endLine, lines: [`${"#".repeat(Math.min(level, 6))} ${headingText}`], level, headingText });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    const hasOverline = RST_ADORNMENT.test(line) && next !== undefined && next.trim() !== "" && RST_ADORNMENT.test(lines[i + 2] ?? "");
    if (hasOverline) {
      flushPara(i);
      heading("o" + line.trim()[0], next.trim(), i + 1, i + 3);
      i += 2;
      continue;
    }
    if (line.trim() !== "" && !RST_ADORNMENT.test(line) && next !== undefined && RST_ADORNMENT.test(next) && next.trim().length >= line.trim().length) {
      flushPara(i);
      heading("u" + next.trim()[0], line.trim(), i + 1, i + 2);
      i += 1;
      continue;
    }
    if (paraStart < 0) {
      const t = line.trim();
      const table = t.startsWith(".. list-table::")
        ? listTable(lines, i)
        : isGridBorder(line)
          ? gridTable(lines, i)
          : simpleBorder(line)
            ? simpleTable(lines, i)
            : undefined;
      if (table) {
        blocks.push(table.block);
        i = table.end;
        continue;
      }
      // A definition list item: a one-line term after a blank line, its definition indented below it.
      if (
        t &&
        indentOf(line) === 0 &&
        isBlank(lines[i - 1]) &&
        !t.endsWith("::") &&
        !t.startsWith("..") &&
        !LIST_ITEM.test(t) &&
        next !== undefined &&
        !isBlank(next) &&
        indentOf(next) > 0
      ) {
        let j = i + 1;
        const definition: string[] = [];
        while (j < lines.length && !isBlank(lines[j]) && indentOf(lines[j]!) > 0) definition.push(lines[j++]!.trim());
        blocks.push({ kind: "para", startLine: i + 1, endLine: j, lines: [t, `: ${definition.join(" ")}`] });
        i = j - 1;
        continue;
      }
    }
    if (line.trim() === "") flushPara(i);
    else if (paraStart < 0) paraStart = i;
  }
  flushPara(lines.length);
  return { blocks, notes: [] };
}
