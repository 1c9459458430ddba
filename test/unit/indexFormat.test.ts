// The compact index (format 4 on; 5 adds the spelling words): chunk texts read back from the files, rankings that survive save,
// load and removals exactly, an index of the previous format discarded and rebuilt, and the
// memory budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { chunkDocument } from "../../src/engine/index/ingest/chunker.js";
import { INDEX_FORMAT_VERSION } from "../../src/engine/index/disk/indexFormat.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import type { Logger } from "../../src/engine/util/logger.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";

const LONG = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} about span links, sampling and exporter batching number ${i}.`).join("\n\n");
const DOCS: Record<string, string> = {
  "http.md":
    "# HTTP metrics\n\n## Server\n\n### Metric: `http.server.request.duration`\n\nDuration of HTTP server requests.\n\n| Name | Meaning |\n|---|---|\n| `http.route` | The matched route. |\n",
  "db.md": "# Database\n\n## Connections\n\nThe pool keeps idle connections open. The request duration of a query is not recorded here.\n",
  "cpu.md": "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the processor is busy.\n",
  "guide/tracing.md": `---\ntitle: Tracing guide\n---\n\n# Tracing\n\n## Spans\n\n${LONG}\n\n## Sampling\n\nHead sampling decides at the root span.\n`,
  "routes.md": "# Routes\n\n| Name | Meaning |\n|---|---|\n| `http.route` | The route template. |\n",
  "notes.txt": "Plain text notes about request duration and idle connections.\n\nA second paragraph on sampling.\n",
};
const QUERIES = ["request duration", "idle connections", "sampling root span", "exporter batching 17", "http.route", "processor busy"];

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** Each query's hits as file, lines, score (to 12 digits), how matched, and text: what callers see. */
async function results(index: DocsIndex): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of QUERIES) {
    const hits = await index.search(q, { k: 8 });
    out.push(
      hits.map((h) => [h.chunk.relPath, h.chunk.startLine, h.chunk.endLine, h.score.toFixed(12), h.matchedBy.join("+"), h.term ?? "", h.chunk.text].join("|")),
    );
  }
  return out;
}

test("a saved index loads with the same hits, scores and chunk texts; texts come back from the files", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  const before = await results(index);
  assert.ok(before.every((hits) => hits.length > 0));
  await saveIndex(index, file);
  const saved = await fs.readFile(file);
  // No chunk text is stored: a sentence found only in a chunk's text is not in the file.
  assert.equal(saved.includes(Buffer.from("Head sampling decides at the root span")), false);
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.status, "loaded");
  assert.deepEqual(await results(loaded.index), before);
  // Every chunk's text is exactly what the chunker makes of its file, and JSON carries it.
  for (const entry of loaded.index.files.values()) {
    const chunks = chunkDocument(await fs.readFile(entry.file, "utf8"), entry.relPath).chunks;
    assert.equal(entry.chunkIds.length, chunks.length, entry.relPath);
    entry.chunkIds.forEach((id, i) => {
      const chunk = loaded.index.getChunk(id)!;
      assert.equal(chunk.text, chunks[i]!.text);
      assert.deepEqual(chunk.headingPath, chunks[i]!.headingPath);
      assert.equal(JSON.parse(JSON.stringify(chunk)).text, chunks[i]!.text);
      assert.equal({ ...chunk }.text, chunks[i]!.text);
    });
  }
  assert.equal(loaded.index.allChunks().length, index.chunkCount);
});

test("removals leave scores exactly those of an index built fresh from the same files", async () => {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  await index.update();
  const savedFirst = path.join(await makeTempDir(), "first.docent");
  await saveIndex(index, savedFirst);
  await rewrite(path.join(root, "routes.md"), "# Routes\n\nNo table here any more.\n");
  await rewrite(path.join(root, "db.md"), "# Database\n\n## Pools\n\nConnection pools and request duration histograms.\n");
  await fs.rm(path.join(root, "cpu.md"));
  await fs.writeFile(path.join(root, "new.md"), "# New\n\nIdle connections and sampling, again.\n");
  await index.update();
  await index.refreshFile(path.join(root, "notes.txt"));
  const fresh = new DocsIndex([root]);
  await fresh.update();
  assert.deepEqual(await results(index), await results(fresh));
  // And after a save and load (compacted, ids renumbered).
  const file = path.join(await makeTempDir(), "index.docent");
  await saveIndex(index, file);
  const loaded = await loadIndex(file, [root]);
  assert.deepEqual(await results(loaded.index), await results(fresh));
  // And a loaded index (lists still encoded, no per-chunk term map) brought up to date.
  const first = await loadIndex(savedFirst, [root]);
  await first.index.update();
  assert.deepEqual(await results(first.index), await results(fresh));
  assert.deepEqual(
    first.index.exactTermHits("`http.route`").map((h) => first.index.getChunk(h.chunkId)!.relPath),
    ["http.md"],
  );
});

test("a chunk whose file changed since it was indexed gets no stale text, and the file is re-indexed", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  const logger = recordingLogger();
  const loaded = await loadIndex(file, [root], { logger });
  const cpu = path.join(root, "cpu.md");
  await rewrite(cpu, "# CPU\n\n## Saturation\n\nRun queue length shows saturation.\n");
  const [hit] = await loaded.index.search("processor busy", { k: 1 });
  assert.equal(hit!.chunk.relPath, "cpu.md");
  // The text indexed is gone from disk; what is there now is not passed off as that chunk.
  assert.equal(hit!.chunk.text, "");
  assert.match(logger.lines.join("\n"), /cpu\.md: changed since it was indexed; re-indexing it/);
  // The re-index was queued: it runs before the next change to the index.
  await loaded.index.refreshFile(path.join(root, "db.md"));
  const [after] = await loaded.index.search("run queue saturation", { k: 1 });
  assert.equal(after!.chunk.relPath, "cpu.md");
  assert.match(after!.chunk.text, /Run queue length/);
  assert.equal((await loaded.index.search("processor busy", { k: 5 })).filter((h) => h.chunk.relPath === "cpu.md").length, 0);
});

/** A file laid out as format 3 wrote it: magic, version 3, JSON length, SHA-256, JSON header, typed arrays. */
function formatThreeFile(root: string): Buffer {
  const header = {
    embedder: null,
    settings: JSON.stringify({ chunking: {}, corpus: {} }),
    roots: [root],
    savedAt: new Date().toISOString(),
    nextId: 1,
    files: [
      {
        file: path.join(root, "cpu.md"),
        root,
        relPath: "cpu.md",
        title: "CPU",
        hash: "0".repeat(40),
        size: 1,
        mtimeMs: 1,
        chunkIds: [0],
        sections: [],
        hadInvalidUtf8: false,
      },
    ],
    terms: [],
    bm25Terms: [],
    orama: {},
    pendingEmbedding: [],
    sections: [],
  };
  const json = Buffer.from(JSON.stringify(header));
  const body = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8)]);
  const preamble = Buffer.alloc(48);
  preamble.write("DOCENTIX", 0, "latin1");
  preamble.writeUInt32LE(3, 8);
  preamble.writeUInt32LE(json.length, 12);
  createHash("sha256").update(body).digest().copy(preamble, 16);
  return Buffer.concat([preamble, body]);
}

test("an index saved by format 3 (JSON header) is discarded with a log line and rebuilt in the current format", async () => {
  assert.equal(INDEX_FORMAT_VERSION, 8);
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  await fs.writeFile(file, formatThreeFile(root));
  const logger = recordingLogger();
  const outcome = await loadIndex(file, [root], { logger });
  assert.equal(outcome.status, "discarded");
  assert.deepEqual(logger.lines, [`Saved index ${file} discarded, rebuilding: format version 3, expected ${INDEX_FORMAT_VERSION}`]);
  const report = await outcome.index.update();
  assert.equal(report.added.length, Object.keys(DOCS).length);
  await saveIndex(outcome.index, file);
  assert.equal((await fs.readFile(file)).readUInt32LE(8), INDEX_FORMAT_VERSION);
  const again = await loadIndex(file, [root]);
  assert.equal(again.status, "loaded");
  assert.deepEqual(await results(again.index), await results(outcome.index));
});

test("over its memory budget an update stops taking in files, says so, and the index answers from what it has", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const first = new DocsIndex([root]);
  await first.update();
  await saveIndex(first, file);
  await fs.writeFile(path.join(root, "extra.md"), "# Extra\n\nQuokka latency figures.\n");

  const logger = recordingLogger();
  // A budget of 1 MB is exceeded from the start: nothing new is indexed.
  const loaded = await loadIndex(file, [root], { logger, memoryBudgetMB: 1 });
  assert.equal(loaded.status, "loaded");
  const report = await loaded.index.update();
  assert.ok(report.overBudget, "the report says the budget stopped it");
  assert.equal(report.overBudget.budgetMB, 1);
  assert.equal(report.overBudget.filesLeft, Object.keys(DOCS).length + 1);
  assert.ok(report.overBudget.usedMB > 1);
  const n = Object.keys(DOCS).length;
  assert.match(
    logger.lines.join("\n"),
    new RegExp(`Indexing stopped at the memory budget \\(\\d+ MB of 1 MB\\): ${n + 1} files not indexed; search answers from the ${n} indexed`),
  );
  assert.equal(report.removed.length, 0, "files not reached are not dropped");
  assert.equal(loaded.index.fileCount, Object.keys(DOCS).length);
  assert.equal((await loaded.index.search("idle connections", { k: 1 }))[0]!.chunk.relPath, "db.md");
  assert.equal((await loaded.index.search("quokka latency")).length, 0);

  // With room to spare, the same update indexes everything.
  const roomy = await loadIndex(file, [root], { memoryBudgetMB: 1_000_000 });
  const full = await roomy.index.update();
  assert.equal(full.overBudget, undefined);
  assert.deepEqual(full.added, ["extra.md"]);
  assert.equal((await roomy.index.search("quokka latency"))[0]!.chunk.relPath, "extra.md");
});
