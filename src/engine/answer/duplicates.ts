// Near-duplicate sections: the same text in several places (a page copied into two folders, a code
// sample repeated under one tab per language). An answer shows such text once, as one source that
// lists every place it is in, so a copy never pushes another section out.

/** Words in a shingle: long enough that two unrelated sections rarely share one. */
const SHINGLE_WORDS = 5;
/** Jaccard overlap of shingles from which two section texts count as the same text. */
export const NEAR_DUPLICATE_OVERLAP = 0.8;

/**
 * A section text reduced to what near-duplicate detection compares. Its words and shingles are
 * made when first compared: most sections are told apart by their length alone.
 */
export class TextFingerprint {
  private made?: { words: string; shingles: Set<number> };

  /** Characters of its lines outside headings: texts whose lengths differ by half or more are not near-duplicates. */
  readonly chars: number;

  constructor(private readonly body: string) {
    this.chars = body.length;
  }

  /** The text's words, lowercased, joined by single spaces (markup, punctuation and headings out). */
  get words(): string {
    return this.make().words;
  }

  /** Hashes of its runs of SHINGLE_WORDS words; empty when it has fewer words than that. */
  get shingles(): Set<number> {
    return this.make().shingles;
  }

  private make(): { words: string; shingles: Set<number> } {
    if (this.made) return this.made;
    const words = (this.body.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_WORDS);
    // Each word hashed once; a shingle's hash mixes its words' hashes.
    const hashes = words.map(hashWord);
    const shingles = new Set<number>();
    for (let i = 0; i + SHINGLE_WORDS <= hashes.length; i++) {
      let h = 0x811c9dc5;
      for (let w = i; w < i + SHINGLE_WORDS; w++) h = Math.imul(h ^ hashes[w]!, 0x01000193);
      shingles.add(h >>> 0);
    }
    this.made = { words: words.join(" "), shingles };
    return this.made;
  }
}

/** Words of a section compared at most: two sections whose first this many words are the same are the same text. */
const MAX_WORDS = 2000;

/**
 * The fingerprint of a section's lines. Heading lines are left out: the same text under another
 * heading ("Python", "TypeScript") is still the same text to read.
 */
export function fingerprint(lines: readonly string[]): TextFingerprint {
  return new TextFingerprint(lines.filter((l) => !/^\s{0,3}#{1,6}\s/.test(l)).join("\n"));
}

/** FNV-1a of a word. */
function hashWord(word: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < word.length; c++) h = Math.imul(h ^ word.charCodeAt(c), 0x01000193);
  return h >>> 0;
}

/**
 * Whether two texts are the same or nearly (at least NEAR_DUPLICATE_OVERLAP of their shingles
 * shared). Texts too short for a shingle must be equal word for word; an empty text is nobody's duplicate.
 */
export function nearDuplicate(a: TextFingerprint, b: TextFingerprint): boolean {
  if (a === b) return a.chars > 0 && a.words !== "";
  // Lengths that far apart cannot share 80% of their shingles (markup may differ, so the bound is loose).
  if (Math.min(a.chars, b.chars) < 0.5 * Math.max(a.chars, b.chars)) return false;
  if (!a.words || !b.words) return false;
  if (a.words === b.words) return true;
  if (a.shingles.size === 0 || b.shingles.size === 0) return false;
  const [small, large] = a.shingles.size <= b.shingles.size ? [a.shingles, b.shingles] : [b.shingles, a.shingles];
  // The overlap cannot reach the threshold when the sizes differ too much: no need to count.
  if (small.size < NEAR_DUPLICATE_OVERLAP * large.size) return false;
  let shared = 0;
  for (const s of small) if (large.has(s)) shared++;
  return shared / (small.size + large.size - shared) >= NEAR_DUPLICATE_OVERLAP;
}

/**
 * Whether what `shown` shows is nearly all (NEAR_DUPLICATE_OVERLAP of its shingles) already in
 * `earlier`: an excerpt that would repeat lines a reader has just read, with little of its own.
 */
export function mostlyShownIn(shown: TextFingerprint, earlier: TextFingerprint): boolean {
  if (earlier.chars < 0.5 * shown.chars) return false;
  if (nearDuplicate(shown, earlier)) return true;
  if (shown.shingles.size === 0) return false;
  let shared = 0;
  for (const s of shown.shingles) if (earlier.shingles.has(s)) shared++;
  return shared / shown.shingles.size >= NEAR_DUPLICATE_OVERLAP;
}
