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

const DELIMITER = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;

export function isTableLine(line: string): boolean {
  return /^\s*\|/.test(line);
}

export function isDelimiterRow(line: string): boolean {
  return DELIMITER.test(line);
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
