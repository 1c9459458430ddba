// The best `limit` docs of a multi-term query without scoring every posting: document at a time
// with MaxScore (Turtle and Flood, 1995). Each term's contribution is bounded; once the heap is
// full, terms whose bounds together cannot lift a doc over its lowest score stop proposing docs
// and are only looked up (galloping) in the docs the others propose, and a doc whose bound falls
// below that score is dropped unscored. The result is exactly the exhaustive one (bm25.ts): a doc's
// score is summed in the query's term order, as the exhaustive pass sums it, and a doc is dropped
// only when it could not have entered the heap (docs come in id order, so a tie loses to the docs
// already held, which the heap breaks by lower id).
import { FIELD_COUNT } from "./bm25Fields.js";
import type { MinHeap, ScoredDoc } from "./topScores.js";

/** One query term's postings and weight (its query weight times its idf). */
export interface QueryList {
  ids: Int32Array;
  tfs: Uint16Array;
  length: number;
  qIdf: number;
  /** The highest `(tf * (k1 + 1)) / (tf + k1)` of any posting (`maxSaturated`), or anything above it (k1 + 1 is). */
  maxSaturated: number;
}

export interface ScoringState {
  k1: number;
  /** Field weights, in field order. */
  w0: number;
  w1: number;
  w2: number;
  /** Per doc and field: `1 - b + b * length / average`. */
  norms: Float64Array;
  alive: Uint8Array;
  anyDead: boolean;
}

/**
 * Rounding slack for the bounds: a doc is dropped only when its bound is below the heap's lowest
 * score by more than this share of it (sums of a few doubles differ from the exact sum by far less).
 */
const SLACK = 1e-9;

/** The first index from `from` whose id is at least `target` (`length` if none), galloping. */
export function seek(ids: Int32Array, from: number, length: number, target: number): number {
  if (from >= length || ids[from]! >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < length && ids[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > length) hi = length;
  // ids[lo] < target; ids[hi] >= target or hi === length.
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The highest `(tf * (k1 + 1)) / (tf + k1)` among a list's postings under these length
 * normalisations (dead postings included: a bound may be loose, never low).
 */
export function maxSaturated(list: Pick<QueryList, "ids" | "tfs" | "length">, s: Omit<ScoringState, "alive" | "anyDead">): number {
  const { ids, tfs, length } = list;
  const { k1, w0, w1, w2, norms } = s;
  let max = 0;
  for (let i = 0; i < length; i++) {
    const t = i * FIELD_COUNT;
    const at = ids[i]! * FIELD_COUNT;
    const r0 = tfs[t]!,
      r1 = tfs[t + 1]!,
      r2 = tfs[t + 2]!;
    let tf = 0;
    if (r0 !== 0) tf += (w0 * r0) / norms[at]!;
    if (r1 !== 0) tf += (w1 * r1) / norms[at + 1]!;
    if (r2 !== 0) tf += (w2 * r2) / norms[at + 2]!;
    if (tf > max) max = tf;
  }
  return (max * (k1 + 1)) / (max + k1);
}

export function prunedTop(lists: QueryList[], limit: number, s: ScoringState, heap: MinHeap): ScoredDoc[] {
  const m = lists.length;
  heap.reset(limit);
  if (limit <= 0) return heap.drainDescending();
  const { k1, w0, w1, w2, norms, alive, anyDead } = s;
  const k1Plus1 = k1 + 1;
  const bound = lists.map((l) => l.qIdf * l.maxSaturated * (1 + SLACK));
  // Terms by bound, lowest first (a term's place in `order` is its rank r); cum[r]: the bounds of
  // ranks 0..r together. Per rank: its list's ids, field counts, length, weight and query place.
  const order = lists.map((_, i) => i).sort((a, b) => bound[a]! - bound[b]! || a - b);
  const cum = new Float64Array(m);
  let sum = 0;
  for (let r = 0; r < m; r++) cum[r] = sum += bound[order[r]!]!;
  const ids = order.map((q) => lists[q]!.ids);
  const tfs = order.map((q) => lists[q]!.tfs);
  const lengths = Int32Array.from(order, (q) => lists[q]!.length);
  const qIdfs = Float64Array.from(order, (q) => lists[q]!.qIdf);
  const pos = new Int32Array(m);
  // Per query place: the contribution to the doc in hand, and that doc's id (-1: none yet).
  const contrib = new Float64Array(m);
  const scoredFor = new Int32Array(m).fill(-1);
  // Ranks below firstEssential are only looked up; the others propose docs.
  let firstEssential = 0;
  let threshold = -Infinity;

  // Writes the contribution into contrib (a double returned from a call that is not inlined is
  // boxed: one heap number per posting scored).
  const score = (r: number, i: number, id: number): void => {
    const f = tfs[r]!;
    // As bm25.ts computes it, in the same order (the same doubles).
    let tf = 0;
    const t = i * FIELD_COUNT;
    const at = id * FIELD_COUNT;
    const r0 = f[t]!,
      r1 = f[t + 1]!,
      r2 = f[t + 2]!;
    if (r0 !== 0) tf += (w0 * r0) / norms[at]!;
    if (r1 !== 0) tf += (w1 * r1) / norms[at + 1]!;
    if (r2 !== 0) tf += (w2 * r2) / norms[at + 2]!;
    const q = order[r]!;
    contrib[q] = qIdfs[r]! * ((tf * k1Plus1) / (tf + k1));
    scoredFor[q] = id;
  };

  for (;;) {
    let d = 0x7fffffff;
    for (let r = firstEssential; r < m; r++) {
      const p = pos[r]!;
      if (p < lengths[r]!) {
        const id = ids[r]![p]!;
        if (id < d) d = id;
      }
    }
    if (d === 0x7fffffff) break;
    let partial = 0;
    const live = !anyDead || alive[d] === 1;
    for (let r = firstEssential; r < m; r++) {
      const p = pos[r]!;
      if (p < lengths[r]! && ids[r]![p] === d) {
        if (live) {
          score(r, p, d);
          partial += contrib[order[r]!]!;
        }
        pos[r] = p + 1;
      }
    }
    if (!live) continue;
    let dropped = false;
    for (let r = firstEssential - 1; r >= 0; r--) {
      if (partial + cum[r]! + SLACK * threshold <= threshold) {
        dropped = true;
        break;
      }
      const list = ids[r]!;
      const p = seek(list, pos[r]!, lengths[r]!, d);
      pos[r] = p;
      if (p < lengths[r]! && list[p] === d) {
        score(r, p, d);
        partial += contrib[order[r]!]!;
      }
    }
    if (dropped) continue;
    // The exact score: summed in the query's order, as the exhaustive pass sums it.
    let total = 0;
    for (let q = 0; q < m; q++) if (scoredFor[q] === d) total += contrib[q]!;
    // Docs come in id order: one that only ties the lowest held loses the tie, so it is not offered.
    if (!(total > threshold)) continue;
    heap.offer(d, total);
    if (heap.full) {
      const lowest = heap.minScore;
      if (lowest > threshold) {
        threshold = lowest;
        while (firstEssential < m && cum[firstEssential]! + SLACK * threshold <= threshold) firstEssential++;
      }
    }
  }
  return heap.drainDescending();
}
