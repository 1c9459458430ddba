// Turns Markdown into search terms. The same function serves documents and queries.
// Identifiers such as `http.server.request.duration` or `createEmbeddingContext` are kept whole
// (for exact matches) and also split into their parts (so "request duration" finds them).
import { components } from "@orama/orama";
import { namesIn } from "../../shared/names.js";

const oramaEnglish = components.tokenizer.createTokenizer({ language: "english", stemming: true, stopWords: false });
const stemCache = new Map<string, string>();

/** Porter stem through Orama's own English stemmer, so our terms match what Orama would produce. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = oramaEnglish.normalizeToken.call(oramaEnglish, "", word, false) as string;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

// Function words that carry no meaning for retrieval. Kept short on purpose: "not", "no" and
// the like stay, and domain words ("use", "value") must never be here.
export const STOP_WORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have how i if in into is it its " +
    "me my of on or our so than that the their them then there these they this those to was we were what when where which " +
    "while who whom why will with would you your about also any each more most other some such only own same just should"
  ).split(" "),
);

const LINK_TARGET = /\]\([^)\s]*(?:\s+"[^"]*")?\)/g;
const BARE_URL = /\bhttps?:\/\/\S+/g;
const HTML_TAG = /<\/?[a-zA-Z][^>]*>/g;
// A word, possibly joined to more words by . _ - / : (identifiers, paths, metric names).
const COMPOUND = /[\p{L}\p{N}]+(?:[._\-/:][\p{L}\p{N}]+)*/gu;
const PART = /[\p{L}\p{N}]+/gu;
const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/** Removes what readers do not see: link targets, bare URLs, HTML tags. */
export function stripMarkup(text: string): string {
  return text.replace(LINK_TARGET, "]").replace(BARE_URL, " ").replace(HTML_TAG, " ");
}

export function tokenize(text: string, out: string[] = []): string[] {
  const visible = stripMarkup(text);
  for (const m of visible.matchAll(COMPOUND)) {
    const raw = m[0];
    const lowered = raw.toLowerCase();
    const parts = raw.match(PART)!;
    if (parts.length > 1) out.push(lowered);
    for (const part of parts) pushWord(part, out);
  }
  return out;
}

function pushWord(word: string, out: string[]): void {
  const camel = word.split(CAMEL_BOUNDARY);
  if (camel.length > 1) out.push(word.toLowerCase());
  for (const piece of camel) {
    const lw = piece.toLowerCase();
    if (lw.length === 0 || STOP_WORDS.has(lw)) continue;
    // Very long tokens are hashes, base64 or minified code: they only bloat the index.
    if (lw.length > 64) continue;
    out.push(/^\p{N}+$/u.test(lw) ? lw : stem(lw));
  }
}

/** Candidate identifiers in free text, for exact term lookup (`a.b.c`, `snake_case`, `kebab-name`). */
export function identifierCandidates(text: string): string[] {
  return [...new Set(namesIn(text).map((n) => n.toLowerCase()))];
}
