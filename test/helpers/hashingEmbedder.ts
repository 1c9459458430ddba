// A deterministic bag-of-words embedder: a real implementation of the Embedder interface, for
// tests that need vectors without an embedding model (hybrid search, saving and loading them).
import type { Embedder } from "../../src/engine/model/modelInterface.js";

/** Counts of `texts` embedded and of calls, to tell what a step embedded. */
export function hashingEmbedder(dimensions = 64): Embedder & { calls: number; texts: number } {
  const e = {
    id: `hashing-${dimensions}`,
    dimensions,
    calls: 0,
    texts: 0,
    async embed(texts: string[]) {
      e.calls++;
      e.texts += texts.length;
      return texts.map((t) => {
        const v = new Float32Array(dimensions);
        for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
          let h = 0;
          for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
          v[h % dimensions]! += 1;
        }
        const norm = Math.hypot(...v) || 1;
        return v.map((x) => x / norm);
      });
    },
  };
  return e;
}
