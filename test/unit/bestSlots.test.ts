import { test } from "node:test";
import assert from "node:assert/strict";
import { bestSlots } from "../../src/engine/index/vectors/bestSlots.js";

/** The slots of the `keep` best finite scores, ties to the lower id: a sort of them all. */
function sortedBest(scores: Float32Array, ids: Int32Array, keep: number): number[] {
  return Array.from(scores.keys())
    .filter((slot) => Number.isFinite(scores[slot]!))
    .sort((a, b) => scores[b]! - scores[a]! || ids[a]! - ids[b]!)
    .slice(0, keep)
    .sort((a, b) => a - b);
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const shapes: Record<string, (n: number, next: () => number) => Float32Array> = {
  uniform: (n, next) => Float32Array.from({ length: n }, next),
  "bell-shaped": (n, next) => Float32Array.from({ length: n }, () => next() + next() + next()),
  // The copies of a corpus: every score 30 times.
  "each score 30 times": (n, next) => {
    const distinct = Float32Array.from({ length: Math.ceil(n / 30) }, next);
    return Float32Array.from({ length: n }, (_, i) => distinct[i % distinct.length]!);
  },
  // One far outlier puts nearly every score in the lowest bucket: the next round must split it.
  "one outlier": (n, next) => Float32Array.from({ length: n }, (_, i) => (i === 7 ? 1e30 : next())),
  "not a number, infinities": (n, next) =>
    Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : i % 1001 === 0 ? Infinity : i % 1003 === 0 ? -Infinity : next())),
  "all equal": (n) => new Float32Array(n).fill(0.5),
  "few distinct values": (n, next) => Float32Array.from({ length: n }, () => Math.floor(next() * 5)),
};

test("bestSlots keeps the same slots as a sort of every score, ties to the lower id, whatever the scores' shape", () => {
  const next = seeded(11);
  for (const [shape, make] of Object.entries(shapes)) {
    for (const n of [0, 1, 50, 5000, 60_000]) {
      const scores = make(n, next);
      // Ids are not the slots' order (a removal moves the last slot into the gap).
      const ids = Int32Array.from({ length: n }, (_, i) => (i * 7919) % (n || 1));
      for (const keep of [1, 10, 2000, n + 5]) {
        const got = Array.from(bestSlots(scores, ids, n, keep)).sort((a, b) => a - b);
        assert.deepEqual(got, sortedBest(scores, ids, keep), `${shape}, ${n} scores, keep ${keep}`);
      }
    }
  }
});
