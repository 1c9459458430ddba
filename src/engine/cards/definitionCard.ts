// Definition cards from the docs' own structure: the row that defines a name in a definition table
// (OTel style: name | instrument | unit | description | stability), the attribute table that
// follows it, a definition list entry, or the first paragraph under a heading that names it.
import type { CardAttribute, DefinitionCard } from "../../shared/cards.js";
import { plainInline } from "./inlineText.js";
import { tablesIn, type MarkdownTable, type TableRow } from "./markdownTables.js";

/** The defining section as read from the file: its lines and where it is. */
export interface SectionText {
  file: string;
  path: string;
  heading: string;
  startLine: number;
  endLine: number;
  /** The section's lines, lines[0] being file line startLine. */
  lines: readonly string[];
}

const MAX_FIELD_CHARS = 300;
const MAX_ATTRIBUTES = 40;

type Field = "kind" | "unit" | "description" | "stability" | "requirement" | "examples";

/** Which card field a table column holds, from its header. */
function columnField(header: string): { field: Field; kindLabel?: string } | undefined {
  const h = plainInline(header).toLowerCase();
  if (/instrument/.test(h)) return { field: "kind", kindLabel: "Instrument" };
  if (/\bunit\b/.test(h)) return { field: "unit" };
  if (/^(value |data )?type$/.test(h)) return { field: "kind", kindLabel: "Type" };
  if (/description|brief|meaning/.test(h)) return { field: "description" };
  if (/stability|status|maturity/.test(h)) return { field: "stability" };
  if (/requirement/.test(h)) return { field: "requirement" };
  if (/example/.test(h)) return { field: "examples" };
  return undefined;
}

const clip = (text: string) => (text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS - 1)}…` : text);

/** "`Conditionally Required` If request has ended…" → "Conditionally Required". */
function leadingPhrase(cell: string): string {
  const ticked = /^\s*`([^`]+)`/.exec(cell);
  return clip(plainInline(ticked ? ticked[1]! : cell));
}

function rowNaming(tables: MarkdownTable[], term: string): { table: MarkdownTable; row: TableRow } | undefined {
  const wanted = term.toLowerCase();
  for (const table of tables) for (const row of table.rows) if (plainInline(row.cells[0] ?? "").toLowerCase() === wanted) return { table, row };
  return undefined;
}

/** A table that lists attributes (its first column is a key or attribute name), other than `except`. */
function attributeTable(tables: MarkdownTable[], except: MarkdownTable | undefined): CardAttribute[] | undefined {
  const table = tables.find((t) => t !== except && /^(key|attribute|attribute key|attribute name)$/i.test(plainInline(t.header[0] ?? "")));
  if (!table) return undefined;
  const column = (re: RegExp) => table.header.findIndex((h) => re.test(plainInline(h).toLowerCase()));
  const requirement = column(/requirement/);
  const type = column(/^(value |data )?type$/);
  return table.rows.slice(0, MAX_ATTRIBUTES).map((row) => ({
    name: plainInline(row.cells[0] ?? ""),
    ...(requirement > 0 && row.cells[requirement] ? { requirement: leadingPhrase(row.cells[requirement]!) } : {}),
    ...(type > 0 && row.cells[type] ? { type: plainInline(row.cells[type]!) } : {}),
  }));
}

/** The first paragraph of prose in the lines (no heading, table, fence, comment or list). */
export function firstProse(lines: readonly string[]): string | undefined {
  const paragraph: string[] = [];
  let inFence = false;
  let inComment = false;
  for (const line of lines) {
    const t = line.trim();
    if (/^(```|~~~)/.test(t)) inFence = !inFence;
    if (t.startsWith("<!--")) inComment = !t.includes("-->");
    else if (inComment) {
      if (t.includes("-->")) inComment = false;
      continue;
    }
    const prose = t && !inFence && !/^(#|\||```|~~~|<!--|<|\[[^\]]+\]:|!\[|[-*+] |\d+\. |>)/.test(t);
    if (prose) paragraph.push(t);
    else if (paragraph.length) break;
  }
  return paragraph.length ? clip(plainInline(paragraph.join(" "))) : undefined;
}

/** "term" on one line and ": definition" on the next. */
function definitionListEntry(lines: readonly string[], term: string): { description: string; index: number } | undefined {
  for (let i = 0; i + 1 < lines.length; i++) {
    if (plainInline(lines[i]!).toLowerCase() !== term.toLowerCase()) continue;
    // ": definition" (a colon, then white space); not /^:\s+(.*)$/, whose \s+ and .* split a run of spaces every way.
    const next = lines[i + 1]!;
    if (next.startsWith(":") && next.length > 1 && next.slice(1, 2).trim() === "") return { description: clip(plainInline(next.slice(1))), index: i };
  }
  return undefined;
}

/**
 * The card for `term` from its defining section. `fileLines` (the whole file) is searched for the
 * defining row when the section itself has none (a heading that names a metric defined in a
 * table further down). Undefined when the section says nothing about the term.
 */
export function buildCard(term: string, section: SectionText, fileLines?: readonly string[]): DefinitionCard | undefined {
  const where = { path: section.path, file: section.file, heading: section.heading, startLine: section.startLine, endLine: section.endLine };
  const tables = tablesIn(section.lines, section.startLine);
  let found = rowNaming(tables, term);
  if (!found && fileLines) found = rowNaming(tablesIn(fileLines, 1), term);
  if (found) {
    const { table, row } = found;
    const card: DefinitionCard = { term: plainInline(row.cells[0]!), ...where, line: row.line };
    table.header.forEach((header, i) => {
      if (i === 0) return;
      const mapped = columnField(header);
      const cell = row.cells[i];
      if (!mapped || !cell || card[mapped.field]) return;
      card[mapped.field] = mapped.field === "requirement" ? leadingPhrase(cell) : clip(plainInline(cell));
      if (mapped.kindLabel) card.kindLabel = mapped.kindLabel;
    });
    // A metric's attributes are listed in its own section, below its definition table.
    const attributes = table.headerLine >= section.startLine && table.headerLine <= section.endLine ? attributeTable(tables, table) : undefined;
    if (attributes?.length) card.attributes = attributes;
    if (!card.description) card.description = firstProse(section.lines.slice(1));
    return card;
  }
  const entry = definitionListEntry(section.lines, term);
  if (entry) return { term, ...where, line: section.startLine + entry.index, description: entry.description };
  // A heading that names the term: its first paragraph describes it.
  const heading = plainInline(section.lines[0] ?? "").replace(/^#+\s*/, "");
  if (heading.toLowerCase().includes(term.toLowerCase())) {
    const description = firstProse(section.lines.slice(1));
    const attributes = attributeTable(tables, undefined);
    if (description || attributes?.length)
      return { term, ...where, line: section.startLine, ...(description ? { description } : {}), ...(attributes?.length ? { attributes } : {}) };
  }
  return undefined;
}
