// Indexing and search figures for the docs engine, on a docs folder copied `--copies` times.
// Run through `npm run bench`; prints one JSON object. Numbers, not pass/fail.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { percentile } from "../src/engine/eval/retrievalEval.js";
import { loadIndex, saveIndex } from "../src/engine/index/disk/persistence.js";
import { sampleQueries } from "./sampleQueries.js";

const { values } = parseArgs({
  options: { docs: { type: "string" }, copies: { type: "string", default: "1" }, queries: { type: "string", default: "300" } },
});
const source = path.resolve(values.docs ?? "samples/otel-semconv/docs");
const copies = Number(values.copies);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
sampler.unref();

async function prepareCorpus(): Promise<string> {
  if (copies === 1) return source;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "docent-bench-"));
  for (let i = 0; i < copies; i++) await fs.cp(source, path.join(dir, `copy${i}`), { recursive: true });
  return dir;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
const r2 = (x: number) => Math.round(x * 100) / 100;

const corpus = await prepareCorpus();
const indexFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "docent-bench-index-")), "index.json");

const t0 = performance.now();
const index = new DocsIndex([corpus]);
const report = await index.update();
const buildMs = performance.now() - t0;
const bytes = [...index.files.values()].reduce((s, f) => s + f.size, 0);

const queries = sampleQueries(index, Number(values.queries));
for (const q of queries.slice(0, 20)) await index.search(q); // warm-up
const times: number[] = [];
for (const q of queries) {
  const t = performance.now();
  await index.search(q, { k: 10 });
  times.push(performance.now() - t);
}

const ts = performance.now();
const { bytes: indexBytes } = await saveIndex(index, indexFile);
const saveMs = performance.now() - ts;

const tl = performance.now();
const loaded = await loadIndex(indexFile, [corpus]);
const loadMs = performance.now() - tl;
if (loaded.status !== "loaded") throw new Error(`load failed: ${loaded.status}`);
const tu = performance.now();
const noChange = await loaded.index.update();
const scanMs = performance.now() - tu;

// Re-index one changed file, by the watcher path and by a full scan.
const target = [...loaded.index.files.values()].sort((a, b) => b.size - a.size)[Math.floor(loaded.index.fileCount / 2)]!;
await fs.appendFile(target.file, "\n\nAn added paragraph about quokka latency.\n");
const tr = performance.now();
const outcome = await loaded.index.refreshFile(target.file);
const refreshMs = performance.now() - tr;
await fs.appendFile(target.file, "\nAnd another about wombat throughput.\n");
const later = new Date(Date.now() + 10_000);
await fs.utimes(target.file, later, later);
const tf = performance.now();
const rescan = await loaded.index.update();
const rescanMs = performance.now() - tf;
if (copies > 1) await fs.rm(corpus, { recursive: true, force: true });
else
  await fs.writeFile(
    target.file,
    (await fs.readFile(target.file, "utf8")).replace(/\n\nAn added paragraph about quokka latency\.\n\nAnd another about wombat throughput\.\n$/, ""),
  );

clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    corpus: `${path.basename(source)} x${copies}`,
    files: index.fileCount,
    sections: index.chunkCount,
    mb: mb(bytes),
    skipped: report.skipped.length,
    build_ms: Math.round(buildMs),
    build_mb_per_s: r2(mb(bytes) / (buildMs / 1000)),
    build_files_per_s: Math.round(index.fileCount / (buildMs / 1000)),
    search_p50_ms: r2(percentile(times, 50)),
    search_p95_ms: r2(percentile(times, 95)),
    save_ms: Math.round(saveMs),
    index_file_mb: mb(indexBytes),
    load_ms: Math.round(loadMs),
    load_speedup_vs_build: r2(buildMs / loadMs),
    unchanged_scan_ms: Math.round(scanMs),
    unchanged_files: noChange.unchanged,
    reindex_one_file_ms: r2(refreshMs),
    reindex_outcome: outcome,
    rescan_with_one_change_ms: Math.round(rescanMs),
    rescan_updated: rescan.updated.length,
    peak_rss_mb: mb(peakRss),
    heap_used_mb: mb(process.memoryUsage().heapUsed),
  }),
);
