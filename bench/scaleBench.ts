// One phase of the scale benchmark (bench/scale.mjs drives it), run in a Node process of its own so
// that its memory figures are its own. Only DocsIndex, saveIndex and loadIndex are used, with the
// signatures they had before the compact index format, so the same file measures both formats.
//   --phase build: index the corpus, save it; build s, build peak RSS, save s, index MB.
//   --phase load:  load the saved index; load s (until searches answer), vectors in Orama s (with an
//                  embedder: until Orama holds them all), RSS after load, the first search, search
//                  p50/p95 (with vectors: after the first pass's bits are taken), a digest of the
//                  results, one changed file re-indexed and saved.
// Peak RSS is the kernel's high-water mark (VmHWM), reset between steps through clear_refs.
// --embedding-dims N: with an embedding model (test/helpers/hashingEmbedder.ts: deterministic, fast,
// N dimensions), so that vectors are built, saved, loaded and kept by a change as a model's would be.
import { promises as fs, readFileSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { loadIndex, saveIndex } from "../src/engine/index/disk/persistence.js";
import { hashingEmbedder } from "../test/helpers/hashingEmbedder.js";
import { sampleQueries } from "./sampleQueries.js";

const { values } = parseArgs({
  options: {
    phase: { type: "string" },
    corpus: { type: "string" },
    index: { type: "string" },
    queries: { type: "string", default: "300" },
    "embedding-dims": { type: "string", default: "0" },
    // Where to write the queries' results (a line a hit), to diff two builds' where digests differ.
    results: { type: "string" },
  },
});
const dims = Number(values["embedding-dims"]);
const indexOptions = dims > 0 ? { embedder: hashingEmbedder(dims) } : {};
const corpus = values.corpus!;
const indexFile = values.index!;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}
function resetPeak(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux: the peak then covers the whole process.
  }
}
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
/**
 * A collection, then time for what it freed to go: V8 frees large array buffers after a GC, on
 * another thread, so RSS read at once still counts them (measured: 475 MB at once, 330 MB 1 s later).
 */
async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 500));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 500));
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

async function build(): Promise<Record<string, unknown>> {
  gc();
  resetPeak();
  const t0 = performance.now();
  const index = new DocsIndex([corpus], indexOptions);
  await index.update();
  const buildS = (performance.now() - t0) / 1000;
  const buildPeak = peakRssBytes();
  const corpusBytes = [...index.files.values()].reduce((s, f) => s + f.size, 0);
  const built = {
    files: index.fileCount,
    chunks: index.chunkCount,
    corpus_mb: mb(corpusBytes),
    build_s: r3(buildS),
    build_peak_rss_mb: mb(buildPeak),
  };
  const t1 = performance.now();
  try {
    await saveIndex(index, indexFile);
  } catch (err) {
    // The build's figures stand; the save's failure is a figure too.
    return { ...built, error: `save: ${String((err as Error).message).slice(0, 200)}`, build_and_save_peak_rss_mb: mb(peakRssBytes()) };
  }
  const saveS = (performance.now() - t1) / 1000;
  return {
    ...built,
    save_s: r3(saveS),
    build_and_save_peak_rss_mb: mb(peakRssBytes()),
    index_mb: mb(statSync(indexFile).size),
    index_to_corpus: r3(statSync(indexFile).size / corpusBytes),
  };
}

/**
 * With an embedding model: a query's vector ranking alone (its embedding included: the stand-in's
 * takes microseconds), p50/p95 over the queries, and recall@10 against an exact float scan of every
 * chunk embedded again as the ingester embeds it (the stand-in is deterministic). A hit counts when
 * its exact similarity reaches the exact 10th best: the copies of the corpus tie.
 */
async function vectorSearchFigures(index: DocsIndex, queries: string[]): Promise<Record<string, number>> {
  const ranking = (q: string) => index.vectorRanking(q, 10);
  // The quantized store beside Orama; an older build (a baseline) has none and searches Orama's floats.
  type Store = { binaryFirstPass: boolean; binaryInUse: boolean };
  const store = (index as unknown as { quantized?: Store }).quantized;
  // The first pass's bits were taken before the load phase's searches (see there).
  for (const q of queries.slice(0, 20)) await ranking(q);
  // With the binary first pass (where the store is large enough) and without it (the int8 scan of
  // every vector), query by query in turn.
  const times: number[] = [];
  const int8Times: number[] = [];
  for (const q of queries) {
    for (const firstPass of store ? [true, false] : [true]) {
      if (store) store.binaryFirstPass = firstPass;
      const t = performance.now();
      await ranking(q);
      (firstPass ? times : int8Times).push(performance.now() - t);
    }
  }
  if (store) store.binaryFirstPass = true;
  const embedder = indexOptions.embedder!;
  const sample = [...new Set(queries)].slice(0, 50);
  const queryVectors = await embedder.embed(sample);
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  const ids: number[] = [];
  for (const entry of index.files.values()) ids.push(...entry.chunkIds);
  const place = new Map(ids.map((id, i) => [id, i]));
  const exact = sample.map(() => new Float32Array(ids.length));
  for (let i = 0; i < ids.length; i += 2000) {
    const chunks = ids.slice(i, i + 2000).map((id) => index.getChunk(id)!);
    const vectors = await embedder.embed(chunks.map((c) => `${c.headingPath.join(" > ") || c.title}\n${c.text}`));
    vectors.forEach((v, j) => {
      const nv = norm(v);
      queryVectors.forEach((q, k) => {
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += q[d]! * v[d]!;
        exact[k]![i + j] = dot / (nv * norm(q));
      });
    });
  }
  const recall = async (firstPass: boolean) => {
    if (store) store.binaryFirstPass = firstPass;
    let found = 0;
    for (let k = 0; k < sample.length; k++) {
      const scores = exact[k]!;
      const kth = scores.slice().sort()[scores.length - 10] ?? 0;
      const hits = await ranking(sample[k]!);
      found += hits.filter((id) => (scores[place.get(id) ?? -1] ?? -1) >= kth).length;
    }
    if (store) store.binaryFirstPass = true;
    return r3(found / (sample.length * 10));
  };
  return {
    vector_binary_first_pass: store?.binaryInUse ? 1 : 0,
    vector_search_p50_ms: r3(percentile(times, 50)),
    vector_search_p95_ms: r3(percentile(times, 95)),
    vector_recall_at_10: await recall(true),
    ...(store
      ? {
          vector_search_int8_only_p50_ms: r3(percentile(int8Times, 50)),
          vector_search_int8_only_p95_ms: r3(percentile(int8Times, 95)),
          vector_recall_int8_only_at_10: await recall(false),
        }
      : {}),
  };
}

async function load(): Promise<Record<string, unknown>> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  resetPeak();
  const t0 = performance.now();
  const loaded = await loadIndex(indexFile, [corpus], indexOptions);
  const loadS = (performance.now() - t0) / 1000;
  if (loaded.status !== "loaded") throw new Error(`load: ${loaded.status} ${"reason" in loaded ? loaded.reason : ""}`);
  // A loaded index's float vectors go into Orama after the load, in the background (builds before
  // that have none to wait for): the time until they are all in, and memory with them.
  await (loaded.index as { vectorsInOrama?: () => Promise<void> }).vectorsInOrama?.();
  const vectorsInOramaS = (performance.now() - t0) / 1000;
  const loadPeak = peakRssBytes();
  await settle();
  const rssAfterLoad = process.memoryUsage().rss;
  const index = loaded.index;

  const queries = sampleQueries(index, Number(values.queries));
  // The first search after the load. With vectors it starts taking the binary first pass's bits
  // in the background (a few seconds at 30x; the int8 scan of every vector meanwhile): the figures
  // after it are of an index in use, so they are taken once the bits are there.
  const firstStarted = performance.now();
  await index.search(queries[0]!, { k: 10 });
  const firstSearchMs = performance.now() - firstStarted;
  const bitsStarted = performance.now();
  await (index as unknown as { quantized?: { prepareFirstPass(): Promise<void> } }).quantized?.prepareFirstPass();
  const bitsMs = performance.now() - bitsStarted;
  for (const q of queries.slice(0, 20)) await index.search(q); // warm-up
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await index.search(q, { k: 10 });
    times.push(performance.now() - t);
  }
  // The same queries again: everything a query needs has been used once (a loaded index in use).
  const warm: number[] = [];
  // And each one's CPU time (user + system, this process's threads): its cost without the time a
  // loaded machine gave to other processes during it, which a single timing's tail mostly is.
  const warmCpu: number[] = [];
  for (const q of queries) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await index.search(q, { k: 10 });
    warm.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    warmCpu.push((used.user + used.system) / 1000);
  }
  // What the queries found (each hit's file, lines and score to 12 digits, in order): equal digests
  // mean the same results, old build and new side by side.
  const found = createHash("sha256");
  const lines: string[] = [];
  for (const q of queries)
    for (const hit of await index.search(q, { k: 10 })) {
      const line = `${q}\t${hit.chunk.relPath}:${hit.chunk.startLine}-${hit.chunk.endLine}\t${hit.score.toPrecision(12)}\n`;
      found.update(line);
      if (values.results) lines.push(line);
    }
  if (values.results) writeFileSync(values.results, lines.join(""));
  await settle();
  const rssAfterSearch = process.memoryUsage().rss;
  // "Did you mean": each query with a letter dropped from its longest word, read against the
  // docs' vocabulary and names (the previous build has no spelling index: skipped there).
  const spellMs: number[] = [];
  const spelling = (index as unknown as { spellingOf?: (text: string) => unknown }).spellingOf?.bind(index);
  if (spelling) {
    for (const q of new Set(queries)) {
      const longest = q.split(/\s+/).reduce((a, w) => (w.length > a.length ? w : a), "");
      const typo = q.replace(longest, longest.slice(0, 2) + longest.slice(3));
      const t = performance.now();
      spelling(typo);
      spellMs.push(performance.now() - t);
    }
  }
  const vectorFigures = dims > 0 ? await vectorSearchFigures(index, queries) : {};
  // The same queries with the hits' texts read (what an answer does with them).
  const withText: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    let n = 0;
    for (const hit of await index.search(q, { k: 10 })) n += hit.chunk.text.length;
    withText.push(performance.now() - t);
    if (n < 0) throw new Error("unreachable");
  }

  // One changed file, re-indexed by the watcher path and the index saved again.
  const target = [...index.files.values()].sort((a, b) => a.size - b.size || (a.file < b.file ? -1 : 1))[Math.floor(index.fileCount / 2)]!;
  const original = await fs.readFile(target.file);
  const stat = await fs.stat(target.file);
  await fs.appendFile(target.file, "\n\nAn added paragraph about quokka latency.\n");
  const t1 = performance.now();
  const outcome = await index.refreshFile(target.file);
  const refreshMs = performance.now() - t1;
  // Saved over the file it was loaded from (where a build with a journal appends to it).
  await saveIndex(index, indexFile);
  const changedMs = performance.now() - t1;
  await fs.writeFile(target.file, original);
  await fs.utimes(target.file, stat.atime, stat.mtime);
  await fs.rm(indexFile + ".journal", { force: true });
  // A full save of the loaded, searched index (a shutdown's or a fold of the journal): what it
  // leaves decoded in memory. (The previous build ignores the third argument; it always saves in full.)
  gc();
  // Heap in use plus array buffers (where decoded posting lists live), not RSS: the allocator keeps
  // freed pages, so RSS hides what a save leaves behind.
  const heldBytes = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heldBeforeFullSave = heldBytes();
  const t2 = performance.now();
  await (saveIndex as (i: DocsIndex, f: string, o?: object) => Promise<unknown>)(index, indexFile + ".full", { full: true });
  const fullSaveS = (performance.now() - t2) / 1000;
  gc();
  const heldAfterFullSave = heldBytes();
  await fs.rm(indexFile + ".full", { force: true });
  return {
    load_s: r3(loadS),
    load_peak_rss_mb: mb(loadPeak),
    ...(dims > 0 ? { vectors_in_orama_s: r3(vectorsInOramaS) } : {}),
    rss_before_load_mb: mb(rssBefore),
    rss_after_load_mb: mb(rssAfterLoad),
    first_search_ms: r3(firstSearchMs),
    ...(dims > 0 ? { vector_first_pass_bits_ms: r3(bitsMs) } : {}),
    search_p50_ms: r3(percentile(times, 50)),
    search_p95_ms: r3(percentile(times, 95)),
    search_warm_p50_ms: r3(percentile(warm, 50)),
    search_warm_p95_ms: r3(percentile(warm, 95)),
    search_warm_cpu_p50_ms: r3(percentile(warmCpu, 50)),
    search_warm_cpu_p95_ms: r3(percentile(warmCpu, 95)),
    // The load average over the last minute, as the phase ends: how busy the machine was.
    load_average_1m: r3(os.loadavg()[0]!),
    rss_after_search_mb: mb(rssAfterSearch),
    search_results_digest: found.digest("hex").slice(0, 16),
    ...(spellMs.length ? { spelling_p50_ms: r3(percentile(spellMs, 50)), spelling_p95_ms: r3(percentile(spellMs, 95)) } : {}),
    ...vectorFigures,
    search_with_text_p50_ms: r3(percentile(withText, 50)),
    search_with_text_p95_ms: r3(percentile(withText, 95)),
    changed_file_reindex_ms: r3(refreshMs),
    changed_file_reindex_and_save_ms: r3(changedMs),
    changed_file_outcome: outcome,
    full_save_after_load_s: r3(fullSaveS),
    memory_growth_full_save_after_load_mb: mb(heldAfterFullSave - heldBeforeFullSave),
  };
}

try {
  const result = values.phase === "build" ? await build() : await load();
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: String((err as Error).message ?? err).slice(0, 300), peak_rss_mb: mb(peakRssBytes()) }));
}
