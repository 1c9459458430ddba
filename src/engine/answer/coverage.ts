// Whether the docs cover a question (the share of its words the best hit holds, read as the docs
// spell them), and what the reader is told about its spelling and, when they do not, why.
import type { DocsIndex } from "../index/docsIndex.js";
import { correctedStems, type QuerySpelling } from "../index/search/correction.js";
import { tokenize } from "../index/search/tokenizer.js";
import type { SearchHit } from "../index/types.js";
import type { SpellingNote } from "../../shared/answer.js";

/**
 * Share of the question's words found in the hit, each weighted by its rarity in the docs (idf),
 * read as the docs spell them (correction.ts): a misspelt word counts as its correction. A word
 * the docs never use under any correction weighs as much as the average of the question's other
 * words (not as the rarest word there is: one word the docs do not use must not hide a section
 * that matches the rest), and short ones ("teh") not at all. A question must also match the
 * section by at least one word as written, or by the correction of a word of six letters or more:
 * "bake bread" is one edit from "make read", and no evidence that the docs cover baking.
 */
export function questionCoverage(index: DocsIndex, question: string, hit: SearchHit): number {
  const spelling = index.spellingOf(question);
  const inHit = new Set(tokenize(`${hit.chunk.title} ${hit.chunk.relPath} ${hit.chunk.headingPath.join(" ")} ${hit.chunk.text}`));
  let found = 0;
  let total = 0;
  let anchored = false;
  let known = 0;
  for (const w of new Set(tokenize(question))) {
    // Unknown words (misspelt or not) are weighed below, through their corrections; names through
    // their parts (misspelt ones through their corrected parts).
    if (index.bm25.docFrequency(w) === 0) continue;
    const weight = index.bm25.idf(w);
    total += weight;
    known++;
    if (inHit.has(w)) {
      found += weight;
      anchored = true;
    }
  }
  for (const correction of spelling.words) {
    const stems = [...correctedStems(correction)];
    // Weighed as the best reading would be (a rarer second reading must not make it count more).
    const weight = Math.max(...tokenize(correction.to[0]!).map((t) => index.bm25.idf(t)));
    total += weight;
    known++;
    if (stems.some((t) => inHit.has(t))) {
      found += weight;
      if (correction.from.length >= 6) anchored = true;
    }
  }
  if (known === 0 || !anchored) return 0;
  total += spelling.unknown.length * (total / known);
  return total > 0 ? found / total : 0;
}

const MAX_NOTED_WORDS = 8;

/** How the question was read, for the reader: undefined when every word is as the docs spell it. */
export function spellingNote(spelling: QuerySpelling, termHits: readonly { askedAs?: string }[]): SpellingNote | undefined {
  // A misspelt name is shown by its card or hit ("Did you mean"), and so are its parts' corrections;
  // a name that got neither is listed here.
  const carded = new Set(termHits.map((t) => t.askedAs));
  const cardedParts = new Set([...carded].flatMap((name) => name?.split(/[._\-/:]/) ?? []));
  const corrected = spelling.words.filter((c) => !cardedParts.has(c.from)).map((c) => ({ from: c.from, to: c.to[0]! }));
  for (const c of spelling.names) if (!carded.has(c.from)) corrected.push({ from: c.from, to: c.to[0]! });
  if (corrected.length === 0 && spelling.unknown.length === 0) return undefined;
  // A note, not a list: a pasted page of made-up words is named by its first few.
  return { corrected: corrected.slice(0, MAX_NOTED_WORDS), notFound: spelling.unknown.slice(0, MAX_NOTED_WORDS) };
}

/** Why the docs do not seem to cover a question, naming the words they never use. */
export function notCoveredNote(spelling: SpellingNote | undefined, anyHit: boolean, hasEmbedder: boolean): string {
  const notFound = spelling?.notFound ?? [];
  if (notFound.length === 0) return anyHit ? "No section matches enough of the question's words." : "No section matches the question.";
  const words = notFound.map((w) => `"${w}"`).join(", ");
  const hint = hasEmbedder ? "" : " An embedding model (Docent: Select Model) also finds sections that say it in other words.";
  return `The docs never use ${words}${anyHit ? ", and no section matches enough of the rest" : ""}.${hint}`;
}
