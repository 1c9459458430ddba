// The defined-names table: every name the docs define with its card's facts (instrument or type,
// unit, description, stability, and deprecation with the replacement the docs name), for the code
// check and completion (src/shared/codeCheck). Built once per index version and kept until the
// defined names change.
import type { DocsIndex } from "../index/docsIndex.js";
import { headingLabel } from "../index/types.js";
import type { DefinedName, DefinedNamesTable } from "../../shared/codeCheck/types.js";
import type { DefinitionCard } from "../../shared/cards.js";
import { cardFromChunk } from "./cardsForTerms.js";
import { buildCard } from "./definitionCard.js";

/** A name in the replacement text: `http.server.request.duration` (no trailing dot). */
const NAME = "([A-Za-z0-9_][A-Za-z0-9_.\\-/:]*[A-Za-z0-9_])";
const REPLACED_BY = new RegExp(`(?:replaced by|renamed to)\\s+${NAME}`, "i");
const USE_INSTEAD = new RegExp(`\\buse\\s+${NAME}\\s+instead`, "i");
/** HTML anchors around a table's first cell (`<a id="x">\`x\`</a>`, the OTel registry's style) hide the name from the card reader. */
const ANCHOR_TAG = /<\/?a\b[^>\n]*>/gi;

let builds = 0;
const built = new WeakMap<object, { key: string; table: DefinedNamesTable }>();

/** The table for the index as it is now: rebuilt only when its defined names may have changed. */
export async function definedNamesTable(index: DocsIndex): Promise<DefinedNamesTable> {
  const terms = index.terms;
  const key = `${terms.generation}:${index.nextId}`;
  const cached = built.get(terms);
  if (cached?.key === key) return cached.table;
  const cache = new Map<string, string[] | undefined>();
  const names: DefinedName[] = [];
  for (const [term, defs] of terms.entries()) {
    if (!term.includes(".")) continue; // the check and completion work on dotted names only
    const strongest = [...defs].sort((a, b) => b.strength - a.strength)[0];
    if (!strongest) continue;
    const card = (await cardWithFacts(index, strongest.chunkId, term, cache)) ?? undefined;
    const chunk = index.getChunk(strongest.chunkId);
    if (!chunk) continue;
    names.push(card ? fromCard(card) : { name: term, path: chunk.relPath, line: chunk.startLine });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const table = { version: `${++builds}:${key}`, names };
  built.set(terms, { key, table });
  return table;
}

/** The card of a term's defining chunk; when its file's table hides the name in an anchor, the card read from the chunk without anchors. */
async function cardWithFacts(index: DocsIndex, chunkId: number, term: string, cache: Map<string, string[] | undefined>): Promise<DefinitionCard | undefined> {
  const card = await cardFromChunk(index, chunkId, term, cache);
  if (card?.kind || card?.unit || card?.stability) return card;
  const chunk = index.getChunk(chunkId);
  if (!chunk || !chunk.text.includes("<a")) return card;
  const lines = chunk.text.replace(ANCHOR_TAG, "").split("\n");
  const section = {
    file: chunk.file,
    path: chunk.relPath,
    heading: headingLabel(chunk),
    startLine: chunk.startLine,
    endLine: chunk.startLine + lines.length - 1,
    lines,
  };
  return buildCard(term, section) ?? card;
}

function fromCard(card: DefinitionCard): DefinedName {
  const stabilityText = (card.stability ?? "").replace(/<br\s*\/?>/gi, " ").trim();
  const deprecated = /\bdeprecated\b/i.test(stabilityText) ? deprecation(stabilityText, card.description) : undefined;
  const stability = deprecated ? "Deprecated" : stabilityText || undefined;
  return {
    name: card.term,
    ...(card.kind ? { kind: card.kind } : {}),
    ...(card.kindLabel ? { kindLabel: card.kindLabel } : {}),
    ...(card.unit ? { unit: card.unit } : {}),
    ...(card.description ? { description: card.description } : {}),
    ...(stability ? { stability } : {}),
    ...(deprecated ? { deprecated } : {}),
    path: card.path,
    line: card.line,
  };
}

/** The replacement the docs name ("Replaced by `x`", "use `x` instead"), and their note when they name none. */
function deprecation(stability: string, description: string | undefined): { replacement?: string; note?: string } {
  const replacement = (REPLACED_BY.exec(stability) ??
    USE_INSTEAD.exec(stability) ??
    REPLACED_BY.exec(description ?? "") ??
    USE_INSTEAD.exec(description ?? ""))?.[1];
  if (replacement) return { replacement };
  const note = stability.replace(/^deprecated\b\s*/i, "").trim();
  return note ? { note } : {};
}
