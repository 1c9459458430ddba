// The `keep` best of many scores, as a set: the binary first pass (binaryCodes.ts) keeps the 2,000
// best estimates of 168,000 and more, and their order does not matter (the int8 codes score them
// again). A heap of 2,000 cost more than the popcounts themselves (4.2 ms a query at 30x): each
// entry that beat the heap's least paid log2(2000) compares. Here a histogram of the scores finds
// the bucket where the cut falls; every score above that bucket is in, and the bucket's own go to
// the next round (histogrammed again over their own range), until few enough are left to sort.
// Three linear passes over the whole, then small ones.

/** Buckets of a histogram round. */
const BUCKETS = 2048;
/** Up to this many candidates left, they are sorted rather than histogrammed again. */
const SORT_UP_TO = 4096;

/**
 * The slots 0..n-1 of the `keep` highest scores, ties to the lower id (`ids[slot]`), in no
 * particular order. Scores that are not finite numbers (a vector whose values overflow) are never
 * kept.
 */
export function bestSlots(scores: Float32Array, ids: Int32Array, n: number, keep: number): Int32Array {
  const out = new Int32Array(Math.min(keep, n));
  const counts = new Uint32Array(BUCKETS);
  // The first round reads every slot in order; the later ones, the slots of the bucket where the
  // cut fell. (Each pass is a function of its own: V8 optimizes a small function's loop far better
  // than one of several loops in one function, 0.2 against 0.66 ms for the range here.)
  const { low, high } = rangeOf(scores, n);
  if (n <= SORT_UP_TO || !(high > low) || !Number.isFinite(high - low)) {
    return finish(
      scores,
      ids,
      Int32Array.from({ length: n }, (_, i) => i),
      keep,
      out,
      0,
      counts,
    );
  }
  const scale = (BUCKETS - 1) / (high - low);
  countBuckets(scores, n, low, scale, counts);
  const { cut } = cutBucket(counts, keep);
  const candidates = new Int32Array(counts[cut]!);
  const taken = split(scores, n, low, scale, cut, out, candidates);
  return finish(scores, ids, candidates, keep, out, taken, counts);
}

function rangeOf(scores: Float32Array, n: number): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (let slot = 0; slot < n; slot++) {
    const s = scores[slot]!;
    if (s < low) low = s;
    if (s > high) high = s;
  }
  return { low, high };
}

function countBuckets(scores: Float32Array, n: number, low: number, scale: number, counts: Uint32Array): void {
  for (let slot = 0; slot < n; slot++) {
    const s = scores[slot]!;
    if (s >= low) counts[((s - low) * scale) | 0]!++; // false for NaN
  }
}

/** Puts the slots above the cut bucket into `out`, those in it into `rest`; returns how many went to `out`. */
function split(scores: Float32Array, n: number, low: number, scale: number, cut: number, out: Int32Array, rest: Int32Array): number {
  // Below the cut bucket's lowest score (less a bucket for rounding) no bucket is worked out.
  const floor = low + (cut - 1) / scale;
  let taken = 0;
  let r = 0;
  for (let slot = 0; slot < n; slot++) {
    const s = scores[slot]!;
    if (!(s >= floor)) continue;
    const b = ((s - low) * scale) | 0;
    if (b > cut) out[taken++] = slot;
    else if (b === cut) rest[r++] = slot;
  }
  return taken;
}

/** The bucket where the `need`-th best falls, counting from the top, and how many are above it. */
function cutBucket(counts: Uint32Array, need: number): { cut: number; above: number } {
  let cut = BUCKETS - 1;
  let above = 0;
  while (cut > 0 && above + counts[cut]! < need) above += counts[cut--]!;
  return { cut, above };
}

/** The later rounds, over the candidates of the cut bucket, until few enough are left to sort. */
function finish(scores: Float32Array, ids: Int32Array, candidates: Int32Array, keep: number, out: Int32Array, taken: number, counts: Uint32Array): Int32Array {
  while (candidates.length > SORT_UP_TO && taken < keep) {
    let low = Infinity;
    let high = -Infinity;
    for (const slot of candidates) {
      const s = scores[slot]!;
      if (s < low) low = s;
      if (s > high) high = s;
    }
    if (!(high > low) || !Number.isFinite(high - low)) break; // all equal: only the ids decide
    const scale = (BUCKETS - 1) / (high - low);
    counts.fill(0);
    for (const slot of candidates) {
      const s = scores[slot]!;
      if (s >= low) counts[((s - low) * scale) | 0]!++;
    }
    const { cut } = cutBucket(counts, keep - taken);
    const rest = new Int32Array(counts[cut]!);
    let r = 0;
    for (const slot of candidates) {
      const s = scores[slot]!;
      if (!(s >= low)) continue;
      const b = ((s - low) * scale) | 0;
      if (b > cut) out[taken++] = slot;
      else if (b === cut) rest[r++] = slot;
    }
    candidates = rest;
  }
  // The rest by score, then id; only finite scores.
  const last = Array.from(candidates)
    .filter((slot) => Number.isFinite(scores[slot]!))
    .sort((a, b) => scores[b]! - scores[a]! || ids[a]! - ids[b]!);
  for (let i = 0; i < last.length && taken < keep; i++) out[taken++] = last[i]!;
  return out.subarray(0, taken);
}
