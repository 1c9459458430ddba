// Where the warm full-text search's tail goes (issue 25 item 2): loads a saved index, runs the
// scale bench's queries as its load phase does (warm-up, a first pass, a warm pass), then each
// query `--repeat` more times, and reports per query its times, whether a garbage collection ran
// during it (PerformanceObserver "gc" entries), and the share of each part of a search.
//   node --expose-gc out/bench/searchTail.js --corpus DIR --index FILE [--repeat 5] [--dump out.json]
// --dump writes each query's hits (ids, scores, how matched) for a before/after diff.
import { writeFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadIndex } from "../src/engine/index/disk/persistence.js";
import { sampleQueries } from "./sampleQueries.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    index: { type: "string" },
    queries: { type: "string", default: "300" },
    repeat: { type: "string", default: "5" },
    dump: { type: "string" },
    parts: { type: "boolean", default: false },
  },
});

const gcs: { start: number; end: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
}).observe({ entryTypes: ["gc"] });

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const dist = (xs: number[]) => ({
  p50: r3(percentile(xs, 50)),
  p90: r3(percentile(xs, 90)),
  p95: r3(percentile(xs, 95)),
  p99: r3(percentile(xs, 99)),
  max: r3(Math.max(...xs)),
});

const loaded = await loadIndex(values.index!, [values.corpus!], {});
if (loaded.status !== "loaded") throw new Error(`load: ${loaded.status}`);
const index = loaded.index;
const queries = sampleQueries(index, Number(values.queries));
for (const q of queries.slice(0, 20)) await index.search(q);
const first: number[] = [];
for (const q of queries) {
  const t = performance.now();
  await index.search(q, { k: 10 });
  first.push(performance.now() - t);
}
// The bench's warm pass, with each search's interval kept to match against GC entries.
const warm: { q: number; start: number; end: number }[] = [];
// CPU time of each search (user + system, this process's threads): what it cost, without the
// time the machine gave to other processes meanwhile.
const warmCpu: number[] = [];
for (let i = 0; i < queries.length; i++) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await index.search(queries[i]!, { k: 10 });
  warm.push({ q: i, start, end: performance.now() });
  const used = process.cpuUsage(cpu);
  warmCpu.push((used.user + used.system) / 1000);
}
const repeats = Number(values.repeat);
const each: number[][] = queries.map(() => []);
const all: { q: number; start: number; end: number }[] = [];
for (let r = 0; r < repeats; r++) {
  for (let i = 0; i < queries.length; i++) {
    const start = performance.now();
    await index.search(queries[i]!, { k: 10 });
    const end = performance.now();
    each[i]!.push(end - start);
    all.push({ q: i, start, end });
  }
}
await new Promise((resolve) => setTimeout(resolve, 50));
const withGc = (s: { start: number; end: number }) => gcs.filter((g) => g.end > s.start && g.start < s.end);
const warmMs = warm.map((s) => s.end - s.start);
const warmGc = warm.filter((s) => withGc(s).length > 0);
const allMs = all.map((s) => s.end - s.start);
const allNoGc = all.filter((s) => withGc(s).length === 0).map((s) => s.end - s.start);
const fastest = each.map((ts) => Math.min(...ts));
const slow = queries
  .map((q, i) => ({ q, fastest: r3(fastest[i]!), median: r3(percentile(each[i]!, 50)), warm: r3(warmMs[i]!) }))
  .sort((a, b) => b.fastest - a.fastest)
  .slice(0, 20);
const report: Record<string, unknown> = {
  queries: queries.length,
  first_pass: dist(first),
  warm_pass: dist(warmMs),
  warm_pass_cpu: dist(warmCpu),
  warm_searches_with_gc: warmGc.length,
  warm_gc_ms_in_searches: r3(warmGc.reduce((s, w) => s + withGc(w).reduce((a, g) => a + Math.min(g.end, w.end) - Math.max(g.start, w.start), 0), 0)),
  warm_slowest: warm
    .map((s) => ({ q: queries[s.q], ms: r3(s.end - s.start), gc: withGc(s).map((g) => `${g.kind}:${r3(g.end - g.start)}`) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 20),
  repeats: dist(allMs),
  repeats_without_gc: dist(allNoGc),
  repeats_with_gc: all.length - allNoGc.length,
  fastest_of_repeats: dist(fastest),
  median_of_repeats: dist(each.map((ts) => percentile(ts, 50))),
  slowest_by_fastest: slow,
  gc_count: gcs.length,
};
if (values.parts) {
  // The parts of a search, each timed alone over every query (fastest of the repeats).
  const searcher = (index as unknown as { searcher: Record<string, (...a: unknown[]) => unknown> }).searcher as unknown as {
    spellingOf(q: string): unknown;
    textRanking(q: string, n: number): { id: number; score: number }[];
    exactTermHits(q: string, scores: Map<number, number>, k: number): unknown[];
    rankedHits(q: string, ranking: { id: number; score: number }[], o: object): Promise<unknown[]>;
  };
  const parts: Record<string, number[][]> = { spelling: [], textRanking: [], exactTermHits: [], rankedHits: [] };
  for (const q of queries) {
    const ranking = searcher.textRanking(q, 50);
    const scores = new Map(ranking.map((d) => [d.id, d.score]));
    const t: Record<string, number[]> = { spelling: [], textRanking: [], exactTermHits: [], rankedHits: [] };
    for (let r = 0; r < repeats; r++) {
      let s = performance.now();
      searcher.spellingOf(q);
      t.spelling!.push(performance.now() - s);
      s = performance.now();
      searcher.textRanking(q, 50);
      t.textRanking!.push(performance.now() - s);
      s = performance.now();
      searcher.exactTermHits(q, scores, 10);
      t.exactTermHits!.push(performance.now() - s);
      s = performance.now();
      await searcher.rankedHits(q, ranking, { k: 10 });
      t.rankedHits!.push(performance.now() - s);
    }
    for (const k of Object.keys(t)) parts[k]!.push(t[k]!);
  }
  report.parts_fastest = Object.fromEntries(
    Object.entries(parts).map(([k, v]) => [k, { ...dist(v.map((ts) => Math.min(...ts))), sum: r3(v.reduce((s, ts) => s + Math.min(...ts), 0)) }]),
  );
  report.parts_by_query = queries
    .map((q, i) => ({ q, ms: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, r3(Math.min(...v[i]!))])) }))
    .sort((a, b) => b.ms.textRanking! + b.ms.rankedHits! - a.ms.textRanking! - a.ms.rankedHits!)
    .slice(0, 12);
}
console.log(JSON.stringify(report, null, 1));
if (values.dump) {
  const out: unknown[] = [];
  for (const q of queries) {
    const hits = await index.search(q, { k: 10 });
    out.push({
      q,
      hits: hits.map((h) => [h.chunk.id, h.score, h.matchedBy.join("+"), h.term ?? "", h.askedAs ?? "", h.section?.startLine ?? -1, h.section?.endLine ?? -1]),
    });
  }
  writeFileSync(values.dump, JSON.stringify(out, null, 0).replace(/\},\{/g, "},\n{"));
}
