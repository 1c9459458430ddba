// The lines of a section that answer a question: its sentences, list items, table rows and code
// blocks scored by the question's words (each weighted by its rarity in the docs), the best kept
// within a character budget and shown in document order as readable Markdown (a table's rows
// under its header, so they render as a table). Its parts: excerptUnits.ts (reading the units),
// excerptQuery.ts (scoring them), excerptFit.ts (fitting them to the budget), excerptRender.ts.
import { readableMarkdown } from "../cards/inlineText.js";
import { unitsOf, type Unit } from "./excerptUnits.js";
import { scoreUnit, type ExcerptQuery } from "./excerptQuery.js";
import { cutAtWord, fenceText, shownChars, shrunk } from "./excerptFit.js";
import { render } from "./excerptRender.js";
import { tokenize } from "../index/search/tokenizer.js";

export interface ExcerptOptions {
  /** Units in these 0-based line ranges (the chunks the search ranked) count extra. */
  favoured?: readonly { from: number; to: number }[];
  /**
   * The best-matching unit opens the excerpt (with its list's lead-in or its table's header), the
   * rest following in document order: the fact first.
   */
  bestFirst?: boolean;
  /** Only the units that match and the ones that follow them: no filling of the budget from the section's start (a compact context). */
  matchingOnly?: boolean;
  /**
   * Each question word counts less once a chosen unit holds it (halved per unit that does), so the
   * units chosen next are the ones that hold what is still missing rather than the same words again.
   * The map holds what was covered before (earlier sources) and is updated with what this excerpt covers.
   */
  covered?: Map<string, number>;
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
  // In a compact excerpt a unit must hold a word of the question itself: lying in a ranked chunk is not enough.
  const own = new Map<Unit, number>();
  for (const u of units) {
    own.set(u, scoreUnit(u, query));
    u.score = own.get(u)! + (favoured.some((r) => r.from <= u.line && u.line <= r.to) ? bonus : 0);
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
  const ranked = units.filter((u) => u.score > 0 && (!options.matchingOnly || own.get(u)! > 0)).sort((a, b) => b.score - a.score || a.order - b.order);
  if (options.covered) takeByNeed(ranked, query, options.covered, take, (u) => u.score - own.get(u)!);
  else for (const u of ranked) take(u);
  // Then what follows the chosen units, best first, and last the section from its start.
  for (const u of ranked) {
    const next = units[u.order + 1];
    if (chosen.has(u) && next && next.block === u.block) take(next);
  }
  if (!options.matchingOnly || chosen.size === 0) for (const u of units) take(u);
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
 * Takes the matching units, each time the one that best holds the question's words not yet covered
 * (a word's weight halves for each chosen unit that holds it); `bonus` is a unit's score beyond its
 * words (it lies in a chunk the search ranked). Scores change only when a unit is taken, so after
 * each take the units left are ranked once and tried in that order until one is taken: the work is
 * (units taken, which the budget bounds) x (units), not (units)^2 as rescoring after every try was
 * (a 200 KB table took 36 s). Each unit is tokenized once; its score is computed as scoreUnit does,
 * in the same order of operations, so the choice is the same.
 */
function takeByNeed(matching: Unit[], query: ExcerptQuery, covered: Map<string, number>, take: (u: Unit) => boolean, bonus: (u: Unit) => number): void {
  const words = [...query.weights.keys()];
  const facts = matching.map((unit) => {
    const tokens = tokenize(unit.text);
    const have = new Set(tokens);
    const lower = unit.text.toLowerCase();
    return {
      unit,
      /** Indexes (into `words`, in the question's order) of the question's words the unit holds. */
      held: words.flatMap((w, i) => (have.has(w) ? [i] : [])),
      norm: Math.sqrt(Math.max(1, tokens.length / 40)),
      names: query.terms.filter((term) => lower.includes(term)).length,
      extra: bonus(unit),
      empty: tokens.length === 0,
      score: 0,
    };
  });
  let left = facts;
  while (left.length) {
    const weights = words.map((w) => query.weights.get(w)! / 2 ** (covered.get(w) ?? 0));
    const nameBonus = 2 * Math.max(1, ...weights);
    for (const f of left) {
      let score = 0;
      if (!f.empty) {
        for (const i of f.held) score += weights[i]!;
        score /= f.norm;
        for (let n = 0; n < f.names; n++) score += nameBonus;
      }
      f.score = score + f.extra;
    }
    left.sort((a, b) => b.score - a.score || a.unit.order - b.unit.order);
    const at = left.findIndex((f) => take(f.unit));
    if (at < 0) return;
    const taken = left[at]!;
    // The ones tried before it did not fit (or repeat a shown text): they are out, as before.
    left = left.slice(at + 1);
    for (const i of taken.held) covered.set(words[i]!, (covered.get(words[i]!) ?? 0) + 1);
  }
}
