// Cards for the names a question gives: each name's strongest definition, read from its file.
import type { DocsIndex, TermHit } from "../index/docsIndex.js";
import { headingLabel } from "../index/types.js";
import type { DefinitionCard } from "../../shared/cards.js";
import { fileLinesOf, DocLines } from "../index/search/fileLines.js";
import { buildCard } from "./definitionCard.js";
import { foldName } from "../../shared/names.js";

/** At most this many cards top an answer: a question rarely names more than two things. */
export const MAX_CARDS = 2;

/** The card of one chunk's definition of `term`, read from the chunk's section in its file. */
export async function cardFromChunk(index: DocsIndex, chunkId: number, term: string, cache: DocLines): Promise<DefinitionCard | undefined> {
  const chunk = index.getChunk(chunkId);
  if (!chunk) return undefined;
  const range = index.sectionOf(chunk) ?? { startLine: chunk.startLine, endLine: chunk.endLine };
  const file = await fileLinesOf(chunk.file, cache);
  // The file changed since it was indexed: its lines no longer say where the definition is.
  const current = file !== undefined && file[chunk.startLine - 1] === chunk.text.split("\n")[0] && range.endLine <= file.length;
  const lines = current ? file!.slice(range.startLine - 1, range.endLine) : chunk.text.split("\n");
  const start = current ? range.startLine : chunk.startLine;
  const section = { file: chunk.file, path: chunk.relPath, heading: headingLabel(chunk), startLine: start, endLine: start + lines.length - 1, lines };
  return buildCard(term, section, current ? file : undefined);
}

/** Cards for the exact term hits (strongest definition first), one per distinct name. */
export async function cardsForTerms(index: DocsIndex, termHits: TermHit[], cache: DocLines, max = MAX_CARDS): Promise<DefinitionCard[]> {
  const cards: DefinitionCard[] = [];
  const done = new Set<string>();
  for (const { chunkId, term, askedAs } of termHits) {
    if (cards.length >= max) break;
    const key = term.toLowerCase();
    if (done.has(key)) continue;
    const card = await cardFromChunk(index, chunkId, term, cache);
    if (!card) continue;
    done.add(key);
    cards.push(askedAs ? { ...card, askedAs } : card);
  }
  return cards;
}

/** The card of a name the docs define (for hovers and `define`), or undefined. */
export async function cardForName(index: DocsIndex, name: string): Promise<DefinitionCard | undefined> {
  const cache = new DocLines(index);
  const defs = index.exactTermHits(name, undefined, 3).filter((d) => d.term === foldName(name));
  return (await cardsForTerms(index, defs, cache, 1))[0];
}
