// Pipe tables in a range of Markdown lines: header cells, and body rows with their line numbers.

export interface TableRow {
  cells: string[];
  /** 1-based line number in the file. */
  line: number;
}

export interface MarkdownTable {
  header: string[];
  /** Line of the header row (1-based). */
  headerLine: number;
  rows: TableRow[];
}

export function isTableLine(line: string): boolean {
  return /^\s*\|/.test(line);
}

/** One cell of a delimiter row, trimmed: `---`, `:--`, `--:` or `:-:` (two dashes at least). */
function isDelimiterCell(cell: string): boolean {
  const start = cell.startsWith(":") ? 1 : 0;
  const end = cell.length > start && cell.endsWith(":") ? cell.length - 1 : cell.length;
  if (end - start < 2) return false;
  for (let i = start; i < end; i++) if (cell[i] !== "-") return false;
  return true;
}

/**
 * A table's delimiter row (`| --- | :-: |`, with or without outer pipes). A scan of the cells, not a
 * pattern: /^\s*\|?\s*:?-{2,}.../ tried every split of a run of spaces between its two \s*, so a
 * line of 40,000 spaces under a line holding "|" took seconds on every answer and hover.
 */
export function isDelimiterRow(line: string): boolean {
  let row = line.trim();
  if (!row.includes("-")) return false;
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|")) row = row.slice(0, -1);
  return row.split("|").every((cell) => isDelimiterCell(cell.trim()));
}

/** A row's cells: split at pipes that are neither escaped (`\|`) nor inside backticks. */
export function splitCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  const text = line.trim().replace(/^\|/, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && text[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (c === "`") {
      inCode = !inCode;
      cell += c;
    } else if (c === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  if (cell.trim()) cells.push(cell.trim());
  return cells;
}

/**
 * The tables among `lines`, whose first element is file line `firstLine`. A table is a header row,
 * a delimiter row and the body rows that follow.
 */
export function tablesIn(lines: readonly string[], firstLine: number): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.includes("|") || !isDelimiterRow(lines[i + 1]!)) continue;
    const table: MarkdownTable = { header: splitCells(lines[i]!), headerLine: firstLine + i, rows: [] };
    let j = i + 2;
    for (; j < lines.length && isTableLine(lines[j]!) && !isDelimiterRow(lines[j]!); j++)
      table.rows.push({ cells: splitCells(lines[j]!), line: firstLine + j });
    tables.push(table);
    i = j - 1;
  }
  return tables;
}
