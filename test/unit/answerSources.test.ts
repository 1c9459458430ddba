// What an answer shows of its sections: one source per text however many files hold it, and
// excerpts that are whole (code, tables, lists and notices never cut), on real files of the
// OpenTelemetry sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { sourceBlock } from "../../src/engine/answer/answerPrompts.js";
import { fingerprint, nearDuplicate } from "../../src/engine/answer/duplicates.js";
import { contextProbe } from "../../src/engine/eval/contextEval.js";
import { bestExcerpt } from "../../src/engine/answer/excerpts.js";
import { excerptQuery } from "../../src/engine/answer/excerptQuery.js";
import { sectionLabel } from "../../src/engine/answer/sections.js";
import { tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

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

/** The lines of a sample file from its heading `heading` to the next heading of the same or a higher level. */
async function sectionOf(rel: string, heading: string): Promise<string[]> {
  const lines = (await sample(rel)).split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  assert.ok(start >= 0, heading);
  const level = /^#+/.exec(heading)![0].length;
  let end = start + 1;
  while (end < lines.length && !(/^#+\s/.test(lines[end]!) && /^#+/.exec(lines[end]!)![0].length <= level)) end++;
  return lines.slice(start, end);
}

const query = (question: string, terms: string[] = []) => excerptQuery(question, () => 1, terms);

/** Every fence the excerpt opens is closed: its lines come in pairs. */
function assertFencesClosed(text: string): void {
  const fences = text.split("\n").filter((l) => /^\s*(```|~~~)/.test(l));
  assert.equal(fences.length % 2, 0, text);
}

test("a long code block shows the lines the question asks about, inside its fences, even when the budget is small", async () => {
  const lines = await sectionOf("faas/aws-lambda.md", "#### `xray-lambda` propagator functionality");
  const q = query("Which environment variable does the xray-lambda propagator read the trace header from?", ["_x_amzn_trace_id"]);
  const { text } = bestExcerpt(lines, q, 700);
  // Line 13 of an 18-line block: cut after 11 lines, the name asked about never showed.
  assert.match(text, /traceHeader = getEnvironment\("_X_AMZN_TRACE_ID"\)/);
  assertFencesClosed(text);
  for (const budget of [120, 200, 300, 450]) {
    const small = bestExcerpt(lines, q, budget).text;
    assertFencesClosed(small);
    assert.ok(small.length <= budget + 2, `${small.length} > ${budget}`);
  }
});

test("a YAML block is shown from its fence to its fence, its matching keys included", async () => {
  const lines = await sectionOf("how-to-write-conventions/status-metrics.md", "## Design");
  // Weights as the docs' idf gives them: "metric" and "status" are everywhere, "ref" is rare.
  const weights = excerptQuery("Which attribute ref does the status metric list?", (t) => (t === "metric" || t === "statu" ? 0.2 : 2), []);
  const { text } = bestExcerpt(lines, weights, 700);
  assertFencesClosed(text);
  assert.match(text, /^attributes:$/m);
  assert.match(text, /^- ref: example\.state$/m);
});

test("a JSON enum is not cut before the value asked about (the HAS_LABEL case)", () => {
  const values = [
    "HAS_ANNOTATION",
    "HAS_ATTACHMENT",
    "HAS_COMMENT",
    "HAS_COMPONENT",
    "HAS_DEPENDENCY",
    "HAS_EPIC",
    "HAS_FIX_VERSION",
    "HAS_ISSUE",
    "HAS_LABEL",
    "HAS_LINK",
    "HAS_PARENT",
    "HAS_REVIEWER",
    "HAS_SUBTASK",
    "HAS_WATCHER",
  ];
  const lines = [
    "## Relationship types",
    "",
    "A relationship's `type` is one of:",
    "",
    "```json",
    "{",
    '  "type": [',
    ...values.map((v, i) => `    "${v}"${i < values.length - 1 ? "," : ""}`),
    "  ]",
    "}",
    "```",
  ];
  const { text } = bestExcerpt(lines, query("What relationship type links an issue to a label? HAS_LABEL", ["has_label"]), 700);
  assert.match(text, /"HAS_LABEL"/);
  assertFencesClosed(text);
  // Unfenced, the same JSON is still one block, never joined into a sentence.
  const bare = bestExcerpt(
    lines.filter((l) => !l.startsWith("```")),
    query("HAS_LABEL", ["has_label"]),
    700,
  ).text;
  assertFencesClosed(bare);
  assert.match(bare, /^\s+"HAS_LABEL",$/m);
});

test("table rows are whole: under their header, and still a row when the budget is smaller than one", async () => {
  const lines = await sectionOf("db/database-metrics.md", "### Metric: `db.client.operation.duration`");
  const q = query("What is the requirement level and type of the db.namespace attribute?", ["db.namespace"]);
  const { text } = bestExcerpt(lines, q, 700);
  const rows = text.split("\n").filter((l) => l.trimStart().startsWith("|"));
  assert.equal(rows.length, 3, text);
  assert.match(rows[2]!, /^\| \[`db\.namespace`\].*`Conditionally Required` If available\. \| string \|.*\|$/);
  for (const budget of [500, 300, 160, 90]) {
    for (const row of bestExcerpt(lines, q, budget)
      .text.split("\n")
      .filter((l) => l.trimStart().startsWith("|")))
      assert.match(row, /^\|.*\|$/, row);
  }
  // Only the table, and less room than its row takes: the row is shortened cell by cell, never cut mid-row.
  const table = lines.filter((l) => l.startsWith("|")).slice(0, 3);
  const small = bestExcerpt(table, q, 220).text.split("\n");
  assert.equal(small.length, 3, small.join("\n"));
  for (const row of small) assert.match(row, /^\|.*\|$/, row);
});

test("a list item is shown after the sentence that introduces its list, and whole", async () => {
  const lines = await sectionOf("db/database-metrics.md", "#### Metric: `db.client.response.returned_rows`");
  // "10000" is rare in the docs (a high idf), "bucket" and "rows" common.
  const q = excerptQuery("Why is there a 10000 bucket boundary for returned rows?", (t) => (t === "10000" ? 3 : 1), []);
  const { text } = bestExcerpt(lines, q, 700);
  const item = lines.find((l) => l.startsWith("4. 10000"))!;
  assert.ok(text.includes(item), text);
  const lead = text.indexOf("Explaining bucket configuration:");
  assert.ok(lead >= 0 && lead < text.indexOf("4. 10000"), text);
});

test("an alert marker never stands alone: it labels its quote, and a heading made of one gives way to the heading above", async () => {
  const lines = await sectionOf("rpc/rpc-metrics.md", "# Semantic conventions for RPC metrics");
  const q = query("Should existing RPC instrumentations change the version of the conventions they emit by default?");
  for (const budget of [700, 300]) {
    const { text } = bestExcerpt(lines, q, budget);
    for (const line of text.split("\n")) assert.doesNotMatch(line, /^[>\s]*(\[!?IMPORTANT\]|\*\*IMPORTANT\*\*:?)\s*$/i, text);
    assert.match(text, /^> \*\*Important:\*\* /m);
  }
  assert.equal(sectionLabel({ headingPath: ["Migration", "[!IMPORTANT]"], title: "t" }), "Migration");
  assert.equal(sectionLabel({ headingPath: ["[IMPORTANT]"], title: "RPC" }), "RPC");
});

test("the fact first: a source opens with its best-matching line, the rest following in document order", async () => {
  const lines = await sectionOf("http/http-metrics.md", "### Metric: `http.server.request.duration`");
  const q = excerptQuery("Which explicit bucket boundaries are advised?", (t) => (t === "bucket" || t === "boundari" ? 3 : 1), []);
  const first = bestExcerpt(lines, q, 700, { bestFirst: true }).text;
  assert.match(first, /^This metric SHOULD be specified with \[`ExplicitBucketBoundaries` advisory parameter\]/);
  // The same lines in document order put the best one after what comes before it in the section.
  const inOrder = bestExcerpt(lines, q, 700).text;
  assert.ok(inOrder.indexOf("ExplicitBucketBoundaries") > 0, inOrder);
  assert.deepEqual(first.split("\n\n").sort(), inOrder.split("\n\n").sort());
});

test("a retrieval-only answer holds the best-matching line of its first source in its first 600 characters", async () => {
  const index = await rpcDocs();
  const result = await answerQuestion(index, undefined, "For how many months should RPC instrumentations keep security patching their existing major version?");
  assert.match(result.answer.slice(0, 600), /maintain \(security patching at a minimum\) their existing major version for at least six months/);
});
