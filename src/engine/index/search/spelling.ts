// "Did you mean": the docs' own words and defined names, searchable by spelling. A word of the
// question that the docs never use is looked up here before anything decides the docs do not
// cover it. Words are bucketed by length with a letter mask each, so a lookup compares only
// words that could be within the allowed edits (see docs/retrieval.md, Spelling).

import { maxEditsFor, WordBuckets } from "../../../shared/wordDistance.js";

// Moved to src/shared (the code check uses them too); re-exported so the engine imports them from here as before.
export { MIN_CORRECTED_LENGTH, maxEditsFor, osaDistance, letterMask, sameDigits, WordBuckets, type Nearby } from "../../../shared/wordDistance.js";

/** Words in the vocabulary: shorter or longer ones are noise (or hashes) for spelling. */
const MIN_WORD = 3;
const MAX_WORD = 40;

/**
 * The docs' vocabulary: every word (lowercased, unstemmed) seen while indexing. It only grows
 * between full saves; whether a word is still in the docs is asked of the full-text index
 * (`isLive`), so a removed file's words are never suggested, and a full save keeps only live ones.
 */
export class SpellingIndex {
  private readonly vocabulary = new Set<string>();
  private buckets = new WordBuckets();
  /** Changes when the vocabulary is pruned: the tokenizer then offers every word it sees again. */
  epoch = nextEpoch();

  get size(): number {
    return this.vocabulary.size;
  }

  has(word: string): boolean {
    return this.vocabulary.has(word);
  }

  words(): IterableIterator<string> {
    return this.vocabulary.values();
  }

  /** Adds words (already lowercased); returns those that were new. */
  addWords(words: Iterable<string>, added?: string[]): void {
    for (const word of words) {
      if (word.length < MIN_WORD || word.length > MAX_WORD || this.vocabulary.has(word)) continue;
      this.vocabulary.add(word);
      this.buckets.add(word);
      added?.push(word);
    }
  }

  /** Keeps only the words `isLive` accepts (before a full save). */
  prune(isLive: (word: string) => boolean): void {
    const kept = [...this.vocabulary].filter(isLive);
    if (kept.length === this.vocabulary.size) return;
    this.vocabulary.clear();
    this.buckets = new WordBuckets();
    this.epoch = nextEpoch();
    this.addWords(kept);
  }

  /**
   * The docs' words nearest to `word`, within the edits its length allows, that `isLive`
   * accepts: fewest edits first, then the most used (`frequency`), then alphabetical.
   */
  suggest(word: string, isLive: (w: string) => boolean, frequency: (w: string) => number, n = 3): string[] {
    const near = this.buckets.within(word, maxEditsFor(word.length), isLive);
    const freq = new Map(near.map((c) => [c.word, frequency(c.word)]));
    near.sort((a, b) => a.distance - b.distance || freq.get(b.word)! - freq.get(a.word)! || (a.word < b.word ? -1 : 1));
    return near.slice(0, n).map((c) => c.word);
  }
}

let epochs = 0;
function nextEpoch(): number {
  return ++epochs;
}
