// Turns Markdown into search terms. The same function serves documents and queries.
// Identifiers such as `http.server.request.duration` or `createEmbeddingContext` are kept whole
// (for exact matches) and also split into their parts (so "request duration" finds them).
// Chinese, Japanese and Korean runs are cut into words by cjkWords.ts.
import { components } from "@orama/orama";
import { foldName, namesIn } from "../../../shared/names.js";
import { cjkWords, hasCjk, scriptRuns } from "./cjkWords.js";
import { forwardFinder, forwardScanner, isRegexSpace } from "./textScanners.js";
import { ownString } from "../../util/ownString.js";

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

const BARE_URL = /\bhttps?:\/\/\S+/g;
// A word, possibly joined to more words by . _ - / : (identifiers, paths, metric names).
const COMPOUND = /[\p{L}\p{N}]+(?:[._\-/:][\p{L}\p{N}]+)*/gu;
const PART = /[\p{L}\p{N}]+/gu;
/** Where a camel-case word splits (`createEmbeddingContext`, `HTTPServer`); the spelling side splits queries the same way. */
export const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/** Removes what readers do not see: link targets, bare URLs, HTML tags. Linear in the text's length. */
export function stripMarkup(text: string): string {
  return stripHtmlTags(stripLinkTargets(text).replace(BARE_URL, " "));
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * What `text.replace(/\]\([^)\s]*(?:\s+"[^"]*")?\)/g, "]")` did, by a scan: that expression rescanned
 * the rest of the text from every `](` (quadratic on `](](](…`).
 */
export function stripLinkTargets(text: string): string {
  const stopOfTarget = forwardScanner(text, (c) => c === 41 || isRegexSpace(c));
  const endOfSpace = forwardScanner(text, (c) => !isRegexSpace(c));
  const nextQuote = forwardFinder(text, '"');
  let out = "";
  let copied = 0;
  for (let i = text.indexOf("](", copied); i >= 0;) {
    let end = -1;
    const stop = stopOfTarget(i + 2);
    if (stop >= text.length) break;
    if (text.charCodeAt(stop) === 41) end = stop;
    else {
      // A title after the target: `](url "title")`.
      const quote = endOfSpace(stop);
      const closing = text.charCodeAt(quote) === 34 ? nextQuote(quote + 1) : -1;
      if (closing >= 0 && text.charCodeAt(closing + 1) === 41) end = closing + 1;
    }
    if (end < 0) {
      i = text.indexOf("](", i + 1);
      continue;
    }
    out += text.slice(copied, i) + "]";
    copied = end + 1;
    i = text.indexOf("](", copied);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * What `text.replace(/<\/?[a-zA-Z][^>]*>/g, " ")` did, by a scan: that expression rescanned the rest of
 * the text from every `<a` (quadratic on `<a<a<a…`, 400 KB of it in a code fence took minutes).
 */
export function stripHtmlTags(text: string): string {
  const nextClose = forwardFinder(text, ">");
  let out = "";
  let copied = 0;
  for (let i = text.indexOf("<", copied); i >= 0;) {
    const nameAt = text.charCodeAt(i + 1) === 47 ? i + 2 : i + 1;
    if (isLetter(text.charCodeAt(nameAt))) {
      const close = nextClose(i + 1);
      if (close < 0) break;
      out += text.slice(copied, i) + " ";
      copied = close + 1;
      i = text.indexOf("<", copied);
    } else i = text.indexOf("<", i + 1);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * The terms of each word (or compound) seen, since docs repeat their words: splitting, lowering
 * and stemming are pure, so a word's terms are worked out once. Bounded like the stem cache.
 * `words` are its parts as written (lowercased, unstemmed) for the spelling index, and `seen` the
 * epoch of the last word sink they were given to (see tokenize).
 */
interface CompoundTerms {
  readonly terms: readonly string[];
  readonly words: readonly string[];
  seen: number;
}
const termsCache = new Map<string, CompoundTerms>();

/**
 * Where the words of indexed text go (the spelling index). A compound's words are offered once
 * per epoch, not once per occurrence: a docs tree says "duration" thousands of times.
 */
export interface WordSink {
  readonly epoch: number;
  add(words: readonly string[]): void;
}

export function tokenize(text: string, out: string[] = [], words?: WordSink): string[] {
  const visible = stripMarkup(text);
  for (const m of visible.matchAll(COMPOUND)) {
    const raw = m[0];
    let entry = termsCache.get(raw);
    if (entry === undefined) {
      // Worked out from a copy: the cache, and the index through the terms, would otherwise keep
      // slices of the text, and so the whole text (util/ownString.ts).
      const owned = ownString(raw);
      entry = compoundTerms(owned);
      if (termsCache.size > 200_000) termsCache.clear();
      // A compound of thousands of words is CJK text without punctuation: not worth keeping.
      if (entry.terms.length <= 1000) termsCache.set(owned, entry);
    }
    const terms = entry.terms;
    for (let i = 0; i < terms.length; i++) out.push(terms[i]!);
    if (words && entry.seen !== words.epoch) {
      entry.seen = words.epoch;
      words.add(entry.words);
    }
  }
  return out;
}

function compoundTerms(raw: string): CompoundTerms {
  const terms: string[] = [];
  const words: string[] = [];
  const parts = raw.match(PART)!;
  if (parts.length > 1) terms.push(raw.toLowerCase());
  for (const part of parts) {
    if (hasCjk(part)) pushMixedScripts(part, terms, words);
    else pushWord(part, terms, words);
  }
  return { terms, words, seen: 0 };
}

/** A word with CJK characters in it: their words as the segmenter cuts them (not stemmed), the rest as usual. */
function pushMixedScripts(part: string, out: string[], words: string[]): void {
  for (const run of scriptRuns(part)) {
    if (!run.cjk) {
      pushWord(run.text, out, words);
      continue;
    }
    for (const w of cjkWords(run.text)) {
      words.push(w);
      if (w.length <= 64) out.push(w);
    }
  }
}

function pushWord(word: string, out: string[], words: string[]): void {
  const camel = word.split(CAMEL_BOUNDARY);
  if (camel.length > 1) out.push(word.toLowerCase());
  for (const piece of camel) {
    const lw = piece.toLowerCase();
    const numeric = /^\p{N}+$/u.test(lw);
    // The spelling index keeps the words of the lengths it corrects to (SpellingIndex.addWords).
    if (!numeric) words.push(lw);
    if (lw.length === 0 || STOP_WORDS.has(lw)) continue;
    // Very long tokens are hashes, base64 or minified code: they only bloat the index.
    if (lw.length > 64) continue;
    out.push(numeric ? lw : stem(lw));
  }
}

/** Candidate identifiers in free text, for exact term lookup (`a.b.c`, `snake_case`, `kebab-name`). */
export function identifierCandidates(text: string): string[] {
  return [...new Set(namesIn(text).map(foldName))];
}
