// Chosen units back as readable Markdown: a paragraph's sentences joined, rows under their table's
// header (empty columns dropped), a quote's units in one block quote.
import { isDelimiterRow, isTableLine, splitCells } from "../cards/markdownTables.js";
import type { Unit } from "./excerptUnits.js";

/**
 * Units in document order as Markdown: sentences of one paragraph joined, rows under their table
 * header, a quote's units inside one block quote (its alert's name on its first line). `lead`
 * (with its list's lead-in) goes first when given.
 */
export function render(units: Unit[], lead?: Unit, labelled = new Set<number>()): string {
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
