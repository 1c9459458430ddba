import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { getByID, searchVector } from "@orama/orama";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { fuseRankings } from "../../src/engine/index/search/fusion.js";
import { INDEX_FORMAT_VERSION } from "../../src/engine/index/disk/indexFormat.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import type { Embedder } from "../../src/engine/model/modelInterface.js";
import { hashingEmbedder } from "../helpers/hashingEmbedder.js";
import type { Logger } from "../../src/engine/util/logger.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";

const DOCS = {
  "http.md": [
    "# HTTP metrics",
    "",
    "## Server",
    "",
    "### Metric: `http.server.request.duration`",
    "",
    "Duration of HTTP server requests, measured in seconds.",
    "",
    "### Metric: `http.server.active_requests`",
    "",
    "Number of active HTTP server requests.",
  ].join("\n"),
  "db.md": "# Database\n\n## Connections\n\nThe pool keeps idle connections open. The request duration of a query is not recorded here.\n",
  "cpu.md": "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the processor is busy.\n",
};

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

test("a changed file, and only it, is re-chunked; a deleted file leaves the results", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  const first = await index.update();
  assert.deepEqual(first.added.sort(), ["cpu.md", "db.md", "http.md"]);
  const cpuIdsBefore = index.files.get(path.join(root, "cpu.md"))!.chunkIds;
  const dbIdsBefore = index.files.get(path.join(root, "db.md"))!.chunkIds;

  await rewrite(path.join(root, "db.md"), "# Database\n\n## Connections\n\nThe pool now recycles sockets every hour.\n");
  const second = await index.update();
  assert.deepEqual(second.updated, ["db.md"]);
  assert.deepEqual(second.added, []);
  assert.equal(second.unchanged, 2);
  assert.deepEqual(index.files.get(path.join(root, "cpu.md"))!.chunkIds, cpuIdsBefore);
  assert.notDeepEqual(index.files.get(path.join(root, "db.md"))!.chunkIds, dbIdsBefore);
  assert.equal((await index.search("recycles sockets"))[0]!.chunk.relPath, "db.md");
  assert.equal((await index.search("idle connections")).filter((h) => h.chunk.relPath === "db.md" && h.chunk.text.includes("idle")).length, 0);

  // Touching a file without changing its bytes does not re-chunk it (the hash decides).
  await rewrite(path.join(root, "cpu.md"), DOCS["cpu.md"]);
  const third = await index.update();
  assert.deepEqual(third.updated, []);

  await fs.rm(path.join(root, "cpu.md"));
  const fourth = await index.update();
  assert.deepEqual(fourth.removed, ["cpu.md"]);
  const hits = await index.search("CPU utilization processor busy", { k: 10 });
  assert.ok(hits.every((h) => h.chunk.relPath !== "cpu.md"));
  assert.equal(index.fileCount, 2);
});

test("a file changed on disk is re-indexed by refreshFile, and a removed one leaves", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  await index.update();
  await rewrite(path.join(root, "cpu.md"), "# CPU\n\n## Frequency\n\nClock frequency in hertz.\n");
  assert.equal(await index.refreshFile(path.join(root, "cpu.md")), "updated");
  assert.equal((await index.search("clock frequency hertz"))[0]!.chunk.relPath, "cpu.md");
  await fs.writeFile(path.join(root, "new.md"), "# New\n\nQuasar telemetry.\n");
  assert.equal(await index.refreshFile(path.join(root, "new.md")), "added");
  await fs.rm(path.join(root, "new.md"));
  assert.equal(await index.refreshFile(path.join(root, "new.md")), "removed");
  assert.equal((await index.search("quasar")).length, 0);
  assert.equal(await index.refreshFile(path.join(root, "code.ts")), "ignored");
  // A git-ignored doc stays out when the watcher reports it, as it does in a full walk.
  await fs.writeFile(path.join(root, ".gitignore"), "drafts/\n");
  await fs.mkdir(path.join(root, "drafts"));
  await fs.writeFile(path.join(root, "drafts", "wip.md"), "# WIP\n\nZanzibar notes.\n");
  assert.equal(await index.refreshFile(path.join(root, "drafts", "wip.md")), "ignored");
  assert.equal((await index.search("zanzibar")).length, 0);
});

test("exact term lookup wins over ranking", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  await index.update();
  const question = "does the pool keep idle connections open, as counted by http.server.active_requests";
  // Ranking alone puts db.md first (three of its words are in the question)...
  const rankedOnly = await index.search(question, { k: 3, noTerms: true });
  assert.equal(rankedOnly[0]!.chunk.relPath, "db.md");
  // ...but naming the metric gets its defining section for sure.
  const [top] = await index.search(question, { k: 3 });
  assert.equal(top!.term, "http.server.active_requests");
  assert.deepEqual(top!.chunk.headingPath, ["HTTP metrics", "Server", "Metric: `http.server.active_requests`"]);
  assert.ok(top!.matchedBy.includes("term"));
});

test("fusion ranks a document found by both lists above one found by one", () => {
  const fused = fuseRankings([{ ids: ["a", "both"] }, { ids: ["b", "both"] }]);
  assert.equal(fused[0]!.id, "both");
  assert.ok(fused[0]!.score > fused[1]!.score);
});

test("hybrid search fuses vector hits with full-text hits", async () => {
  const root = await tempDocs(DOCS);
  const embedder = hashingEmbedder();
  const index = new DocsIndex([root], { embedder });
  await index.update();
  const hits = await index.search("processor busy share", { k: 3 });
  assert.equal(hits[0]!.chunk.relPath, "cpu.md");
  assert.deepEqual(hits[0]!.matchedBy.sort(), ["text", "vector"]);
});

test("Orama holds each vector as a Float32Array only, not also as the array it was given, and a removed file's vectors leave it", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root], { embedder: hashingEmbedder() });
  await index.update();
  const file = path.join(root, "http.md");
  const id = index.files.get(file)!.chunkIds[0]!;
  const vector = index.vectorOf(id)!;
  assert.equal(vector.length, 64);
  assert.deepEqual((getByID(index.orama, String(id)) as unknown as { embedding: number[] }).embedding, [], "the document store keeps no copy");
  const nearest = async () =>
    (
      (await searchVector(index.orama, { mode: "vector", vector: { value: [...vector], property: "embedding" }, similarity: 0.9999, limit: 5 } as never)) as {
        hits: { id: string }[];
      }
    ).hits.map((h) => h.id);
  assert.ok((await nearest()).includes(String(id)), "vector search finds the chunk by its own vector");
  await fs.rm(file);
  assert.equal(await index.refreshFile(file), "removed");
  assert.ok(!(await nearest()).includes(String(id)), "its vector left Orama's vector index");
});

test("a full save after vector searches writes every chunk's own vector (never one a search emptied)", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root], { embedder: hashingEmbedder() });
  await index.update();
  for (const q of ["request duration", "memory used", "http server"]) await index.search(q, { k: 5 });
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const loaded = await loadIndex(file, [root], { embedder: hashingEmbedder() });
  assert.equal(loaded.status, "loaded");
  const vectorsBy = (i: DocsIndex) =>
    new Map([...i.files.values()].flatMap((entry) => entry.chunkIds.map((id, n) => [`${entry.relPath}#${n}`, [...i.vectorOf(id)!]] as const)));
  const saved = vectorsBy(index);
  assert.ok(saved.size > 3);
  assert.deepEqual(vectorsBy(loaded.index), saved);
  for (const v of saved.values())
    assert.ok(
      v.some((x) => x !== 0),
      "no vector was saved as zeros",
    );
});

test("the saved index loads back with the same results and keeps embeddings of unchanged chunks", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.json");
  const embedder = hashingEmbedder();
  const index = new DocsIndex([root], { embedder });
  await index.update();
  await saveIndex(index, file);
  const embeddedTexts = embedder.texts;

  const loaded = await loadIndex(file, [root], { embedder });
  assert.equal(loaded.status, "loaded");
  assert.equal(loaded.index.chunkCount, index.chunkCount);
  const report = await loaded.index.update();
  assert.equal(report.unchanged, 3);
  const a = await index.search("active requests", { k: 3 });
  const b = await loaded.index.search("active requests", { k: 3 });
  assert.deepEqual(
    b.map((h) => [h.chunk.relPath, h.chunk.startLine]),
    a.map((h) => [h.chunk.relPath, h.chunk.startLine]),
  );

  // Only the changed chunk is embedded again.
  await rewrite(path.join(root, "cpu.md"), "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the cores are busy.\n");
  const before = embedder.texts;
  await loaded.index.update();
  assert.equal(embedder.texts - before, 1);
  assert.ok(embeddedTexts >= 3);
});

test("a corrupt, truncated or old-format index file is discarded with a log line and rebuilt", async () => {
  const root = await tempDocs(DOCS);
  const dir = await makeTempDir();
  const good = path.join(dir, "good.json");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, good);
  const bytes = await fs.readFile(good);
  const oldVersion = Buffer.from(bytes);
  oldVersion.writeUInt32LE(INDEX_FORMAT_VERSION - 1, 8);
  const flipped = Buffer.from(bytes);
  flipped.write("}{", 60, "latin1");

  const cases: Record<string, { content: Uint8Array; reason: RegExp; embedder?: Embedder }> = {
    "cut in the preamble": { content: bytes.subarray(0, 14), reason: /truncated/ },
    "cut in the files": { content: bytes.subarray(0, 200), reason: /checksum mismatch/ },
    "cut in the postings": { content: bytes.subarray(0, bytes.length - 64), reason: /checksum mismatch/ },
    garbage: { content: Buffer.from("\u0000\u0001 not an index"), reason: /not a Docent index file/ },
    "corrupt header": { content: flipped, reason: /checksum mismatch/ },
    "old format": { content: oldVersion, reason: new RegExp(`format version ${INDEX_FORMAT_VERSION - 1}, expected ${INDEX_FORMAT_VERSION}`) },
    "other embedder": { content: bytes, reason: /made with embedder none, now hashing-64/, embedder: hashingEmbedder() },
  };
  for (const [name, { content, reason, embedder }] of Object.entries(cases)) {
    const file = path.join(dir, `${name}.idx`);
    await fs.writeFile(file, content);
    const logger = recordingLogger();
    const outcome = await loadIndex(file, [root], { logger, embedder });
    assert.equal(outcome.status, "discarded", name);
    assert.equal(logger.lines.length, 1, name);
    assert.match(logger.lines[0]!, /discarded, rebuilding/, name);
    assert.match(logger.lines[0]!, reason, name);
    const report = await outcome.index.update();
    assert.equal(report.added.length, 3, name);
    assert.equal((await outcome.index.search("active requests"))[0]!.chunk.relPath, "http.md", name);
  }
  const missing = await loadIndex(path.join(dir, "none.json"), [root]);
  assert.equal(missing.status, "missing");
});

test("saving is atomic: no temporary file is left and the previous file survives a failed write", async () => {
  const root = await tempDocs(DOCS);
  const dir = await makeTempDir();
  const file = path.join(dir, "index.json");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  assert.deepEqual(await fs.readdir(dir), ["index.json"]);
  // Make the target a directory-in-the-way situation: rename onto a non-empty directory fails.
  const blocked = path.join(dir, "blocked");
  await fs.mkdir(path.join(blocked, "x"), { recursive: true });
  await assert.rejects(saveIndex(index, blocked));
  assert.deepEqual((await fs.readdir(dir)).sort(), ["blocked", "index.json"]);
});

test("an embedding failure leaves the new chunks pending, and the next update finishes them", async () => {
  const root = await tempDocs(DOCS);
  const inner = hashingEmbedder();
  let failNext = true;
  const flaky: Embedder = {
    id: inner.id,
    dimensions: inner.dimensions,
    async embed(texts) {
      if (failNext) {
        failNext = false;
        throw new Error("embedding backend crashed");
      }
      return inner.embed(texts);
    },
  };
  const index = new DocsIndex([root], { embedder: flaky });
  await assert.rejects(index.update(), /embedding backend crashed/);
  await index.update();
  assert.equal(index.chunkCount, index.bm25.size);
  const hits = await index.search("processor busy share", { k: 3 });
  assert.equal(hits[0]!.chunk.relPath, "cpu.md");
  assert.ok(hits[0]!.matchedBy.includes("vector"));
});

test("two refreshes of one file at once leave it indexed once", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  await index.update();
  const file = path.join(root, "burst.md");
  await fs.writeFile(file, "# Burst\n\nOrangutan telemetry.\n");
  await Promise.all([index.refreshFile(file), index.refreshFile(file)]);
  assert.equal(index.files.get(file)!.chunkIds.length, 1);
  assert.equal(index.chunkCount, index.bm25.size);
  assert.equal((await index.search("orangutan")).length, 1);
});

test("chunks still waiting for their embedding are saved, load back, and are embedded by the next update", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const inner = hashingEmbedder();
  let fail = true;
  const flaky: Embedder = { id: inner.id, dimensions: inner.dimensions, embed: (t) => (fail ? Promise.reject(new Error("down")) : inner.embed(t)) };
  const index = new DocsIndex([root], { embedder: flaky });
  await assert.rejects(index.update(), /down/);
  const total = index.bm25.size;
  assert.ok(total >= 3);
  assert.equal(index.pendingEmbedding.size, total);
  await saveIndex(index, file);
  fail = false;
  const loaded = await loadIndex(file, [root], { embedder: flaky });
  assert.equal(loaded.status, "loaded");
  assert.equal(loaded.index.pendingEmbedding.size, total);
  await loaded.index.update();
  assert.equal(loaded.index.pendingEmbedding.size, 0);
  assert.equal(loaded.index.chunkCount, total);
  assert.ok((await loaded.index.search("processor busy share"))[0]!.matchedBy.includes("vector"));
});

test("removing a file of more than 1,000 chunks removes them all before the next save", async () => {
  const root = await tempDocs({
    ...DOCS,
    "big.md": Array.from({ length: 1500 }, (_, i) => `## Part ${i}\n\nSection number ${i} of the long file.\n`).join("\n"),
  });
  const baseline = new DocsIndex([await tempDocs(DOCS)]);
  await baseline.update();
  const index = new DocsIndex([root]);
  await index.update();
  assert.ok(index.chunkCount > 1500);
  await fs.rm(path.join(root, "big.md"));
  await index.update();
  assert.equal(index.chunkCount, baseline.chunkCount);
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  assert.equal((await loadIndex(file, [root])).status, "loaded");
});
