// A query as the docs would spell it: each word the docs never use is matched to the docs' own
// words within a few edits (spelling.ts), and a name the docs do not define to the defined names.
// A word the docs do use is never corrected: correct spellings always win.
import { foldName, namesIn } from "../../../shared/names.js";
import { cjkWords, hasCjk, scriptRuns } from "./cjkWords.js";
import { maxEditsFor, WordBuckets } from "./spelling.js";
import { CAMEL_BOUNDARY, STOP_WORDS, tokenize } from "./tokenizer.js";

/** What correction needs of the index (DocsIndex implements it). */
export interface SpellingSource {
  /** Documents holding this (stemmed) term; 0 when the docs never use it. */
  docFrequency(term: string): number;
  /** The docs' words nearest to `word` (live ones only), best first. */
  suggestWords(word: string): string[];
  /** The defined names nearest to `name`, best first. */
  suggestNames(name: string): string[];
  hasDefinedName(name: string): boolean;
}

export interface WordCorrection {
  /** As the question wrote it (lowercased). */
  from: string;
  /** The docs' words it was read as, best first. */
  to: string[];
}

export interface QuerySpelling {
  /** Words the docs lack, read as docs words. */
  words: WordCorrection[];
  /** Names the docs do not define, read as defined names (`http.server.request.duraton` → `...duration`). */
  names: WordCorrection[];
  /** Words of four letters or more found in the docs under no correction. */
  unknown: string[];
  /** Shorter words the docs never use ("wat", "teh"): neither corrected nor weighed. */
  unknownShort: string[];
}

/** Words looked up per query at most: a pasted log of made-up words must not cost seconds. */
export const MAX_LOOKUPS = 32;

const stopWordBuckets = new WordBuckets();
for (const w of STOP_WORDS) stopWordBuckets.add(w);

/** Whether a word the docs lack is a misspelt function word ("waht", "whcih", "thier"). */
function isMisspeltStopWord(word: string): boolean {
  return stopWordBuckets.within(word, Math.min(1, maxEditsFor(word.length))).length > 0;
}

/**
 * The words of a text as the tokenizer splits them (parts of names included), lowercased, each
 * once; a camel-case word ("TypsScript") also whole, since it is misspelt whole more often than
 * by its parts.
 */
function wordsOf(text: string): { word: string; pieces: string[] }[] {
  const seen = new Set<string>();
  const words: { word: string; pieces: string[] }[] = [];
  const add = (written: string) => {
    const word = written.toLowerCase();
    if (seen.has(word) || /^\p{N}+$/u.test(word)) return;
    seen.add(word);
    const pieces = written.split(CAMEL_BOUNDARY).map((p) => p.toLowerCase());
    words.push({ word, pieces: pieces.length > 1 ? pieces.filter((p) => !/^\p{N}+$/u.test(p)) : [] });
  };
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!hasCjk(m[0])) add(m[0]);
    // A Chinese, Japanese or Korean sentence is read word by word, as the tokenizer cuts it.
    else for (const run of scriptRuns(m[0])) for (const w of run.cjk ? cjkWords(run.text) : [run.text]) add(w);
  }
  return words;
}

/** How a query's words and names read against the docs' vocabulary. */
export function spellQuery(source: SpellingSource, text: string): QuerySpelling {
  const result: QuerySpelling = { words: [], names: [], unknown: [], unknownShort: [] };
  const known = (word: string) => {
    const terms = tokenize(word);
    return terms.length === 0 || terms.every((t) => source.docFrequency(t) > 0);
  };
  let lookups = 0;
  const read = (word: string, report: boolean): boolean => {
    if (STOP_WORDS.has(word) || known(word)) return true;
    if (word.length < 4 || lookups >= MAX_LOOKUPS) {
      if (report) (word.length < 4 ? result.unknownShort : result.unknown).push(word);
      return false;
    }
    lookups++;
    // "Ehat" is "what" before it is "chat": a function word is the likelier typo, and means nothing to search.
    if (isMisspeltStopWord(word)) return true;
    const to = source.suggestWords(word);
    if (to.length) result.words.push({ from: word, to });
    else if (report) result.unknown.push(word);
    return to.length > 0;
  };
  for (const { word, pieces } of wordsOf(text)) {
    // A camel-case word read whole ("typsscript" → "typescript") is not read again by its parts.
    if (pieces.length && read(word, false)) continue;
    for (const piece of pieces.length ? pieces : [word]) read(piece, true);
  }
  for (const name of new Set(namesIn(text).map(foldName))) {
    if (!/[._\-/:]/.test(name) || source.hasDefinedName(name) || lookups++ >= MAX_LOOKUPS) continue;
    const to = source.suggestNames(name);
    if (to.length) result.names.push({ from: name, to });
  }
  return result;
}

/** Adds the corrections' terms to a query's term weights (the corrected word's own terms find nothing). */
export function addCorrectedTerms(spelling: QuerySpelling, weights: Map<string, number>): Map<string, number> {
  for (const { to } of spelling.words) {
    // The best reading counts as the word spelt right would (once more if the query has it too);
    // a second one, as likely by its edits, half, unless the query already has it.
    for (const t of tokenize(to[0]!)) weights.set(t, (weights.get(t) ?? 0) + 1);
    for (const t of to[1] ? tokenize(to[1]) : []) if (!weights.has(t)) weights.set(t, 0.5);
  }
  for (const { to } of spelling.names) {
    const name = to[0]!;
    weights.set(name, Math.max(weights.get(name) ?? 0, 1));
    for (const t of tokenize(name)) if (!weights.has(t)) weights.set(t, 1);
  }
  return weights;
}

/** The stems a correction stands for (for the coverage check). */
export function correctedStems(correction: WordCorrection): Set<string> {
  return new Set(correction.to.flatMap((w) => tokenize(w)));
}
