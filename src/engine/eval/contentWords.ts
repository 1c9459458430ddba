// "Content words", the unit of context recall: what a reference answer says, minus the words every
// sentence has. Defined once here, used by `docent eval --context` and documented in docs/retrieval.md.
import { STOP_WORDS } from "../index/search/tokenizer.js";

/**
 * The distinct content words of a text: lowercased runs of letters and digits (so
 * `http.server.request.duration` gives http, server, request, duration), minus the search
 * tokenizer's stop words and "a", "an", "the". No stemming: "unit" and "units" are two words,
 * so a text must say what the reference says to count.
 */
export function contentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) if (!STOP_WORDS.has(w) && w !== "the" && w !== "a" && w !== "an") words.add(w);
  return words;
}

/** Share of the reference's content words that the text holds (1 when the reference has none). */
export function contentRecall(reference: Set<string>, text: Set<string> | string): number {
  if (reference.size === 0) return 1;
  const have = typeof text === "string" ? contentWords(text) : text;
  let found = 0;
  for (const w of reference) if (have.has(w)) found++;
  return found / reference.size;
}
