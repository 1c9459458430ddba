// The index journal: changed files saved by appending records beside the index file; a load
// applies them in order and gives the same index as the one saved; a torn or damaged record ends
// the journal with a log line (never a wrong index); a journal left by a full save that was
// stopped before removing it is ignored; past its share of the index file it is folded in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import { JOURNAL_VERSION, journalFile, type ChunkVector } from "../../src/engine/index/disk/journal.js";
import type { Logger } from "../../src/engine/util/logger.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";
import { hashingEmbedder } from "../helpers/hashingEmbedder.js";

const DOCS: Record<string, string> = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [
    `area${i % 3}/page${i}.md`,
    `# Page ${i}\n\n## Setup ${i}\n\nConfigure the exporter ${i} with batching and retries. ${"Spans carry attributes. ".repeat(i + 1)}\n\n## Metric: \`svc${i}.latency\`\n\nLatency of service ${i} requests in milliseconds.\n`,
  ]),
);
const QUERIES = ["exporter batching", "latency of service requests", "spans attributes", "svc3.latency", "quokka habitat", "setup 7", "retries"];
// Generous: the test corpus is tiny, so the default share (10% of the index file) would fold every change in.
const SHARE = 100;

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** Each query's hits as file, lines, exact score and how matched. */
async function results(index: DocsIndex): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of QUERIES) {
    const hits = await index.search(q, { k: 8 });
    out.push(hits.map((h) => [h.chunk.relPath, h.chunk.startLine, h.chunk.endLine, h.score, h.matchedBy.join("+"), h.term ?? ""].join("|")));
  }
  return out;
}

/** The same, ignoring the order of equal scores (a fresh build numbers chunks in another order). */
async function canonical(index: DocsIndex): Promise<string[][]> {
  return (await results(index)).map((hits) => [...hits].sort());
}

/** A series of edits, additions and removals, each re-indexed by the watcher path and saved. */
async function changeFiles(root: string, index: DocsIndex, file: string, rounds: number): Promise<{ journaled: number }> {
  let journaled = 0;
  for (let r = 0; r < rounds; r++) {
    const edited = path.join(root, `area${r % 3}/page${(r * 5) % 12}.md`);
    await rewrite(edited, `# Page edited ${r}\n\n## Quokka ${r}\n\nThe quokka habitat note ${r}. Exporter batching revised ${r}.\n`);
    await index.refreshFile(edited);
    const added = path.join(root, `new/added${r}.md`);
    await fs.mkdir(path.dirname(added), { recursive: true });
    await rewrite(added, `# Added ${r}\n\nRetries and latency of service requests, round ${r}.\n`);
    await index.refreshFile(added);
    if (r % 2 === 1) {
      const gone = path.join(root, `new/added${r - 1}.md`);
      await fs.rm(gone);
      assert.equal(await index.refreshFile(gone), "removed");
    }
    if ((await saveIndex(index, file, { journalShare: SHARE })).journaled) journaled++;
  }
  return { journaled };
}

/** An index saved in full, then changed and saved `rounds` times (each save going to the journal). */
async function journaledIndex(rounds: number): Promise<{ root: string; file: string; index: DocsIndex }> {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  await changeFiles(root, index, file, rounds);
  return { root, file, index };
}

test("changes saved to the journal load back as the index that was saved, equal to a fresh build; the index file is not rewritten", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  const base = await fs.readFile(file);
  const { journaled } = await changeFiles(root, index, file, 8);
  assert.equal(journaled, 8, "every save after the first full one appends to the journal");
  assert.deepEqual(await fs.readFile(file), base, "the index file itself is untouched");
  assert.ok((await fs.stat(journalFile(file))).size > 0);

  const live = await results(index);
  const logger = recordingLogger();
  const loaded = await loadIndex(file, [root], { logger });
  assert.equal(loaded.status, "loaded");
  assert.ok(logger.lines.some((l) => /Applied \d+ change/.test(l)));
  assert.deepEqual(await results(loaded.index), live);
  assert.equal(loaded.index.chunkCount, index.chunkCount);
  assert.deepEqual([...loaded.index.files.keys()].sort(), [...index.files.keys()].sort());
  // Nothing left for the scan to find: the journal held every change.
  const report = await loaded.index.update();
  assert.equal(report.added.length + report.updated.length + report.removed.length, 0);

  const fresh = new DocsIndex([root]);
  await fresh.update();
  assert.deepEqual(await canonical(loaded.index), await canonical(fresh));

  // More changes after a load go on the same journal, and load back too.
  await changeFiles(root, loaded.index, file, 3);
  const again = await loadIndex(file, [root]);
  assert.deepEqual(await results(again.index), await results(loaded.index));
});

test("with an embedding model the changed chunks' vectors go to the journal too: the load answers as the index saved, embedding no chunk", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root], { embedder: hashingEmbedder() });
  await index.update();
  await saveIndex(index, file);
  const base = await fs.readFile(file);
  const { journaled } = await changeFiles(root, index, file, 6);
  assert.equal(journaled, 6, "every save after the first full one appends to the journal");
  assert.deepEqual(await fs.readFile(file), base, "the index file itself is untouched");
  const live = await results(index);
  assert.ok(
    live.flat().some((hit) => hit.includes("vector")),
    "the results use the vectors",
  );

  const embedder = hashingEmbedder();
  const logger = recordingLogger();
  const loaded = await loadIndex(file, [root], { embedder, logger });
  assert.equal(loaded.status, "loaded");
  assert.ok(logger.lines.some((l) => /Applied \d+ change/.test(l)));
  assert.equal(loaded.index.chunkCount, index.chunkCount, "no chunk is left waiting for its embedding");
  assert.deepEqual(await results(loaded.index), live);
  // The only texts embedded are the queries: every chunk's vector came from the file or its journal.
  assert.equal(embedder.texts, QUERIES.length);
  for (const entry of loaded.index.files.values()) {
    const asArrays = (vectors: ChunkVector[] | undefined) => vectors?.map((v) => [v.hash, [...v.vector]]);
    const liveEntry = index.files.get(entry.file);
    assert.ok(liveEntry, entry.relPath);
    const vectors = asArrays(loaded.index.vectorsOfFile(entry));
    assert.ok(vectors, entry.relPath);
    assert.deepEqual(vectors, asArrays(index.vectorsOfFile(liveEntry)), entry.relPath);
  }
  const report = await loaded.index.update();
  assert.equal(report.added.length + report.updated.length + report.removed.length, 0);
  assert.equal(embedder.texts, QUERIES.length);
});

test("a change whose chunks still wait for their embedding is saved in full, not journaled without vectors", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const inner = hashingEmbedder();
  let failing = false;
  const index = new DocsIndex([root], {
    embedder: {
      id: inner.id,
      dimensions: inner.dimensions,
      embed: (texts, signal) => (failing ? Promise.reject(new Error("embedding model went away")) : inner.embed(texts, signal)),
    },
  });
  await index.update();
  await saveIndex(index, file);
  failing = true;
  const edited = path.join(root, "area0/page0.md");
  await rewrite(edited, "# Page edited\n\nThe quokka habitat note.\n");
  await index.refreshFile(edited).catch(() => undefined);
  assert.ok(index.pendingEmbedding.size > 0, "the edited file's chunks wait for their embedding");
  const saved = await saveIndex(index, file, { journalShare: SHARE });
  assert.equal(saved.journaled, undefined, "saved in full");
  await assert.rejects(fs.stat(journalFile(file)));
  failing = false;
  const loaded = await loadIndex(file, [root], { embedder: inner });
  assert.equal(loaded.status, "loaded");
  assert.ok(loaded.index.pendingEmbedding.size > 0, "still waiting after the load, and embedded by the next update");
  await loaded.index.update();
  assert.equal(loaded.index.pendingEmbedding.size, 0);
});

test("a torn or damaged journal record is dropped with a log line; the index is the one before it, and the scan restores the rest", async () => {
  for (const damage of ["torn", "flipped"] as const) {
    const root = await tempDocs(DOCS);
    const file = path.join(await makeTempDir(), "index.docent");
    const index = new DocsIndex([root]);
    await index.update();
    await saveIndex(index, file);
    await changeFiles(root, index, file, 2);
    const beforeLast = await loadIndex(file, [root]);
    const expectedBefore = await results(beforeLast.index);
    const sizeBefore = (await fs.stat(journalFile(file))).size;
    // One more change, then its record damaged as a crash mid-append or a bad disk would.
    const edited = path.join(root, "area1/page4.md");
    await rewrite(edited, "# Page four\n\nThe quokka habitat is Rottnest.\n");
    await index.refreshFile(edited);
    assert.equal((await saveIndex(index, file, { journalShare: SHARE })).journaled, true);
    const journal = await fs.readFile(journalFile(file));
    assert.ok(journal.length > sizeBefore);
    if (damage === "torn") await fs.writeFile(journalFile(file), journal.subarray(0, journal.length - 5));
    else {
      journal[sizeBefore + 20] = journal[sizeBefore + 20]! ^ 0xff;
      await fs.writeFile(journalFile(file), journal);
    }
    const logger = recordingLogger();
    const loaded = await loadIndex(file, [root], { logger });
    assert.equal(loaded.status, "loaded");
    assert.ok(
      logger.lines.some((l) => /journal/.test(l) && /dropped/.test(l)),
      `${damage}: ${logger.lines.join("\n")}`,
    );
    // Exactly the records before the damaged one.
    assert.deepEqual(await results(loaded.index), expectedBefore);
    // The scan finds the lost change (its file's time differs from the index's).
    const report = await loaded.index.update();
    assert.deepEqual(report.updated, ["area1/page4.md"]);
    assert.deepEqual(await results(loaded.index), await results(index));
    // The next save is a full one and removes the damaged journal.
    assert.equal((await saveIndex(loaded.index, file, { journalShare: SHARE })).journaled, undefined);
    await assert.rejects(fs.stat(journalFile(file)), /ENOENT/);
  }
});

test("a journal left by a full save stopped before removing it is ignored with a log line", async () => {
  const { root, file, index } = await journaledIndex(3);
  const stale = await fs.readFile(journalFile(file));
  // A later change removes a file the journal re-adds: replaying the stale journal would bring it back.
  const gone = path.join(root, "new/added2.md");
  await fs.rm(gone);
  assert.equal(await index.refreshFile(gone), "removed");
  await saveIndex(index, file, { full: true });
  await assert.rejects(fs.stat(journalFile(file)), /ENOENT/);
  // As if the process stopped between writing the new index file and removing the journal.
  await fs.writeFile(journalFile(file), stale);
  const logger = recordingLogger();
  const loaded = await loadIndex(file, [root], { logger });
  assert.ok(logger.lines.some((l) => /journal .* ignored/.test(l)));
  assert.equal(loaded.index.files.has(gone), false);
  assert.deepEqual(await results(loaded.index), await results(index));
  // Its next save is a full one (the stale journal goes).
  assert.equal((await saveIndex(loaded.index, file)).journaled, undefined);
  await assert.rejects(fs.stat(journalFile(file)), /ENOENT/);
});

test("a journal written by an earlier version is ignored with a log line, and the scan finds the changes it held", async () => {
  const { root, file, index } = await journaledIndex(2);
  const journal = await fs.readFile(journalFile(file));
  assert.equal(journal.readUInt32LE(8), JOURNAL_VERSION);
  journal.writeUInt32LE(JOURNAL_VERSION - 1, 8);
  await fs.writeFile(journalFile(file), journal);
  const logger = recordingLogger();
  const loaded = await loadIndex(file, [root], { logger });
  assert.equal(loaded.status, "loaded");
  assert.ok(logger.lines.some((l) => /journal .* ignored/.test(l)));
  const report = await loaded.index.update();
  assert.ok(report.added.length + report.updated.length + report.removed.length > 0, "the scan re-indexes what the journal held");
  assert.deepEqual(await canonical(loaded.index), await canonical(index));
});

test("a journal past its share of the index file is folded into a full save; an index not loaded from this file is saved in full", async () => {
  const root = await tempDocs(DOCS);
  const dir = await makeTempDir();
  const file = path.join(dir, "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  const baseBytes = (await fs.stat(file)).size;
  let saves = 0;
  let journaledSaves = 0;
  let sawFold = false;
  for (let r = 0; r < 12 && !sawFold; r++) {
    const edited = path.join(root, `area${r % 3}/page${r}.md`);
    await rewrite(edited, `# Page ${r} again\n\nExporter batching, take ${r}.\n`);
    await index.refreshFile(edited);
    const { journaled } = await saveIndex(index, file, { journalShare: 0.5 });
    saves++;
    if (journaled) {
      journaledSaves++;
      assert.ok((await fs.stat(journalFile(file))).size <= baseBytes * 0.5);
    } else {
      sawFold = true;
      await assert.rejects(fs.stat(journalFile(file)), /ENOENT/);
    }
  }
  assert.ok(journaledSaves > 0 && sawFold, `${journaledSaves} journaled of ${saves}`);
  const loaded = await loadIndex(file, [root]);
  assert.deepEqual(await results(loaded.index), await results(index));
  // Saved to another file: written in full.
  assert.equal((await saveIndex(index, path.join(dir, "other.docent"), { journalShare: SHARE })).journaled, undefined);
});

test("saving a loaded index leaves the posting lists no query used encoded", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.index.bm25.decodedListCount, 0);
  await loaded.index.search("exporter batching");
  const used = loaded.index.bm25.decodedListCount;
  assert.ok(used > 0 && used < loaded.index.bm25.termCount);
  await saveIndex(loaded.index, file + ".copy");
  assert.equal(loaded.index.bm25.decodedListCount, used);
  // And the copy is the same index.
  const copy = await loadIndex(file + ".copy", [root]);
  assert.deepEqual(await results(copy.index), await results(index));
});
