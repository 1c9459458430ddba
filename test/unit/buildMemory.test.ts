// Build memory bounded by what the index keeps, not by the corpus read (issue 25, item 1): a build
// seals its postings into encoded blocks as it goes (search/sealedPostings.ts), and nothing the
// index keeps holds on to a file's text. A build sealed many times gives the same index file and
// the same rankings as one never sealed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, promises as fs } from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";

const SAMPLE_DOCS = path.resolve("samples/otel-semconv/docs");

/** The index file's bytes without what differs between two saves of one index: the time saved, and the checksum over it. */
async function savedBytes(index: DocsIndex): Promise<Buffer> {
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const bytes = await fs.readFile(file);
  const stamp = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/.exec(bytes.toString("latin1"));
  assert.ok(stamp, "the index file holds the time it was saved");
  bytes.fill(0, stamp.index, stamp.index + stamp[0].length);
  return bytes.subarray(0, bytes.length - 4);
}

/** Queries from the docs' own headings, and each one's top hits with their scores. */
async function rankings(index: DocsIndex, n = 150): Promise<string[]> {
  const headings = new Set<string>();
  for (const f of index.files.values()) for (const s of f.sections) if (s.headingPath.length) headings.add(s.headingPath.at(-1)!);
  const queries = [...headings].sort().filter((_, i) => i % Math.max(1, Math.floor(headings.size / n)) === 0);
  const out: string[] = [];
  for (const q of queries) {
    const hits = await index.search(q, { k: 10 });
    out.push(`${q}: ${hits.map((h) => `${h.chunk.relPath}:${h.chunk.startLine}:${h.score.toFixed(12)}`).join(" ")}`);
  }
  return out;
}

test("a build that seals its postings many times saves the same index file and ranks the same as one that never does", async () => {
  const whole = new DocsIndex([SAMPLE_DOCS]);
  whole.bm25.sealAfter = Infinity;
  await whole.update();
  assert.equal(whole.bm25.sealedBytes, 0);

  const sealed = new DocsIndex([SAMPLE_DOCS]);
  // About 250,000 postings: sealed some 80 times.
  sealed.bm25.sealAfter = 3_000;
  await sealed.update();
  assert.ok(sealed.bm25.sealedBytes > 0, "the build sealed its lists");
  assert.ok(sealed.bm25.decodedListCount < sealed.bm25.termCount / 2, `${sealed.bm25.decodedListCount} of ${sealed.bm25.termCount} lists decoded`);
  assert.equal(sealed.bm25.termCount, whole.bm25.termCount);
  assert.equal(sealed.bm25.postingCount, whole.bm25.postingCount);

  const expected = await savedBytes(whole);
  assert.ok(expected.length > 500_000);
  assert.ok((await savedBytes(sealed)).equals(expected), "the same index file");
  const ranked = await rankings(whole);
  assert.ok(ranked.length > 100 && ranked.every((r) => r.includes(":")));
  assert.deepEqual(await rankings(sealed), ranked);
  // Searching decoded the lists it used; a save after that is still the same file.
  assert.ok((await savedBytes(sealed)).equals(expected), "the same index file after searching");
});

test("a sealing build stopped part-way and run again gives the same index file as one never stopped", async () => {
  const whole = new DocsIndex([SAMPLE_DOCS]);
  whole.bm25.sealAfter = Infinity;
  await whole.update();
  const stopped = new DocsIndex([SAMPLE_DOCS]);
  stopped.bm25.sealAfter = 3_000;
  const stop = new AbortController();
  await assert.rejects(
    stopped.update(stop.signal, (done) => {
      if (done === 150) stop.abort();
    }),
    { name: "AbortError" },
  );
  assert.equal(stopped.fileCount, 150);
  assert.ok(stopped.bm25.sealedBytes > 0, "it had sealed lists when stopped");
  const report = await stopped.update();
  assert.equal(report.added.length, whole.fileCount - 150);
  assert.ok((await savedBytes(stopped)).equals(await savedBytes(whole)), "the same index file");
});

test("postings added to a loaded index and sealed follow the saved ones in order", async () => {
  const folders = (await fs.readdir(SAMPLE_DOCS, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.ok(folders.length > 4);
  const root = await makeTempDir();
  for (const name of folders.slice(0, 3)) cpSync(path.join(SAMPLE_DOCS, name), path.join(root, name), { recursive: true });
  const first = new DocsIndex([root]);
  await first.update();
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(first, file);
  // Two copies of the loaded index take in the same new files: one seals as it goes, one never.
  const copies: DocsIndex[] = [];
  for (const sealAfter of [Infinity, 500]) {
    const loaded = await loadIndex(file, [root]);
    assert.equal(loaded.status, "loaded");
    // A list used once is decoded; the others stay in the file's bytes: both kinds then take postings.
    await loaded.index.search("http server request duration");
    loaded.index.bm25.sealAfter = sealAfter;
    copies.push(loaded.index);
  }
  for (const name of folders.slice(3)) cpSync(path.join(SAMPLE_DOCS, name), path.join(root, name), { recursive: true });
  const [plain, sealed] = copies as [DocsIndex, DocsIndex];
  for (const index of copies) assert.ok((await index.update()).added.length > 100);
  assert.equal(plain.bm25.sealedBytes, 0);
  assert.ok(sealed.bm25.sealedBytes > 0);
  assert.ok((await savedBytes(sealed)).equals(await savedBytes(plain)), "the same index file");
  assert.deepEqual(await rankings(sealed), await rankings(plain));
});

test("the index keeps no file's text alive: headings and defined names are strings of their own", async () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  // Ten files of 1.5 MB each: a heading naming a metric, a definition table and a long paragraph
  // per section (few words, so that what the index keeps is small beside the text).
  const files: Record<string, string> = {};
  for (let f = 0; f < 10; f++) {
    const parts = [`# Metrics of area ${f}`];
    for (let s = 0; parts.join("\n").length < 1_500_000; s++) {
      parts.push(
        `## Metric: \`area${f}.metric.number${s}.duration\``,
        `| Name | Meaning |\n|---|---|\n| \`area${f}.attribute.number${s}\` | What attribute ${s} of area ${f} says. |`,
        `Section ${s} of area ${f} measures something else again. `.repeat(400),
      );
    }
    files[`area${f}.md`] = parts.join("\n\n");
  }
  const textBytes = Object.values(files).reduce((sum, t) => sum + t.length, 0);
  const root = await tempDocs(files);
  for (const k of Object.keys(files)) delete files[k];
  gc();
  const before = process.memoryUsage().heapUsed;
  const index = new DocsIndex([root]);
  await index.update();
  // The few texts kept on purpose (the recently read files' chunks, bounded) are let go first.
  for (const entry of index.files.values()) index.texts.forget(entry);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(index.fileCount, 10);
  assert.ok(index.terms.size > 1000, `${index.terms.size} defined names`);
  // The headings, names and postings of 15 MB of text take a small part of it (measured 4-6 MB,
  // caches and the last text a regular expression read included); each file's text kept alive by
  // its headings would be all of it (19 MB measured).
  assert.ok(grown < textBytes / 2, `the heap grew by ${Math.round(grown / 1e6)} MB over ${Math.round(textBytes / 1e6)} MB of text`);
});
