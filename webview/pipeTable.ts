// A table as Markdown text for an editor tab (DOM-free, so Node tests run it).

/**
 * A pipe table of rows of cells (the first row its header), each column padded to its widest cell,
 * so that an editor's fixed-width text shows the columns aligned.
 */
export function pipeTable(rows: string[][]): string {
  if (rows.length === 0) return "";
  // Reduced, never spread into Math.max: a table from the docs can have any number of rows.
  const columns = rows.reduce((most, r) => Math.max(most, r.length), 0);
  const width = (text: string) => [...text].length;
  const widths = Array.from({ length: columns }, (_, i) => rows.reduce((most, r) => Math.max(most, width(r[i] ?? "")), 3));
  const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? "") + " ".repeat(w - width(cells[i] ?? ""))).join(" | ")} |`;
  return [line(rows[0]!), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n") + "\n";
}
