// The benches' questions, taken from the corpus itself: section headings (a metric's heading as
// "what is <name>"), picked by a seeded generator so that every build and format measured gets the
// same ones. bench/scale.mjs copies this file into the baseline's tree with scaleBench.ts.
import type { DocsIndex } from "../src/engine/index/docsIndex.js";

export function sampleQueries(index: DocsIndex, n: number): string[] {
  const headings = new Set<string>();
  for (const f of index.files.values()) for (const s of f.sections) if (s.headingPath.length) headings.add(s.headingPath[s.headingPath.length - 1]!);
  const all = [...headings].sort();
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => all[Math.floor(rand() * all.length)]!.replace(/^Metric:\s*/, "what is "));
}
