// The lines of a section that answer a question: its sentences, list items, table rows and code
// blocks scored by the question's words (each weighted by its rarity in the docs), the best kept
// within a character budget and shown in document order as readable Markdown (a table's rows
// under its header, so they render as a table).
import { tokenize } from "../index/tokenizer.js";
import { readableMarkdown } from "../cards/inlineText.js";
import { isDelimiterRow, isTableLine, splitCells } from "../cards/markdownTables.js";

type UnitKind = "sentence" | "item" | "row" | "code" | "quote";

interface Unit {
  kind: UnitKind;
  /** Units of one paragraph, list, table or fence share a block number. */
  block: number;
  /** Position in the section, for document order. */
  order: number;
  /** Index of its (first) line in the section's lines. */
  line: number;
  text: string;
  /** For table rows: the table's header and delimiter lines. */
  tableHead?: string;
  score: number;
}

export interface ExcerptQuery {
  /** Distinct search tokens of the question (stemmed, as the index has them) with their weight (idf). */
  weights: Map<string, number>;
  /** Names the question gives exactly (lowercase): a unit holding one is what the reader asked about. */
  terms: string[];
}

const MAX_CODE_LINES = 12;

export function excerptQuery(question: string, idf: (token: string) => number, terms: string[]): ExcerptQuery {
  const weights = new Map<string, number>();
  for (const t of tokenize(question)) if (!weights.has(t)) weights.set(t, Math.max(0, idf(t)));
  return { weights, terms: terms.map((t) => t.toLowerCase()) };
}

const SENTENCE_END = /(?<=[.!?])\s+(?=[`"'([*_A-Z0-9])/;

/** The section's readable units (headings, comments and link definitions left out). */
function unitsOf(lines: readonly string[]): Unit[] {
  const units: Unit[] = [];
  let block = 0;
  let paragraph: string[] = [];
  let paragraphLine = 0;
  let lineOf = 0;
  const push = (kind: UnitKind, text: string, extra: Partial<Unit> = {}) =>
    units.push({ kind, block, order: units.length, line: lineOf, text, score: 0, ...extra });
  const flushParagraph = () => {
    if (!paragraph.length) return;
    lineOf = paragraphLine;
    for (const sentence of paragraph.join(" ").split(SENTENCE_END)) if (sentence.trim()) push("sentence", sentence.trim());
    paragraph = [];
    block++;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    lineOf = i;
    if (t.startsWith("<!--")) {
      flushParagraph();
      while (i < lines.length && !lines[i]!.includes("-->")) i++;
      continue;
    }
    if (/^(```|~~~)/.test(t)) {
      flushParagraph();
      const fence = [line];
      for (i++; i < lines.length; i++) {
        fence.push(lines[i]!);
        if (lines[i]!.trim().startsWith(t.slice(0, 3))) break;
      }
      const shown = fence.length > MAX_CODE_LINES ? [...fence.slice(0, MAX_CODE_LINES - 1), "…", fence[fence.length - 1]!] : fence;
      push("code", shown.join("\n"));
      block++;
      continue;
    }
    if (t.includes("|") && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
      flushParagraph();
      const tableHead = `${lines[i]!.trim()}\n${lines[i + 1]!.trim()}`;
      for (i += 2; i < lines.length && isTableLine(lines[i]!) && !isDelimiterRow(lines[i]!); i++) push("row", lines[i]!.trim(), { tableHead, line: i });
      i--;
      block++;
      continue;
    }
    if (!t || /^#{1,6}\s/.test(t) || /^\[[^\]]+\]:\s/.test(t) || /^(=+|-+)$/.test(t)) {
      flushParagraph();
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+/.exec(line);
    if (item) {
      flushParagraph();
      const text = [t];
      // Continuation lines: indented, not a new item.
      while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]!) && !/^\s*([-*+]|\d+[.)])\s+/.test(lines[i + 1]!)) text.push(lines[++i]!.trim());
      push("item", text.join(" "));
      continue;
    }
    if (t.startsWith(">")) {
      flushParagraph();
      push("quote", t);
      continue;
    }
    if (units.length && units[units.length - 1]!.kind === "item" && !paragraph.length) block++;
    if (!paragraph.length) paragraphLine = i;
    paragraph.push(t);
  }
  flushParagraph();
  return units;
}

/** Rarity-weighted share of the question's words a unit holds, with a bonus for an exact name. */
function scoreUnit(unit: Unit, query: ExcerptQuery): number {
  const tokens = tokenize(unit.text);
  if (!tokens.length) return 0;
  const have = new Set(tokens);
  let score = 0;
  for (const [t, w] of query.weights) if (have.has(t)) score += w;
  // Long units say many things: a long table row or paragraph matches by volume, not by focus.
  score /= Math.sqrt(Math.max(1, tokens.length / 40));
  const lower = unit.text.toLowerCase();
  for (const term of query.terms) if (lower.includes(term)) score += 2 * Math.max(1, ...query.weights.values());
  return score;
}

/** Characters a unit adds when shown (a table's header counts once per table). */
function shownChars(unit: Unit, tablesShown: Set<string>): number {
  return unit.text.length + 1 + (unit.tableHead && !tablesShown.has(unit.tableHead) ? unit.tableHead.length + 1 : 0);
}

/**
 * The best-matching units of the section within `maxChars` (of readable Markdown), in document
 * order; units in `favoured` (0-based line ranges: the chunks the search ranked) count extra. Units that match nothing are taken only to fill the budget after the ones that match, the
 * unit that follows a chosen one first (an answer often continues in the next sentence).
 */
export function bestExcerpt(
  lines: readonly string[],
  query: ExcerptQuery,
  maxChars: number,
  favoured: readonly { from: number; to: number }[] = [],
): { text: string; complete: boolean } {
  const units = unitsOf(lines.map((l) => readableMarkdown(l)));
  // What the search ranked (favoured line ranges) counts as matching as much as the question's best word.
  const bonus = Math.max(0, ...query.weights.values());
  for (const u of units) u.score = scoreUnit(u, query) + (favoured.some((r) => r.from <= u.line && u.line <= r.to) ? bonus : 0);
  const chosen = new Set<Unit>();
  const tables = new Set<string>();
  let used = 0;
  const take = (u: Unit): boolean => {
    if (chosen.has(u)) return true;
    const cost = shownChars(u, tables);
    if (used + cost > maxChars) return false;
    chosen.add(u);
    used += cost;
    if (u.tableHead) tables.add(u.tableHead);
    return true;
  };
  const ranked = units.filter((u) => u.score > 0).sort((a, b) => b.score - a.score || a.order - b.order);
  for (const u of ranked) take(u);
  // Then what follows the chosen units, best first, and last the section from its start.
  for (const u of ranked) {
    const next = units[u.order + 1];
    if (chosen.has(u) && next && next.block === u.block) take(next);
  }
  for (const u of units) take(u);
  if (chosen.size === 0 && units.length) {
    // Not even one unit fits: the first, cut.
    const first = units[0]!;
    return { text: `${first.text.slice(0, Math.max(0, maxChars - 1))}…`, complete: false };
  }
  return { text: render(units.filter((u) => chosen.has(u))), complete: chosen.size === units.length };
}

/** Units in document order as Markdown: sentences of one paragraph joined, rows under their table header. */
function render(units: Unit[]): string {
  const blocks: string[] = [];
  let previous: Unit | undefined;
  for (const u of units) {
    const sameBlock = previous && previous.block === u.block && previous.kind === u.kind;
    const adjacent = sameBlock && previous!.order === u.order - 1;
    if (u.kind === "sentence" && sameBlock) blocks[blocks.length - 1] += adjacent ? ` ${u.text}` : ` … ${u.text}`;
    else if (u.kind === "row" && sameBlock && previous!.tableHead === u.tableHead) blocks[blocks.length - 1] += `\n${u.text}`;
    else if ((u.kind === "item" || u.kind === "quote") && previous?.kind === u.kind && adjacent) blocks[blocks.length - 1] += `\n${u.text}`;
    else blocks.push(u.kind === "row" ? `${u.tableHead}\n${u.text}` : u.text);
    previous = u;
  }
  return blocks.map(withoutEmptyColumns).join("\n\n");
}

/** A table whose shown rows leave a column empty loses that column (a sidebar is narrow); other blocks pass through. */
function withoutEmptyColumns(block: string): string {
  const lines = block.split("\n");
  if (lines.length < 3 || !isTableLine(lines[0]!) || !isDelimiterRow(lines[1]!)) return block;
  const rows = lines.map(splitCells);
  const width = rows[0]!.length;
  const keep = [...Array(width).keys()].filter((c) => c === 0 || rows.slice(2).some((r) => (r[c] ?? "").trim() !== ""));
  if (keep.length === width) return block;
  return rows.map((r, i) => `| ${keep.map((c) => (i === 1 ? "---" : (r[c] ?? "").replace(/\|/g, "\\|"))).join(" | ")} |`).join("\n");
}
