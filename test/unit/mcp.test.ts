// `docent mcp`: the MCP server driven by the SDK's own client over stdio, on a copy of two files of
// the sample docs. Also measures start-up and search latency ([figures] lines).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { makeTempDir } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { callTool as call, startMcpServer as startServer, toolText as textOf, type McpServer as Server } from "../helpers/mcpClient.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";

const SAMPLES = path.join(repoRoot(), "samples", "otel-semconv", "docs");
const FILES = ["http/http-metrics.md", "runtime/jvm-metrics.md"];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

let docs: string;
let cacheHome: string;
let server: Server;

before(async () => {
  docs = await makeTempDir("docent-mcp-docs-");
  for (const f of FILES) {
    await fs.mkdir(path.dirname(path.join(docs, f)), { recursive: true });
    await fs.copyFile(path.join(SAMPLES, f), path.join(docs, f));
  }
  cacheHome = await makeTempDir("docent-mcp-cache-");
  server = await startServer([docs], cacheHome);
});

after(async () => {
  await server?.close();
});

test("docent mcp lists its tools with their input schemas (no ask without --model)", async () => {
  const { tools } = await server.client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["define", "read_section", "search_docs"]);
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  assert.deepEqual(byName.search_docs!.inputSchema.required, ["query"]);
  assert.deepEqual(Object.keys(byName.search_docs!.inputSchema.properties!).sort(), ["k", "query"]);
  assert.deepEqual(byName.search_docs!.inputSchema.properties!.k, {
    description: "How many sections (1 to 20, default 5)",
    type: "integer",
    minimum: 1,
    maximum: 20,
  });
  assert.deepEqual(byName.define!.inputSchema.required, ["name"]);
  assert.deepEqual([...byName.read_section!.inputSchema.required!].sort(), ["endLine", "file", "startLine"]);
  for (const t of tools) {
    assert.ok(t.description, t.name);
    assert.equal(t.outputSchema?.type, "object", t.name);
    assert.equal(t.annotations?.readOnlyHint, true, t.name);
  }
});

test("search_docs finds http.server.request.duration in http/http-metrics.md first, with its lines and a file:// link", async () => {
  const r = await call(server.client, "search_docs", { query: "http.server.request.duration", k: 3 });
  assert.notEqual(r.isError, true, textOf(r));
  const { results } = r.structuredContent as { results: Record<string, unknown>[] };
  assert.equal(results.length, 3);
  const first = results[0]!;
  assert.equal(first.file, "http/http-metrics.md");
  assert.equal(first.startLine, 60);
  assert.equal(first.endLine, 77);
  assert.equal(first.term, "http.server.request.duration");
  assert.deepEqual(first.matchedBy, ["text", "term"]);
  assert.match(String(first.heading), /HTTP server > Metric: `http\.server\.request\.duration`$/);
  assert.equal(first.uri, `file://${path.join(docs, "http/http-metrics.md")}#L60-L77`);
  assert.match(String(first.text), /\| `http\.server\.request\.duration` \| Histogram \| `s` \|/);
  assert.equal(first.truncated, false);
  const text = textOf(r);
  assert.ok(text.startsWith(`1. [http/http-metrics.md:60-77](file://${docs}/http/http-metrics.md#L60-L77) `), text.slice(0, 300));
});

test("define gives the heading, file, lines, summary and definition-table row of a metric", async () => {
  const r = await call(server.client, "define", { name: "http.server.request.duration" });
  assert.notEqual(r.isError, true, textOf(r));
  const d = r.structuredContent as Record<string, unknown>;
  assert.equal(d.defined, true);
  assert.equal(d.term, "http.server.request.duration");
  assert.equal(d.file, "http/http-metrics.md");
  assert.equal(d.startLine, 60);
  assert.equal(d.endLine, 77);
  assert.match(String(d.heading), /Metric: `http\.server\.request\.duration`$/);
  // The docs give the instrument and unit in the definition table, not in the prose.
  const details = d.details as Record<string, string>;
  assert.equal(details["Instrument Type"], "Histogram");
  assert.equal(details["Unit (UCUM)"], "`s`");
  assert.equal(details.Description, "Duration of HTTP server requests.");
  assert.match(textOf(r), /Instrument Type: Histogram/);
  assert.match(textOf(r), /Unit \(UCUM\): `s`/);
});

test("define of a misspelt name says it is not defined and gives the nearest defined name's definition", async () => {
  const r = await call(server.client, "define", { name: "http.server.request.durations" });
  assert.notEqual(r.isError, true);
  const d = r.structuredContent as { defined: boolean; didYouMean: string; term: string; startLine: number; details: Record<string, string> };
  assert.equal(d.defined, false);
  assert.equal(d.didYouMean, "http.server.request.duration");
  assert.equal(d.term, "http.server.request.duration");
  assert.equal(d.startLine, 60);
  assert.equal(d.details["Instrument Type"], "Histogram");
  assert.match(textOf(r), /`http\.server\.request\.durations` is not defined in the docs\. Did you mean `http\.server\.request\.duration`\?/);
  const jvm = (await call(server.client, "define", { name: "jvm.memory.usd" })).structuredContent as { didYouMean: string };
  assert.equal(jvm.didYouMean, "jvm.memory.used");
});

test("define of a name far from every defined name says so and lists the nearest defined names", async () => {
  const r = await call(server.client, "define", { name: "http.server.request.timings" });
  assert.notEqual(r.isError, true);
  const d = r.structuredContent as { defined: boolean; nearest: string[]; didYouMean?: string };
  assert.equal(d.defined, false);
  assert.equal(d.didYouMean, undefined);
  assert.ok(d.nearest.includes("http.server.request.duration"), String(d.nearest));
  assert.ok(d.nearest.length <= 5 && d.nearest.length >= 2, String(d.nearest));
  assert.match(textOf(r), /not defined/);
});

test("read_section reads lines of an indexed doc and refuses paths outside the docs folders", async () => {
  const r = await call(server.client, "read_section", { file: "http/http-metrics.md", startLine: 60, endLine: 62 });
  assert.notEqual(r.isError, true, textOf(r));
  const s = r.structuredContent as Record<string, unknown>;
  assert.equal(s.text, "### Metric: `http.server.request.duration`\n\nThis metric is [recommended][MetricRecommended].");
  assert.equal(s.truncated, false);
  const abs = await call(server.client, "read_section", { file: path.join(docs, "runtime/jvm-metrics.md"), startLine: 1, endLine: 1000 });
  assert.notEqual(abs.isError, true, textOf(abs));
  const absS = abs.structuredContent as { endLine: number; truncated: boolean };
  assert.ok(absS.endLine <= 400 && absS.truncated);

  const up = await call(server.client, "read_section", { file: "../../etc/passwd", startLine: 1, endLine: 5 });
  assert.equal(up.isError, true);
  assert.match(textOf(up), /outside the docs folders/);
  assert.doesNotMatch(textOf(up), /root:/);
  const outside = await call(server.client, "read_section", { file: "/etc/passwd", startLine: 1, endLine: 5 });
  assert.equal(outside.isError, true);
  assert.match(textOf(outside), /outside the docs folders/);
  // A link inside the folder that leads out of it is outside too.
  await fs.symlink("/etc/passwd", path.join(docs, "passwd.md"));
  try {
    const link = await call(server.client, "read_section", { file: "passwd.md", startLine: 1, endLine: 5 });
    assert.equal(link.isError, true);
    assert.doesNotMatch(textOf(link), /root:/);
  } finally {
    await fs.unlink(path.join(docs, "passwd.md"));
  }
  const bad = await call(server.client, "read_section", { file: "http/http-metrics.md", startLine: 10, endLine: 5 });
  assert.equal(bad.isError, true);
});

test("a malformed call gets an error and the server keeps serving", async () => {
  const wrongTypes = await call(server.client, "search_docs", { query: 42, k: "five" });
  assert.equal(wrongTypes.isError, true);
  assert.match(textOf(wrongTypes), /Input validation error/);
  const tooMany = await call(server.client, "search_docs", { query: "jvm", k: 500 });
  assert.equal(tooMany.isError, true);
  const missing = await call(server.client, "define", {});
  assert.equal(missing.isError, true);
  const unknown = await call(server.client, "no_such_tool", {});
  assert.equal(unknown.isError, true);
  assert.match(textOf(unknown), /Tool no_such_tool not found/);
  const r = await call(server.client, "search_docs", { query: "jvm.memory.used" });
  assert.notEqual(r.isError, true);
  assert.equal((r.structuredContent as { results: { file: string }[] }).results[0]!.file, "runtime/jvm-metrics.md");
  assert.deepEqual(server.errors, [], "only protocol messages on stdout");
});

test("a new section appended to a doc is found by define within seconds (the watcher re-indexes)", async () => {
  const name = "jvm.test.mcp_watch_metric";
  const before = (await call(server.client, "define", { name })).structuredContent as { defined: boolean };
  assert.equal(before.defined, false);
  const file = path.join(docs, "runtime/jvm-metrics.md");
  const lines = (await fs.readFile(file, "utf8")).split("\n").length;
  await fs.appendFile(file, `\n### Metric: \`${name}\`\n\nA metric added while the server runs, in bytes.\n`);
  const t0 = performance.now();
  let found: Record<string, unknown> | undefined;
  while (performance.now() - t0 < 10_000) {
    const r = (await call(server.client, "define", { name })).structuredContent as Record<string, unknown>;
    if (r.defined) {
      found = r;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ms = performance.now() - t0;
  assert.ok(found, `not defined after ${ms.toFixed(0)} ms; server log:\n${server.stderr()}`);
  assert.equal(found.file, "runtime/jvm-metrics.md");
  assert.ok(Number(found.startLine) >= lines, String(found.startLine));
  assert.equal(found.summary, "A metric added while the server runs, in bytes.");
  console.log(`[figures] mcp watcher: appended definition found by define after ${ms.toFixed(0)} ms`);
});

test("start-up with a saved index and search_docs latency over 100 calls", async () => {
  // The shared server has saved the index in cacheHome; a second server loads it.
  const t0 = performance.now();
  const second = await startServer([docs], cacheHome);
  try {
    await second.client.listTools();
    const listed = performance.now() - t0;
    await call(second.client, "search_docs", { query: "jvm.memory.used" });
    const firstSearch = performance.now() - t0;
    assert.match(second.stderr(), /saved index loaded/);
    const queries = [
      "http.server.request.duration",
      "jvm memory used after garbage collection",
      "http.client.request.body.size",
      "thread count",
      "request duration histogram",
    ];
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      const r = await call(second.client, "search_docs", { query: queries[i % queries.length]!, k: 5 });
      times.push(performance.now() - s);
      assert.notEqual(r.isError, true);
    }
    times.sort((a, b) => a - b);
    console.log(
      `[figures] mcp start (spawn → tools/list answered, saved index): ${listed.toFixed(0)} ms; spawn → first search_docs answered: ${firstSearch.toFixed(0)} ms`,
    );
    console.log(
      `[figures] mcp search_docs latency over 100 calls (k=5, 2 files, round trip over stdio): p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`,
    );
    assert.deepEqual(second.errors, []);
  } finally {
    await second.close();
  }
  // Nothing written but the index: the cache holds one index file, the docs folder only the docs.
  assert.deepEqual(await fs.readdir(path.join(cacheHome, "docent", "indexes")).then((f) => f.length), 1);
  assert.deepEqual((await fs.readdir(cacheHome)).sort(), ["docent"]);
  assert.deepEqual((await fs.readdir(docs)).sort(), ["http", "runtime"]);
});

test("--watch poll re-indexes too, and several folders are served from one index", async () => {
  const other = await makeTempDir("docent-mcp-other-");
  await fs.writeFile(path.join(other, "notes.md"), "# Notes\n\n## `notes.first_setting`\n\nThe first setting.\n");
  const polled = await startServer([docs, other, "--watch", "poll", "--poll-interval", "200"], await makeTempDir("docent-mcp-cache-"));
  try {
    const first = (await call(polled.client, "define", { name: "notes.first_setting" })).structuredContent as Record<string, unknown>;
    assert.equal(first.defined, true);
    assert.equal(first.folder, other);
    assert.equal((await call(polled.client, "define", { name: "http.server.request.duration" })).structuredContent?.defined, true);
    const read = await call(polled.client, "read_section", { file: "notes.md", startLine: 3, endLine: 3 });
    assert.equal((read.structuredContent as { text: string }).text, "## `notes.first_setting`");
    await fs.appendFile(path.join(other, "notes.md"), "\n## `notes.second_setting`\n\nThe second setting.\n");
    const t0 = performance.now();
    let defined = false;
    while (!defined && performance.now() - t0 < 10_000) {
      defined = Boolean((await call(polled.client, "define", { name: "notes.second_setting" })).structuredContent?.defined);
      if (!defined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(defined, polled.stderr());
    assert.match(polled.stderr(), /watching: poll/);
  } finally {
    await polled.close();
  }
});

test("with --model, ask answers from the docs with its sources", async () => {
  const models = await ensureTinyModels();
  const withModel = await startServer(
    [docs, "--model", models.chatTemplate, "--threads", "1", "--gpu", "off", "--max-tokens", "8", "--draft-max-tokens", "4"],
    await makeTempDir("docent-mcp-cache-"),
  );
  try {
    const { tools } = await withModel.client.listTools();
    assert.ok(tools.some((t) => t.name === "ask"));
    const r = await call(withModel.client, "ask", { question: "What is http.server.request.duration?" });
    assert.notEqual(r.isError, true, textOf(r));
    const a = r.structuredContent as { mode: string; answer: string; sources: { file: string; uri: string }[] };
    assert.equal(a.mode, "model");
    assert.equal(a.sources[0]!.file, "http/http-metrics.md");
    // One source per section: the metric's whole section (its heading to the next one).
    assert.match(a.sources[0]!.uri, /^file:\/\/.*http-metrics\.md#L60-L198$/);
    assert.match(textOf(r), /Sources:\n\[1\] \[http\/http-metrics\.md:60-198\]/);
  } finally {
    await withModel.close();
  }
});
