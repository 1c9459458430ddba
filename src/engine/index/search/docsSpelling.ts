// The docs index's "did you mean": its spelling index read through its full-text and term indexes
// (a word counts only while the docs still use it; names come from the defined terms), with the
// last few queries' readings kept (a question is read by the term lookup, the ranking and the
// coverage check).
import type { Bm25Index } from "./bm25.js";
import { spellQuery, type QuerySpelling, type SpellingSource } from "./correction.js";
import { maxEditsFor, sameDigits, type SpellingIndex, WordBuckets } from "./spelling.js";
import type { TermIndex } from "./terms.js";
import { stem } from "./tokenizer.js";

/** What it reads of the docs index: its parts may be replaced (a load does), so they are read each time. */
export interface SpelledIndex {
  readonly spelling: SpellingIndex;
  readonly bm25: Bm25Index;
  readonly terms: TermIndex;
  readonly nextId: number;
}

const MEMO_SIZE = 16;

export class DocsSpelling implements SpellingSource {
  /** The defined names by length and letters, rebuilt when the defined names change. */
  private nameBuckets?: { terms: TermIndex; generation: number; buckets: WordBuckets };
  private readonly memo = new Map<string, QuerySpelling>();

  constructor(private readonly index: SpelledIndex) {}

  /** Whether a word of the spelling index is still in the docs (its file may have gone since). */
  isLiveWord(word: string): boolean {
    return this.index.bm25.docFrequency(stem(word)) > 0;
  }

  /**
   * Keeps only the spelling index's words still in the docs (a full save does, before writing
   * them). By the terms' lists, not their live counts, which would decode every list a loaded index
   * left encoded: a word whose list holds only removed chunks is saved once more, and is not
   * suggested (a saved index keeps no such list).
   */
  prune(): void {
    this.index.spelling.prune((word) => this.index.bm25.hasTerm(stem(word)));
  }

  /** How a query's words and names read against the docs (see correction.ts). */
  of(text: string): QuerySpelling {
    const { spelling, terms, bm25, nextId } = this.index;
    // The memo is dropped whenever the words, the defined names or the chunks may have changed.
    const key = `${spelling.size}:${terms.generation}:${bm25.size}:${nextId}:${text}`;
    let found = this.memo.get(key);
    if (!found) {
      found = spellQuery(this, text);
      if (this.memo.size >= MEMO_SIZE) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(key, found);
    }
    return found;
  }

  docFrequency(term: string): number {
    return this.index.bm25.docFrequency(term);
  }

  hasDefinedName(name: string): boolean {
    return this.index.terms.has(name);
  }

  suggestWords(word: string): string[] {
    return this.index.spelling.suggest(
      word,
      (w) => sameDigits(w, word) && this.isLiveWord(w),
      (w) => this.index.bm25.docFrequency(stem(w)),
    );
  }

  /** Fewest edits, then the same number of parts (`a.b.c` for `a.b.c`), then the most strongly defined. */
  suggestNames(name: string): string[] {
    const terms = this.index.terms;
    if (this.nameBuckets?.terms !== terms || this.nameBuckets.generation !== terms.generation) {
      const buckets = new WordBuckets();
      for (const term of terms.terms()) buckets.add(term);
      this.nameBuckets = { terms, generation: terms.generation, buckets };
    }
    const near = this.nameBuckets.buckets.within(name, maxEditsFor(name.length), (n) => sameDigits(n, name));
    const parts = (n: string) => n.split(/[._\-/:]/).length;
    const strength = (n: string) => terms.lookup(n)[0]?.strength ?? 0;
    near.sort(
      (a, b) =>
        a.distance - b.distance ||
        Number(parts(b.word) === parts(name)) - Number(parts(a.word) === parts(name)) ||
        strength(b.word) - strength(a.word) ||
        (a.word < b.word ? -1 : 1),
    );
    return near.slice(0, 3).map((c) => c.word);
  }
}
