// Loading and searching a saved index faster without changing what it answers: the pruned top-k
// (MaxScore) against scoring every posting, file entries and defined names kept compact at load
// against the index they were saved from, and a changed file that does not copy the posting
// lists a search decoded. On the sample docs (real files, the real chunker and tokenizer).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import { LoadedFileEntry } from "../../src/engine/index/disk/loadedFileEntry.js";
import { seek } from "../../src/engine/index/search/prunedTop.js";
import { queryTermWeights } from "../../src/engine/index/search/searcher.js";
import type { FileEntry } from "../../src/engine/index/fileEntry.js";
import { makeTempDir } from "../helpers/tempDocs.js";

const SAMPLES = path.resolve("samples/otel-semconv/docs");

/** A copy of the sample docs (some files are changed by the tests), indexed. */
async function sampleIndex(): Promise<{ root: string; index: DocsIndex }> {
  const root = path.join(await makeTempDir(), "docs");
  cpSync(SAMPLES, root, { recursive: true });
  const index = new DocsIndex([root]);
  await index.update();
  return { root, index };
}

/** A seeded generator (the same queries every run). */
function seeded(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Queries mixing the docs' common and rare terms, with unequal weights, and the bench's kind (headings). */
function queries(index: DocsIndex, n: number): Map<string, number>[] {
  const rand = seeded(7);
  const byDf: string[] = [];
  for (const [term, , , length] of index.bm25.liveLists()) byDf.push(`${length}\u0000${term}`);
  // Sorted by document frequency, so that picks from the front are rare terms and from the back common ones.
  const terms = byDf.sort((a, b) => Number(a.split("\u0000")[0]) - Number(b.split("\u0000")[0])).map((s) => s.split("\u0000")[1]!);
  const pick = (from: number, to: number) => terms[Math.floor(from * terms.length + rand() * (to - from) * terms.length)]!;
  const out: Map<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const q = new Map<string, number>();
    const size = 2 + Math.floor(rand() * 7);
    for (let t = 0; t < size; t++) q.set(rand() < 0.6 ? pick(0.9, 1) : pick(0, 1), [0.5, 1, 1, 2][Math.floor(rand() * 4)]!);
    out.push(q);
  }
  const headings = [...index.files.values()].flatMap((f) => f.sections.map((s) => s.headingPath.at(-1) ?? "")).filter(Boolean);
  for (let i = 0; i < n; i++) out.push(queryTermWeights(headings[Math.floor(rand() * headings.length)]!));
  return out;
}

function assertSameTop(index: DocsIndex, qs: Map<string, number>[], what: string): void {
  for (const q of qs) {
    for (const limit of [1, 10, 50]) {
      const exhaustive = index.bm25.top(q, limit, { pruning: "never" });
      // Identical ids, order and scores (to the last bit); twice, since a term's second query has a tighter bound.
      for (let i = 0; i < 2; i++)
        assert.deepStrictEqual(index.bm25.top(q, limit, { pruning: "always" }), exhaustive, `${what}: ${[...q.keys()].join(" ")} (top ${limit})`);
    }
  }
}

test("the pruned top-k gives exactly the ranking of scoring every posting, before and after changes", async () => {
  const { root, index } = await sampleIndex();
  const qs = queries(index, 150);
  assertSameTop(index, qs, "built");
  // Removed chunks (dead postings, skipped by both) and added ones (new averages).
  const files = [...index.files.values()].map((f) => f.file).sort();
  for (const file of files.slice(0, 40)) await fs.appendFile(file, "\n\nAn added paragraph on http server request duration and metric attributes.\n");
  await fs.rm(files[50]!);
  await index.update();
  assert.ok(index.bm25.postingCount > index.bm25.liveListStats().postings, "dead postings are left in the lists");
  assertSameTop(index, qs, "changed");
  // And through a saved and loaded index (lists decoded on first use).
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file, { full: true });
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.status, "loaded");
  assertSameTop(loaded.index, qs, "loaded");
});

test("galloping seek finds the first id at or after the target", () => {
  const ids = Int32Array.from([1, 3, 4, 9, 10, 11, 40, 41, 90, 200]);
  for (let from = 0; from <= ids.length; from++) {
    for (let target = 0; target <= 201; target++) {
      let expected = from;
      while (expected < ids.length && ids[expected]! < target) expected++;
      assert.equal(seek(ids, from, ids.length, target), expected, `from ${from}, target ${target}`);
    }
  }
});

/** What a file entry holds, as plain data. */
function plain(entry: FileEntry) {
  const { file, root, relPath, title, hash, size, mtimeMs, chunkIds, sections, hadInvalidUtf8, headings } = entry;
  return { file, root, relPath, title, hash, size, mtimeMs, chunkIds: [...chunkIds], sections, hadInvalidUtf8, headings };
}

test("file entries loaded lazily hold what the saved index held, and are indexed again like built ones", async () => {
  const { root, index } = await sampleIndex();
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.status, "loaded");
  const entries = [...loaded.index.files.values()];
  assert.ok(entries.length > 50 && entries.every((e) => e instanceof LoadedFileEntry));
  // A fresh build numbers chunks in file order, as a save does: the ids match too.
  assert.deepEqual(
    entries.map((e) => plain(e)),
    [...index.files.values()].map((e) => plain(e)),
  );
  // A changed file is indexed again over a lazy entry: the same chunks as a fresh build's.
  const changed = entries[3]!.file;
  await fs.appendFile(changed, "\n\n## Quokka latency\n\nAn added section.\n");
  assert.equal(await loaded.index.refreshFile(changed), "updated");
  const fresh = new DocsIndex([root]);
  await fresh.update();
  const chunksOf = (i: DocsIndex, f: string) => i.files.get(f)!.chunkIds.map((id) => ({ ...i.getChunk(id)!, id: 0 }));
  assert.deepEqual(chunksOf(loaded.index, changed), chunksOf(fresh, changed));
  assert.ok(loaded.index.files.get(changed)!.sections.some((s) => s.headingPath.includes("Quokka latency")));
});

/** Each defined name with its definitions as file, line and strength (ids differ between indexes). */
function definitions(index: DocsIndex): string[] {
  const out: string[] = [];
  for (const [term, defs] of index.terms.entries()) {
    const where = defs.map((d) => `${index.getChunk(d.chunkId)!.relPath}:${index.getChunk(d.chunkId)!.startLine}:${d.strength}`);
    out.push(`${term} ${where.sort().join(",")}`);
  }
  return out.sort();
}

test("defined names kept compact at load look up, change and save as the built index's do", async () => {
  const { root, index } = await sampleIndex();
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const loaded = (await loadIndex(file, [root])).index;
  assert.deepEqual(definitions(loaded), definitions(index));
  const names = [...index.terms.terms()];
  assert.ok(names.length > 100);
  for (const name of names.slice(0, 200)) {
    assert.deepEqual(
      loaded.terms.lookup(name).map((d) => [loaded.getChunk(d.chunkId)!.relPath, loaded.getChunk(d.chunkId)!.startLine, d.strength]),
      index.terms.lookup(name).map((d) => [index.getChunk(d.chunkId)!.relPath, index.getChunk(d.chunkId)!.startLine, d.strength]),
    );
  }
  // A file that defines names is changed in one and removed in another: both indexes follow.
  const definingFiles = [...new Set(names.flatMap((n) => index.terms.lookup(n).map((d) => index.getChunk(d.chunkId)!.file)))].sort();
  const [edited, removed] = [definingFiles[0]!, definingFiles[1]!];
  const text = await fs.readFile(edited, "utf8");
  // One of its names taken out of a table row (the row stays, the name no longer defined), one added as a heading.
  const name = names.find((n) => index.terms.lookup(n).some((d) => index.getChunk(d.chunkId)!.file === edited && d.strength === 2))!;
  assert.ok(name, "the file defines a name in a table row");
  await fs.writeFile(edited, text.replace("`" + name + "`", "unnamed") + "\n\n## `renamed.quokka.metric`\n\nA renamed metric.\n");
  await fs.rm(removed);
  for (const i of [index, loaded]) {
    await i.refreshFile(edited);
    await i.refreshFile(removed);
  }
  assert.ok(loaded.terms.has("renamed.quokka.metric"));
  assert.deepEqual(definitions(loaded), definitions(index));
  // Saved again (the journal, then a full save) and loaded: still the same.
  for (const full of [false, true]) {
    await saveIndex(loaded, file, { full });
    assert.deepEqual(definitions((await loadIndex(file, [root])).index), definitions(index));
  }
});

test("a changed file adds to the posting lists a search decoded without copying them", async () => {
  const { root, index } = await sampleIndex();
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const loaded = (await loadIndex(file, [root])).index;
  await loaded.search("metric attributes");
  const lists = (loaded.bm25 as unknown as { postings: Map<string, { ids: Int32Array; length: number }> }).postings;
  const before = new Map(["metric", "attribut"].map((t) => [t, { ids: lists.get(t)!.ids, length: lists.get(t)!.length }]));
  const changed = [...loaded.files.values()][5]!.file;
  await fs.appendFile(changed, "\n\nAn added paragraph: metric attributes, and another metric.\n");
  assert.equal(await loaded.refreshFile(changed), "updated");
  for (const [term, { ids, length }] of before) {
    assert.ok(lists.get(term)!.length > length, `${term} got a posting`);
    assert.equal(lists.get(term)!.ids, ids, `${term}'s list was not copied`);
  }
});
