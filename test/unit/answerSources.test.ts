// What an answer shows of its sections: one source per text however many files hold it, and
// excerpts that are whole (code, tables, lists and notices never cut), on real files of the
// OpenTelemetry sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion, sourceBlock } from "../../src/engine/answer/pipeline.js";
import { fingerprint, nearDuplicate } from "../../src/engine/answer/duplicates.js";
import { contextProbe } from "../../src/engine/eval/contextEval.js";
import { repoRoot, tempDocs } from "../helpers/tempDocs.js";

const SAMPLE = path.join(repoRoot(), "samples", "otel-semconv", "docs");
const sample = (rel: string) => fs.readFile(path.join(SAMPLE, rel), "utf8");
const normalised = (t: string) =>
  t
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

test("near-duplicate texts: the same words under another heading, or one word changed in a paragraph, count as one; different sections do not", async () => {
  const rpc = (await sample("rpc/rpc-metrics.md")).split("\n");
  // The stability notice of rpc-metrics.md (lines 24-45) and of rpc-spans.md differ only in a link to their own page.
  const metricsNotice = rpc.slice(23, 45);
  const spansNotice = (await sample("rpc/rpc-spans.md")).split("\n").slice(19, 41);
  assert.notDeepEqual(metricsNotice, spansNotice);
  assert.ok(nearDuplicate(fingerprint(metricsNotice), fingerprint(spansNotice)));
  assert.ok(nearDuplicate(fingerprint(["## Python", ...metricsNotice]), fingerprint(["## TypeScript", ...metricsNotice])));
  // The database notice says "database" where the RPC one says "RPC": the same shape, another text.
  const dbNotice = (await sample("db/database-metrics.md")).split("\n").filter((l) => l.startsWith(">"));
  assert.ok(dbNotice.length > 10);
  assert.ok(!nearDuplicate(fingerprint(metricsNotice), fingerprint(dbNotice)));
  // The page's introduction and its notice are different texts.
  assert.ok(!nearDuplicate(fingerprint(rpc.slice(0, 14)), fingerprint(metricsNotice)));
  // Too short for a shingle: equal word for word, or not the same.
  assert.ok(nearDuplicate(fingerprint(["Number of active requests."]), fingerprint(["number of *active* requests"])));
  assert.ok(!nearDuplicate(fingerprint(["Number of active requests."]), fingerprint(["Number of queued requests."])));
  assert.ok(!nearDuplicate(fingerprint(["# Only a heading"]), fingerprint(["# Only a heading"])));
});

/** The OTel RPC pages (each opens with the same stability notice) and one page copied into a second folder. */
async function rpcDocs(): Promise<DocsIndex> {
  const files: Record<string, string> = {};
  for (const rel of ["rpc/rpc-metrics.md", "rpc/rpc-spans.md", "rpc/README.md", "rpc/grpc.md", "non-normative/rpc-migration.md"])
    files[rel] = await sample(rel);
  files["archive/v1/grpc.md"] = files["rpc/grpc.md"]!;
  const index = new DocsIndex([await tempDocs(files)]);
  await index.update();
  return index;
}

const NOTICE_QUESTION = "Should existing RPC instrumentations change the version of the conventions they emit by default?";

test("a notice pasted into three pages is one source listing all three places, and the answer shows them", async () => {
  const index = await rpcDocs();
  const result = await answerQuestion(index, undefined, NOTICE_QUESTION);
  assert.equal(result.mode, "retrieval-only");
  const withPlaces = result.sources.find((s) => s.also?.length);
  assert.ok(withPlaces, "one source lists the other places of its text");
  const places = [withPlaces, ...withPlaces.also!].map((p) => p.path).sort();
  assert.deepEqual(places, ["rpc/README.md", "rpc/rpc-metrics.md", "rpc/rpc-spans.md"]);
  // Each place once, and no other source shows that text again.
  const shown = result.sources.map((s) => normalised(s.text));
  assert.equal(new Set(shown).size, shown.length);
  assert.equal(result.sources.filter((s) => ["rpc/README.md", "rpc/rpc-metrics.md", "rpc/rpc-spans.md"].includes(s.path)).length, 1);
  // The reader sees every place beside the source's own.
  for (const p of withPlaces.also!) assert.ok(result.answer.includes(`${p.path}:${p.startLine}-${p.endLine}`), p.path);
  assert.match(result.answer, / · also in `rpc\/[^`]+`, `rpc\/[^`]+`/);
});

test("a page copied into a second folder is one source with both places, for the reader and for the model", async () => {
  const index = await rpcDocs();
  const question = "What is the gRPC status code of a server span when the call is cancelled?";
  const plain = await answerQuestion(index, undefined, question);
  const grpc = plain.sources.filter((s) => s.path.endsWith("grpc.md"));
  assert.ok(grpc.length >= 1);
  for (const s of plain.sources)
    assert.ok(!(s.path === "archive/v1/grpc.md" && plain.sources.some((o) => o !== s && o.path === "rpc/grpc.md" && o.startLine === s.startLine)));
  const copies = grpc.filter((s) => s.also?.some((a) => a.path.endsWith("grpc.md") && a.path !== s.path && a.startLine === s.startLine));
  assert.ok(copies.length >= 1, "the copy is listed as another place of the original");
  // The model's context: each section once, its copy named beside it.
  const model = await answerQuestion(index, contextProbe(4096), question, { settings: { draft: false } });
  const texts = model.sources.map((s) => normalised(s.text));
  assert.equal(new Set(texts).size, texts.length);
  const listed = model.sources.find((s) => s.also?.some((a) => a.path.startsWith("archive/") || a.path.startsWith("rpc/")));
  assert.ok(listed);
  assert.match(sourceBlock(listed), /the same text is also in (archive\/v1|rpc)\/grpc\.md lines \d+-\d+/);
});
