// Spelling distance shared by the engine's "did you mean" (src/engine/index/search/spelling.ts) and
// the code check's near names (src/shared/codeCheck), so both suggest the same names for a typo.
// Pure functions and one small class: no imports, safe for the extension host and the browser.

/** Words shorter than this are never corrected (too many neighbours: "bake" is one edit from "make"). */
export const MIN_CORRECTED_LENGTH = 4;

/**
 * Edits tolerated for a word of this length: none under 4 letters, one up to 5, two from 6 on
 * (as search engines' "auto" fuzziness: two edits in a 4-letter word change half of it).
 */
export function maxEditsFor(length: number): number {
  if (length < MIN_CORRECTED_LENGTH) return 0;
  return length < 6 ? 1 : 2;
}

let rows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions counting as one
 * edit), or `limit + 1` as soon as it must exceed `limit`. Only the band of cells within `limit`
 * of the diagonal is computed (a cell further out is more than `limit` edits already): a lookup
 * among 150,000 names of similar shape took seconds computing whole tables.
 */
export function osaDistance(a: string, b: string, limit: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  if (n === 0 || m === 0) return Math.max(n, m);
  // A band as wide as the longer word is the whole table; past the band a cell holds `far`.
  const band = Math.min(limit, Math.max(n, m));
  const far = band + 1;
  // Three rows: two back (for transpositions), one back, and the current one (reused: a lookup
  // computes many distances).
  if (rows[0]!.length <= m + 1) rows = [new Int32Array(m + 2), new Int32Array(m + 2), new Int32Array(m + 2)];
  let [prev2, prev, row] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= m; j++) prev[j] = j <= band ? j : far;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - band);
    const hi = Math.min(m, i + band);
    row[0] = i <= band ? i : far;
    if (lo > 1) row[lo - 1] = far;
    let best = lo === 1 ? row[0] : far;
    const ca = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prev2[j - 2]! + 1);
      if (v > far) v = far;
      row[j] = v;
      if (v < best) best = v;
    }
    // The next row reads this one's cell just past the band.
    if (hi < m) row[hi + 1] = far;
    if (best > limit) return limit + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[m]! <= limit ? prev[m]! : limit + 1;
}

/**
 * Which of 31 character classes a word holds (letters a-z, digits, anything else). One edit
 * changes at most two classes, so words whose masks differ in more than 2 × edits bits are
 * further apart than that and need no distance computed.
 */
export function letterMask(word: string): number {
  let mask = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) mask |= 1 << (c - 97);
    else if (c >= 48 && c <= 57) mask |= 1 << 26;
    else if (c === 46) mask |= 1 << 27;
    else if (c === 95) mask |= 1 << 28;
    else if (c === 45) mask |= 1 << 29;
    else mask |= 1 << 30;
  }
  return mask;
}

/** Whether two words hold the same digits in the same order: a version or a number is never a typo ("claude-3-5" is not "claude-3-7"). */
export function sameDigits(a: string, b: string): boolean {
  return a.replace(/\D+/g, "") === b.replace(/\D+/g, "");
}

function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export interface Nearby {
  word: string;
  distance: number;
}

/** How long one spelling lookup may take before it answers with what it has. */
const TIME_BOUND_MS = 250;

/** Words bucketed by length, each with its letter mask: the candidates of a lookup. Append-only. */
export class WordBuckets {
  private readonly words: string[][] = [];
  private readonly masks: number[][] = [];

  add(word: string): void {
    const n = word.length;
    while (this.words.length <= n) {
      this.words.push([]);
      this.masks.push([]);
    }
    this.words[n]!.push(word);
    this.masks[n]!.push(letterMask(word));
  }

  /**
   * Words within `maxEdits` of `word` (itself excluded), in no order (callers rank them); `accept`
   * filters them. A lookup stops after TIME_BOUND_MS with what it found (among 150,000 names of one
   * shape it compares most of them: a few hundred ms on a loaded 2-core machine).
   */
  within(word: string, maxEdits: number, accept: (candidate: string) => boolean = () => true): Nearby[] {
    const found: Nearby[] = [];
    if (maxEdits <= 0) return found;
    const deadline = performance.now() + TIME_BOUND_MS;
    let compared = 0;
    const mask = letterMask(word);
    const maxBits = 2 * maxEdits;
    const from = Math.max(0, word.length - maxEdits);
    const to = Math.min(this.words.length - 1, word.length + maxEdits);
    for (let n = from; n <= to; n++) {
      const words = this.words[n]!;
      const masks = this.masks[n]!;
      for (let i = 0; i < words.length; i++) {
        if (bitCount(masks[i]! ^ mask) > maxBits) continue;
        const candidate = words[i]!;
        if (candidate === word) continue;
        if ((++compared & 1023) === 0 && performance.now() > deadline) return found;
        const distance = osaDistance(word, candidate, maxEdits);
        if (distance <= maxEdits && accept(candidate)) found.push({ word: candidate, distance });
      }
    }
    return found;
  }
}
