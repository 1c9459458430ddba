// Near-duplicate sections: the same text in several places (a page copied into two folders, a code
// sample repeated under one tab per language). An answer shows such text once, as one source that
// lists every place it is in, so a copy never pushes another section out.

/** Words in a shingle: long enough that two unrelated sections rarely share one. */
const SHINGLE_WORDS = 5;
/** Jaccard overlap of shingles from which two section texts count as the same text. */
export const NEAR_DUPLICATE_OVERLAP = 0.8;

/** A section text reduced to what near-duplicate detection compares. */
export interface TextFingerprint {
  /** The text's words, lowercased, joined by single spaces (markup, punctuation and headings out). */
  words: string;
  /** Hashes of its runs of SHINGLE_WORDS words; empty when it has fewer words than that. */
  shingles: Set<number>;
}

/**
 * The fingerprint of a section's lines. Heading lines are left out: the same text under another
 * heading ("Python", "TypeScript") is still the same text to read.
 */
export function fingerprint(lines: readonly string[]): TextFingerprint {
  const body = lines.filter((l) => !/^\s{0,3}#{1,6}\s/.test(l)).join("\n");
  const words = body.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const shingles = new Set<number>();
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) shingles.add(hashWords(words, i, SHINGLE_WORDS));
  return { words: words.join(" "), shingles };
}

/** FNV-1a over the words i..i+n (a space between them). */
function hashWords(words: readonly string[], i: number, n: number): number {
  let h = 0x811c9dc5;
  for (let w = i; w < i + n; w++) {
    const word = words[w]!;
    for (let c = 0; c < word.length; c++) h = Math.imul(h ^ word.charCodeAt(c), 0x01000193);
    h = Math.imul(h ^ 32, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Whether two texts are the same or nearly (at least NEAR_DUPLICATE_OVERLAP of their shingles
 * shared). Texts too short for a shingle must be equal word for word; an empty text is nobody's duplicate.
 */
export function nearDuplicate(a: TextFingerprint, b: TextFingerprint): boolean {
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
  if (nearDuplicate(shown, earlier)) return true;
  if (shown.shingles.size === 0) return false;
  let shared = 0;
  for (const s of shown.shingles) if (earlier.shingles.has(s)) shared++;
  return shared / shown.shingles.size >= NEAR_DUPLICATE_OVERLAP;
}
