// Table cells as a Markdown pipe table, the form the card and excerpt code read.

const escapeCell = (cell: string) => cell.replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");

/** `header` empty: the table has no header row, and gets an empty one (a pipe table needs it). */
export function pipeTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  let columns = header.length;
  for (const row of rows) columns = Math.max(columns, row.length);
  columns = Math.max(columns, 1);
  const line = (cells: readonly string[]) => {
    const padded = Array.from({ length: columns }, (_, i) => escapeCell(cells[i] ?? ""));
    return `| ${padded.join(" | ")} |`;
  };
  return [line(header), `|${" --- |".repeat(columns)}`, ...rows.map(line)];
}
