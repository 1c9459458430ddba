// What a unit costs in an excerpt's budget, and how it is cut to fit without breaking its form: a
// code block to its best-matching lines, a table row to its cells' starts, a sentence at a word.
import { splitCells } from "../cards/markdownTables.js";
import { lineScore, type ExcerptQuery } from "./excerptQuery.js";
import type { Unit } from "./excerptUnits.js";

export const MAX_CODE_LINES = 12;

/**
 * A code block as shown: whole up to `maxLines`, else its fences around the run of lines that
 * matches the question best (a JSON key asked about is shown, wherever it is in the block), with
 * "…" where lines are left out.
 */
export function fenceText(fence: readonly string[], query: ExcerptQuery, maxLines = MAX_CODE_LINES): string {
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
export function shownChars(unit: Unit, tablesShown: Set<string>): number {
  return unit.text.length + 1 + (unit.tableHead && !tablesShown.has(unit.tableHead) ? unit.tableHead.length + 1 : 0);
}

/** Text cut at a word boundary to at most `max` characters, with "…" (for a unit that cannot be shown whole at all). */
export function cutAtWord(text: string, max: number): string {
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
export function shrunk(unit: Unit, query: ExcerptQuery, max: number): Unit | undefined {
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
