// The question as excerpts read it (its words weighted by their rarity in the docs, and the names
// it gives exactly), and how well a unit or a line of code matches it.
import { tokenize } from "../index/search/tokenizer.js";
import type { Unit } from "./excerptUnits.js";

export interface ExcerptQuery {
  /** Distinct search tokens of the question (stemmed, as the index has them) with their weight (idf). */
  weights: Map<string, number>;
  /** Names the question gives exactly (lowercase): a unit holding one is what the reader asked about. */
  terms: string[];
}

export function excerptQuery(question: string, idf: (token: string) => number, terms: string[]): ExcerptQuery {
  const weights = new Map<string, number>();
  for (const t of tokenize(question)) if (!weights.has(t)) weights.set(t, Math.max(0, idf(t)));
  return { weights, terms: terms.map((t) => t.toLowerCase()) };
}

/** Rarity-weighted share of the question's words a unit holds, with a bonus for an exact name. */
export function scoreUnit(unit: Unit, query: ExcerptQuery): number {
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
export function lineScore(line: string, query: ExcerptQuery): number {
  const have = new Set(tokenize(line));
  let score = 0;
  for (const [t, w] of query.weights) if (have.has(t)) score += w;
  const lower = line.toLowerCase();
  for (const term of query.terms) if (lower.includes(term)) score += 2 * Math.max(1, ...query.weights.values());
  return score;
}
