// The lines of a section that answer a question: its sentences, list items, table rows and code
// blocks scored by the question's words (each weighted by its rarity in the docs), the best kept
// within a character budget and shown in document order as readable Markdown (a table's rows
// under its header, so they render as a table).
import { tokenize } from "../index/search/tokenizer.js";
import { readableMarkdown } from "../cards/inlineText.js";
import { isDelimiterRow, isTableLine, splitCells } from "../cards/markdownTables.js";

type UnitKind = "sentence" | "item" | "row" | "code";

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
  /** For list items: the sentence that introduces the list, shown whenever an item is. */
  leadIn?: Unit;
  /** For code: the fence's lines, opening and closing fences included (the text shows at most MAX_CODE_LINES of them). */
  fence?: string[];
  /** For what is inside a block quote: the quote (one per quote), and its alert's name ("Important") if it is one. */
  quote?: { id: number; label?: string };
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
const ITEM = /^(\s*)([-*+]|\d+[.)])\s+/;
const FENCE = /^\s*(```|~~~)/;
/**
 * An alert or admonition marker on a line of its own: "[!IMPORTANT]", "[IMPORTANT]", "**Note**"
 * (what readableMarkdown makes of "> [!NOTE]"). It names the kind of what follows; it is never shown alone.
 */
const ADMONITION = /^\s*(?:\[!?(NOTE|TIP|IMPORTANT|WARNING|CAUTION|DANGER|INFO)\]|\*\*(NOTE|TIP|IMPORTANT|WARNING|CAUTION|DANGER|INFO):?\*\*:?)\s*$/i;

/** The alert's name as a reader sees it ("[!IMPORTANT]" -> "Important"), if the line is only an alert marker. */
export function admonitionName(line: string): string | undefined {
  const m = ADMONITION.exec(line);
  const name = m?.[1] ?? m?.[2];
  return name ? name[0]!.toUpperCase() + name.slice(1).toLowerCase() : undefined;
}

/** The section's readable units (headings, comments and link definitions left out). */
function unitsOf(lines: readonly string[]): Unit[] {
  const units: Unit[] = [];
  let block = 0;
  let quotes = 0;
  const parse = (lines: readonly string[], base: number, quote?: Unit["quote"]) => {
    let paragraph: string[] = [];
    let paragraphLine = 0;
    let lineOf = 0;
    /** The last sentence of a paragraph followed so far only by blank lines: a list after it is introduced by it. */
    let leadIn: Unit | undefined;
    /** The lead-in of the list being read. */
    let listLeadIn: Unit | undefined;
    /** An alert marker outside a quote ("[!NOTE]" on its own line): it labels the next sentence. */
    let label: string | undefined;
    const push = (kind: UnitKind, text: string, extra: Partial<Unit> = {}) => {
      const unit: Unit = { kind, block, order: units.length, line: base + lineOf, text, score: 0, ...(quote ? { quote } : {}), ...extra };
      units.push(unit);
      return unit;
    };
    const flushParagraph = () => {
      if (!paragraph.length) return;
      lineOf = paragraphLine;
      let last: Unit | undefined;
      for (const sentence of paragraph.join(" ").split(SENTENCE_END)) {
        if (!sentence.trim()) continue;
        last = push("sentence", label ? `**${label}:** ${sentence.trim()}` : sentence.trim());
        label = undefined;
      }
      paragraph = [];
      block++;
      leadIn = last;
    };
    /** Something other than a paragraph or a list item starts: no list continues past it. */
    const endList = () => {
      flushParagraph();
      leadIn = listLeadIn = undefined;
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
      if (FENCE.test(line)) {
        endList();
        const marker = t.slice(0, 3);
        const fence = [line];
        for (i++; i < lines.length; i++) {
          fence.push(lines[i]!);
          if (lines[i]!.trim().startsWith(marker)) break;
        }
        // A fence the section does not close (a chunk's own text) is closed, so nothing after it reads as code.
        if (fence.length < 2 || !fence[fence.length - 1]!.trim().startsWith(marker)) fence.push(line.slice(0, line.indexOf(marker) + 3));
        push("code", fence.join("\n"), { fence });
        block++;
        continue;
      }
      if (!paragraph.length && /^(\s{4}|\t)\S/.test(line) && !listLeadIn && (i === 0 || !lines[i - 1]!.trim())) {
        // An indented code block: kept whole, as a fence.
        endList();
        const body: string[] = [];
        for (; i < lines.length && (/^(\s{4}|\t)/.test(lines[i]!) || !lines[i]!.trim()); i++) body.push(lines[i]!.replace(/^(\s{4}|\t)/, ""));
        while (body.length && !body[body.length - 1]!.trim()) body.pop();
        i--;
        const fence = ["```", ...body, "```"];
        push("code", fence.join("\n"), { fence });
        block++;
        continue;
      }
      if (!paragraph.length && /^[{[]\s*$/.test(t)) {
        // A JSON block outside a fence: up to its closing bracket at the same indentation, kept whole.
        const indent = /^\s*/.exec(line)![0];
        const close = t === "{" ? "}" : "]";
        let j = i + 1;
        while (j < lines.length && !(lines[j]!.startsWith(indent + close) && /^\s*[}\]],?\s*$/.test(lines[j]!)) && lines[j]!.trim()) j++;
        if (j < lines.length && lines[j]!.trim()) {
          endList();
          const fence = ["```json", ...lines.slice(i, j + 1), "```"];
          push("code", fence.join("\n"), { fence });
          block++;
          i = j;
          continue;
        }
      }
      if (t.includes("|") && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
        endList();
        const tableHead = `${lines[i]!.trim()}\n${lines[i + 1]!.trim()}`;
        for (i += 2; i < lines.length && lines[i]!.includes("|") && lines[i]!.trim() && !isDelimiterRow(lines[i]!); i++) {
          lineOf = i;
          push("row", lines[i]!.trim(), { tableHead });
        }
        i--;
        block++;
        continue;
      }
      if (!t) {
        flushParagraph();
        continue;
      }
      if (/^#{1,6}\s/.test(t) || /^\[[^\]]+\]:\s/.test(t) || /^(=+|-+|\*+|_+)$/.test(t)) {
        endList();
        continue;
      }
      const alert = admonitionName(t);
      if (alert) {
        // Never a unit of its own: it labels what follows (a quote's label is shown with the quote).
        flushParagraph();
        label = alert;
        continue;
      }
      if (t.startsWith(">")) {
        endList();
        // The whole quote, read as a section of its own; an alert marker at its top labels it.
        const inner: string[] = [];
        const first = i;
        for (; i < lines.length && lines[i]!.trim().startsWith(">"); i++) inner.push(lines[i]!.replace(/^\s*>\s?/, ""));
        i--;
        const name = admonitionName(inner[0] ?? "");
        if (name) inner[0] = "";
        parse(inner, base + first, { id: quotes++, ...(name ? { label: name } : {}) });
        block++;
        continue;
      }
      const item = ITEM.exec(line);
      if (item) {
        flushParagraph();
        if (!listLeadIn) listLeadIn = leadIn;
        leadIn = undefined;
        label = undefined;
        const text = [t];
        // Continuation lines: indented, not a new item, not a fence (a code block in an item is a unit of its own).
        while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]!) && !ITEM.test(lines[i + 1]!) && !FENCE.test(lines[i + 1]!))
          text.push(lines[++i]!.trim());
        push("item", text.join(" "), listLeadIn ? { leadIn: listLeadIn } : {});
        continue;
      }
      if (units.length && units[units.length - 1]!.kind === "item" && !paragraph.length) {
        block++;
        listLeadIn = undefined;
      }
      if (!paragraph.length) paragraphLine = i;
      paragraph.push(t);
    }
    flushParagraph();
  };
  parse(lines, 0);
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

/** How well one line matches the question: the weights of the question's words it holds. */
function lineScore(line: string, query: ExcerptQuery): number {
  const have = new Set(tokenize(line));
  let score = 0;
  for (const [t, w] of query.weights) if (have.has(t)) score += w;
  const lower = line.toLowerCase();
  for (const term of query.terms) if (lower.includes(term)) score += 2 * Math.max(1, ...query.weights.values());
  return score;
}

/**
 * A code block as shown: whole up to `maxLines`, else its fences around the run of lines that
 * matches the question best (a JSON key asked about is shown, wherever it is in the block), with
 * "…" where lines are left out.
 */
function fenceText(fence: readonly string[], query: ExcerptQuery, maxLines = MAX_CODE_LINES): string {
  if (fence.length <= maxLines) return fence.join("\n");
  const body = fence.slice(1, -1);
  const room = Math.max(1, maxLines - 4);
  const scores = body.map((l) => lineScore(l, query));
  // The window of `room` lines with the highest score (the first such window: a block's start reads best).
  let best = 0;
  let bestScore = -1;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    sum += scores[i]!;
    if (i >= room) sum -= scores[i - room]!;
    const start = Math.max(0, i - room + 1);
    if (i >= room - 1 && sum > bestScore) {
      bestScore = sum;
      best = start;
    }
  }
  // A little context before the first matching line when the window starts at it.
  const firstMatch = scores.findIndex((v, i) => i >= best && v > 0);
  if (firstMatch === best && best > 0) best = Math.max(0, best - Math.min(2, room - 1));
  const shown = body.slice(best, best + room);
  return [fence[0]!, ...(best > 0 ? ["…"] : []), ...shown, ...(best + room < body.length ? ["…"] : []), fence[fence.length - 1]!].join("\n");
}

/** Characters a unit adds when shown (a table's header counts once per table). */
function shownChars(unit: Unit, tablesShown: Set<string>): number {
  return unit.text.length + 1 + (unit.tableHead && !tablesShown.has(unit.tableHead) ? unit.tableHead.length + 1 : 0);
}

/** Text cut at a word boundary to at most `max` characters, with "…" (for a unit that cannot be shown whole at all). */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 1));
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * A unit made to fit `max` characters without breaking its form: a code block loses lines (its
 * fences stay), a table row its longest cells' ends (it stays a row under its header), a sentence
 * or item its end.
 */
function shrunk(unit: Unit, query: ExcerptQuery, max: number): Unit | undefined {
  if (unit.fence) {
    for (let lines = Math.min(unit.fence.length, MAX_CODE_LINES) - 1; lines >= 5; lines--) {
      const text = fenceText(unit.fence, query, lines);
      if (text.length + 1 <= max) return { ...unit, text };
    }
    return undefined;
  }
  if (unit.kind === "row") {
    const room = max - (unit.tableHead?.length ?? 0) - 2;
    const cells = splitCells(unit.text);
    if (room < 4 * cells.length + 4) return undefined;
    const each = Math.floor((room - 4 - 3 * cells.length) / cells.length);
    const text = `| ${cells.map((c) => cutAtWord(c.trim(), Math.max(2, each)).replace(/\|/g, "\\|")).join(" | ")} |`;
    return text.length + (unit.tableHead?.length ?? 0) + 2 <= max ? { ...unit, text } : undefined;
  }
  return max > 20 ? { ...unit, text: cutAtWord(unit.text, max - 1) } : undefined;
}

export interface ExcerptOptions {
  /** Units in these 0-based line ranges (the chunks the search ranked) count extra. */
  favoured?: readonly { from: number; to: number }[];
  /**
   * The best-matching unit opens the excerpt (with its list's lead-in or its table's header), the
   * rest following in document order: the fact first.
   */
  bestFirst?: boolean;
}

/**
 * The best-matching units of the section within `maxChars` (of readable Markdown), in document
 * order; units in `favoured` (0-based line ranges: the chunks the search ranked) count extra. Units that match nothing are taken only to fill the budget after the ones that match, the
 * unit that follows a chosen one first (an answer often continues in the next sentence). A list
 * item comes with the sentence that introduces its list; code, rows and items are never cut while
 * anything else fits.
 */
export function bestExcerpt(
  lines: readonly string[],
  query: ExcerptQuery,
  maxChars: number,
  favouredOrOptions: readonly { from: number; to: number }[] | ExcerptOptions = [],
): { text: string; complete: boolean } {
  const options: ExcerptOptions = Array.isArray(favouredOrOptions) ? { favoured: favouredOrOptions } : (favouredOrOptions as ExcerptOptions);
  const favoured = options.favoured ?? [];
  const units = unitsOf(lines.map((l) => readableMarkdown(l)));
  // What the search ranked (favoured line ranges) counts as matching as much as the question's best word.
  const bonus = Math.max(0, ...query.weights.values());
  for (const u of units) {
    u.score = scoreUnit(u, query) + (favoured.some((r) => r.from <= u.line && u.line <= r.to) ? bonus : 0);
    if (u.fence) u.text = fenceText(u.fence, query);
  }
  const chosen = new Set<Unit>();
  const tables = new Set<string>();
  // A unit whose text a chosen unit already shows (a paragraph repeated on the page) is not shown twice.
  const shownTexts = new Set<string>();
  const textKey = (u: Unit) =>
    u.text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  let used = 0;
  const take = (u: Unit): boolean => {
    if (chosen.has(u)) return true;
    // A list item is read with the sentence that introduces its list.
    const lead = u.leadIn && !chosen.has(u.leadIn) ? u.leadIn : undefined;
    const cost = shownChars(u, tables) + (lead ? shownChars(lead, tables) : 0);
    if (used + cost > maxChars) return false;
    const key = textKey(u);
    if (shownTexts.has(key)) return false;
    shownTexts.add(key);
    if (lead) {
      chosen.add(lead);
      shownTexts.add(textKey(lead));
    }
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
    // Not even one unit fits whole: the best one, made smaller without breaking its form.
    const best = ranked[0] ?? units.find((u) => !u.fence) ?? units[0]!;
    const small = shrunk(best, query, maxChars);
    if (small) return { text: render([small]), complete: false };
    return { text: cutAtWord(best.fence ? best.fence.slice(1, -1).join(" ") : best.text, Math.max(2, maxChars)), complete: false };
  }
  const shown = units.filter((u) => chosen.has(u));
  const lead = options.bestFirst ? ranked.find((u) => chosen.has(u)) : undefined;
  return { text: render(shown, lead), complete: chosen.size === units.length };
}

/**
 * Units in document order as Markdown: sentences of one paragraph joined, rows under their table
 * header, a quote's units inside one block quote (its alert's name on its first line). `lead`
 * (with its list's lead-in) goes first when given.
 */
function render(units: Unit[], lead?: Unit, labelled = new Set<number>()): string {
  const first = lead ? [lead.leadIn, lead].filter((u): u is Unit => !!u && units.includes(u)) : [];
  if (first.some((u, i) => units[i] !== u)) {
    const rest = units.filter((u) => !first.includes(u));
    // A quote split in two is labelled once, where it is shown first.
    return [render(first, undefined, labelled), render(rest, undefined, labelled)].filter(Boolean).join("\n\n");
  }
  const blocks: { text: string; quote?: Unit["quote"] }[] = [];
  let previous: Unit | undefined;
  for (const u of units) {
    const sameBlock = previous && previous.block === u.block && previous.kind === u.kind;
    const adjacent = sameBlock && previous!.order === u.order - 1;
    const last = blocks[blocks.length - 1];
    if (u.kind === "sentence" && sameBlock) last!.text += adjacent ? ` ${u.text}` : ` … ${u.text}`;
    else if (u.kind === "row" && sameBlock && previous!.tableHead === u.tableHead) last!.text += `\n${u.text}`;
    else if (u.kind === "item" && previous?.kind === u.kind && adjacent) last!.text += `\n${u.text}`;
    else blocks.push({ text: u.kind === "row" ? `${u.tableHead}\n${u.text}` : u.text, ...(u.quote ? { quote: u.quote } : {}) });
    previous = u;
  }
  // Blocks of one quote become one block quote.
  const out: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const quote = blocks[i]!.quote;
    if (!quote) {
      out.push(withoutEmptyColumns(blocks[i]!.text));
      continue;
    }
    const inside: string[] = [];
    for (; i < blocks.length && blocks[i]!.quote?.id === quote.id; i++) inside.push(withoutEmptyColumns(blocks[i]!.text));
    i--;
    let body = inside.join("\n\n");
    if (quote.label && !labelled.has(quote.id))
      body = /^([-*+]|\d+[.)])\s|^\||^```|^~~~/.test(body) ? `**${quote.label}:**\n\n${body}` : `**${quote.label}:** ${body}`;
    labelled.add(quote.id);
    out.push(
      body
        .split("\n")
        .map((l) => (l ? `> ${l}` : ">"))
        .join("\n"),
    );
  }
  return out.join("\n\n");
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
