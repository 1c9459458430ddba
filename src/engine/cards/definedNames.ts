// The defined-names table: every name the docs define with its card's facts (instrument or type,
// unit, description, stability, and deprecation with the replacement the docs name), for the code
// check and completion (src/shared/codeCheck). Built once per index version and kept until the
// defined names change.
import type { DocsIndex } from "../index/docsIndex.js";
import { headingLabel } from "../index/types.js";
import { DocLines } from "../index/search/fileLines.js";
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

/** `a.b.<key>` in a code span: a name the docs define for every `key`. */
const TEMPLATE = /`([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\.<[a-z_-]+>`/gi;
/** Definitions of one name tried for a card with facts. */
const MAX_DEFINITIONS_TRIED = 4;

let builds = 0;
const built = new WeakMap<object, { key: string; table: DefinedNamesTable }>();

/** The table for the index as it is now: rebuilt only when its defined names may have changed. */
export async function definedNamesTable(index: DocsIndex): Promise<DefinedNamesTable> {
  const terms = index.terms;
  const key = `${terms.generation}:${index.nextId}`;
  const cached = built.get(terms);
  if (cached?.key === key) return cached.table;
  const cache = new DocLines(index);
  const names: DefinedName[] = [];
  for (const [term, defs] of terms.entries()) {
    if (!term.includes(".")) continue; // the check and completion work on dotted names only
    // The strongest definition that gives facts (a heading elsewhere may name the term more strongly
    // than its registry row does): the first few are tried, strongest first.
    const ranked = [...defs].sort((a, b) => b.strength - a.strength).slice(0, MAX_DEFINITIONS_TRIED);
    let card: DefinitionCard | undefined;
    for (const def of ranked) {
      const found = await cardWithFacts(index, def.chunkId, term, cache);
      card ??= found;
      if (hasFacts(found)) {
        card = found;
        break;
      }
    }
    const chunk = index.getChunk(ranked[0]?.chunkId ?? -1);
    if (!chunk) continue;
    names.push(card ? fromCard(card) : { name: term, path: chunk.relPath, line: chunk.startLine });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const table = { version: `${++builds}:${key}`, names, templates: templatesIn(index) };
  built.set(terms, { key, table });
  return table;
}

const hasFacts = (card: DefinitionCard | undefined) => Boolean(card?.kind || card?.unit || card?.stability);

/**
 * The templated names the docs define (`http.request.header.<key>`), as their fixed part with its
 * dot (`http.request.header.`): the term index keeps no name with `<key>` in it.
 */
function templatesIn(index: DocsIndex): string[] {
  const found = new Set<string>();
  for (const chunk of index.allChunks()) {
    if (!chunk.text.includes(".<")) continue;
    for (const m of chunk.text.matchAll(TEMPLATE)) found.add(`${m[1]!.toLowerCase()}.`);
  }
  return [...found].sort();
}

/** The card of a term's defining chunk; when its file's table hides the name in an anchor, the card read from the chunk without anchors. */
async function cardWithFacts(index: DocsIndex, chunkId: number, term: string, cache: DocLines): Promise<DefinitionCard | undefined> {
  const card = await cardFromChunk(index, chunkId, term, cache);
  if (hasFacts(card)) return card;
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
