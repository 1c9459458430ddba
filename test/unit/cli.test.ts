import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { pipelineSettingsFrom } from "../../src/cli/pipelineOptions.js";
import { UsageError } from "../../src/cli/args.js";
import { DEFAULT_PIPELINE } from "../../src/shared/pipelineSettings.js";

const run = promisify(execFile);
const CLI = path.join(repoRoot(), "dist", "cli.js");

async function docent(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_CACHE_HOME: await makeTempDir() } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const DOCS = {
  "guide/metrics.md": "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n",
  "guide/gc.md": "# Garbage collection\n\nPauses of the collector, in seconds.\n",
  "big.log.md": "# Log\n\n" + "x".repeat(3 * 1024 * 1024),
};

test("docent index reports what was indexed and skipped, then loads the saved index", async () => {
  const dir = await tempDocs(DOCS);
  const indexFile = path.join(await makeTempDir(), "idx.json");
  const first = await docent(["index", dir, "--index", indexFile]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Indexed 2 files, 2 sections \(built\)/);
  assert.match(first.stdout, /big\.log\.md: too-large \(3\.0 MB is over the 2\.0 MB limit\)/);
  const second = await docent(["index", dir, "--index", indexFile, "--json"]);
  const summary = JSON.parse(second.stdout);
  assert.equal(summary.load, "loaded");
  assert.equal(summary.unchanged, 2);
  assert.deepEqual(
    summary.skipped.map((s: { path: string }) => s.path),
    ["big.log.md"],
  );
});

test("docent search lists file, heading path, lines and score", async () => {
  const dir = await tempDocs(DOCS);
  const { stdout, code, stderr } = await docent(["search", dir, "jvm.memory.used", "--k", "2", "--json"]);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.deepEqual(result.results[0], {
    path: "guide/metrics.md",
    heading: "Metrics > Metric: `jvm.memory.used`",
    startLine: 3,
    endLine: 5,
    score: 1,
    matchedBy: ["text", "term"],
    term: "jvm.memory.used",
  });
  const text = await docent(["search", dir, "collector pauses"]);
  assert.match(text.stdout, /^1\. guide\/gc\.md:1-3 {2}Garbage collection/m);
});

test("docent search and define read a misspelt name as the defined one, and say so", async () => {
  const dir = await tempDocs(DOCS);
  const search = JSON.parse((await docent(["search", dir, "jvm.memroy.used collecter", "--json"])).stdout);
  assert.deepEqual(search.spelling, { corrected: [{ from: "collecter", to: "collector" }], notFound: [] });
  assert.equal(search.results[0].term, "jvm.memory.used");
  assert.equal(search.results[0].askedAs, "jvm.memroy.used");
  const text = await docent(["define", dir, "jvm.memroy.used"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Did you mean jvm\.memory\.used\? The docs do not define jvm\.memroy\.used\./);
  assert.match(text.stdout, /Defined in guide\/metrics\.md:3/);
  const json = JSON.parse((await docent(["define", dir, "jvm.memroy.used", "--json"])).stdout);
  assert.deepEqual([json.defined, json.didYouMean, json.path, json.startLine], [false, "jvm.memory.used", "guide/metrics.md", 3]);
  const exact = JSON.parse((await docent(["define", dir, "jvm.memory.used", "--json"])).stdout);
  assert.deepEqual([exact.defined, exact.didYouMean], [true, undefined]);
  const none = await docent(["define", dir, "kafka.consumer.lag"]);
  assert.equal(none.code, 1);
  assert.match(none.stdout, /kafka\.consumer\.lag is not defined in the docs\./);
});

test("docent eval prints the retrieval metrics as JSON", async () => {
  const dir = await tempDocs(DOCS);
  const questions = path.join(await makeTempDir(), "q.jsonl");
  await fs.writeFile(
    questions,
    [
      { id: "1", question: "How much memory does the JVM use?", relevant: ["guide/metrics.md"] },
      { id: "2", question: "How long are collector pauses?", relevant: ["guide/gc.md"] },
    ]
      .map((q) => JSON.stringify(q))
      .join("\n"),
  );
  const { stdout, code, stderr } = await docent(["eval", "--docs", dir, "--questions", questions, "--json"]);
  assert.equal(code, 0, stderr);
  const m = JSON.parse(stdout);
  assert.equal(m.questions, 2);
  assert.equal(m["hit@5"], 1);
  assert.equal(m["mrr@10"], 1);
  assert.equal(m.not_covered, 0);
  assert.deepEqual(m.not_covered_ids, []);
  for (const key of ["recall@5", "p50_ms", "p95_ms"]) assert.equal(typeof m[key], "number", key);
  // Retrieval alone: model flags belong to --answers and are not loaded here.
  const withModel = await docent(["eval", "--docs", dir, "--questions", questions, "--json", "--model", "/nonexistent/model.gguf"]);
  assert.equal(withModel.code, 0, withModel.stderr);
  assert.deepEqual({ ...JSON.parse(withModel.stdout), p50_ms: 0, p95_ms: 0 }, { ...m, p50_ms: 0, p95_ms: 0 });
});

test("docent eval --context reports context recall, visible recall and the relevant files' recall without a model", async () => {
  const dir = await tempDocs(DOCS);
  const questions = path.join(await makeTempDir(), "q.jsonl");
  await fs.writeFile(
    questions,
    [
      { id: "1", question: "How much memory does the JVM use?", relevant: ["guide/metrics.md"], answer: "Memory used by the JVM, in bytes." },
      { id: "2", question: "How long are collector pauses?", relevant: ["guide/gc.md"], answer: "Collector pauses are given in seconds." },
    ]
      .map((q) => JSON.stringify(q))
      .join("\n"),
  );
  const { stdout, code, stderr } = await docent(["eval", "--docs", dir, "--questions", questions, "--context", "--json"]);
  assert.equal(code, 0, stderr);
  const m = JSON.parse(stdout);
  assert.equal(m.questions, 2);
  // Answer 2's content words are collector, pauses, given, seconds: no doc says "given".
  assert.equal(m.context_recall, (1 + 3 / 4) / 2);
  assert.equal(m.visible_recall, m.context_recall);
  assert.equal(m.relevant_files_recall, m.context_recall);
  assert.equal(m.context_size, 4096);
  assert.ok(m.mean_context_tokens > 0 && m.mean_context_tokens <= m.mean_context_budget);
  // Reference answers are needed.
  await fs.writeFile(questions, JSON.stringify({ id: "1", question: "q", relevant: [] }));
  const without = await docent(["eval", "--docs", dir, "--questions", questions, "--context"]);
  assert.equal(without.code, 2);
  assert.match(without.stderr, /--context needs reference answers/);
});

test("docent eval counts 'not covered' answers, cuts every mode with --limit, and mistypes the questions with --typos", async () => {
  const dir = await tempDocs(DOCS);
  const tmp = await makeTempDir();
  const questions = path.join(tmp, "q.jsonl");
  const set = [
    { id: "1", question: "How much memory does the JVM use?", relevant: ["guide/metrics.md"], answer: "Memory used by the JVM, in bytes." },
    { id: "2", question: "How long are collector pauses?", relevant: ["guide/gc.md"], answer: "Collector pauses are given in seconds." },
    { id: "bread", question: "How do I bake sourdough bread?", relevant: ["guide/gc.md"], answer: "Knead the dough." },
  ];
  await fs.writeFile(questions, set.map((q) => JSON.stringify(q)).join("\n"));
  const retrieval = await docent(["eval", "--docs", dir, "--questions", questions, "--json"]);
  assert.equal(retrieval.code, 0, retrieval.stderr);
  assert.deepEqual(JSON.parse(retrieval.stdout).not_covered_ids, ["bread"]);
  const text = await docent(["eval", "--docs", dir, "--questions", questions]);
  assert.match(text.stdout, /^not_covered +1$/m);
  assert.match(text.stdout, /^not_covered_ids +bread$/m);
  const context = JSON.parse((await docent(["eval", "--docs", dir, "--questions", questions, "--context", "--json"])).stdout);
  assert.equal(context.not_covered, 1);
  assert.equal(context.questions, 3);
  assert.ok(context.visible_recall_first_600 <= context.visible_recall);
  // --limit holds for --context too (it was parsed and ignored there).
  const limited = JSON.parse((await docent(["eval", "--docs", dir, "--questions", questions, "--context", "--limit", "2", "--json"])).stdout);
  assert.equal(limited.questions, 2);
  assert.equal(limited.not_covered, 0);
  assert.equal(JSON.parse((await docent(["eval", "--docs", dir, "--questions", questions, "--limit", "1", "--json"])).stdout).questions, 1);
  // --typos: the questions as evaluated, written with their edits; the same seed, the same file.
  const out = path.join(tmp, "typos.jsonl");
  const typed = await docent(["eval", "--docs", dir, "--questions", questions, "--typos", "3", "--typos-out", out, "--json"]);
  assert.equal(typed.code, 0, typed.stderr);
  assert.equal(JSON.parse(typed.stdout).typos_seed, 3);
  const lines = (await fs.readFile(out, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((q) => [q.id, q.relevant, q.answer]),
    set.map((q) => [q.id, q.relevant, q.answer]),
  );
  for (const [i, q] of lines.entries()) {
    assert.notEqual(q.question, set[i]!.question);
    assert.ok(q.typos.length >= 1 && q.typos.length <= 2);
  }
  const again = path.join(tmp, "again.jsonl");
  await docent(["eval", "--docs", dir, "--questions", questions, "--typos", "3", "--typos-out", again, "--context"]);
  assert.equal(await fs.readFile(again, "utf8"), await fs.readFile(out, "utf8"));
  const noSeed = await docent(["eval", "--docs", dir, "--questions", questions, "--typos-out", out]);
  assert.equal(noSeed.code, 2);
  assert.match(noSeed.stderr, /--typos-out needs --typos <seed>/);
});

test("docent explains bad input instead of crashing", async () => {
  const missing = await docent(["search", "/nonexistent/folder", "q"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/folder is not a folder/);
  const unknown = await docent(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const dir = await tempDocs(DOCS);
  const bad = path.join(dir, "bad.jsonl");
  await fs.writeFile(bad, "{not json}\n");
  const badEval = await docent(["eval", "--docs", dir, "--questions", bad]);
  assert.equal(badEval.code, 1);
  assert.match(badEval.stderr, /bad\.jsonl:1: not valid JSON/);
});

test("docent ask --json lists a page copied into a second folder as one source with both places", async () => {
  const dir = await tempDocs({ ...DOCS, "archive/metrics.md": DOCS["guide/metrics.md"] });
  const { stdout, code, stderr } = await docent(["ask", dir, "How much memory does the JVM use?", "--json"]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout) as { sources: { path: string; startLine: number; also?: unknown }[] };
  const shown = r.sources.filter((s) => s.path.endsWith("metrics.md"));
  assert.equal(shown.length, 1, JSON.stringify(r.sources));
  const other = shown[0]!.path === "guide/metrics.md" ? "archive/metrics.md" : "guide/metrics.md";
  assert.deepEqual(shown[0]!.also, [{ path: other, startLine: 3, endLine: 5 }]);
});

test("docent ask without a model gives the retrieval-only answer with sources", async () => {
  const dir = await tempDocs(DOCS);
  const { stdout, code, stderr } = await docent(["ask", dir, "What is jvm.memory.used?", "--json"]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assert.equal(r.mode, "retrieval-only");
  assert.equal(r.draft, "");
  assert.deepEqual(r.sources[0], {
    n: 1,
    path: "guide/metrics.md",
    heading: "Metrics > Metric: `jvm.memory.used`",
    label: "Metric: jvm.memory.used",
    startLine: 3,
    endLine: 5,
    matchedBy: ["text", "term"],
    term: "jvm.memory.used",
  });
  for (const key of ["answer", "citations", "timings"]) assert.ok(key in r, key);
});

test("docent ask --exclude and --include choose the files it answers from, as docent index does", async () => {
  const dir = await tempDocs({ ...DOCS, "archive/metrics.md": DOCS["guide/metrics.md"] });
  const paths = async (...args: string[]) => {
    const { stdout, code, stderr } = await docent(["ask", dir, "How much memory does the JVM use?", "--json", ...args]);
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout) as { sources: { path: string; also?: { path: string }[] }[] };
    return r.sources.flatMap((s) => [s.path, ...(s.also ?? []).map((a) => a.path)]).sort();
  };
  assert.deepEqual(await paths(), ["archive/metrics.md", "guide/metrics.md"]);
  assert.deepEqual(await paths("--exclude", "archive/**"), ["guide/metrics.md"]);
  assert.deepEqual(await paths("--include", "archive/**"), ["archive/metrics.md"]);
});

test("docent ask with a generated model drafts (--draft-always for a named term), retrieves and answers; --lora changes the answer; --no-draft and a named term skip the draft", async () => {
  const models = await ensureTinyModels();
  const dir = await tempDocs(DOCS);
  const base = [
    "ask",
    dir,
    "What is jvm.memory.used?",
    "--model",
    models.chatTemplate,
    "--threads",
    "1",
    "--gpu",
    "off",
    "--json",
    "--max-tokens",
    "12",
    "--draft-max-tokens",
    "8",
    "--draft-always",
  ];
  const plain = await docent(base);
  assert.equal(plain.code, 0, plain.stderr);
  const r = JSON.parse(plain.stdout);
  assert.equal(r.mode, "model");
  assert.ok(r.draft.length > 0);
  assert.equal(r.tokens.answer, 12);
  assert.equal(r.sources[0].path, "guide/metrics.md");
  for (const stage of ["terms", "draft", "retrieve", "answer", "total"]) assert.equal(typeof r.timings[stage], "number", stage);
  const lora = JSON.parse((await docent([...base, "--lora", `${models.lora}:1`])).stdout);
  assert.notEqual(lora.answer, r.answer);
  const noDraft = JSON.parse((await docent([...base, "--no-draft"])).stdout);
  assert.equal(noDraft.draft, "");
  assert.equal(noDraft.timings.draft, 0);
  // By default a question naming a defined term is not drafted, and --json says why.
  const named = JSON.parse((await docent(base.filter((a) => a !== "--draft-always"))).stdout);
  assert.equal(named.draft, "");
  assert.equal(named.timings.draft, 0);
  assert.equal(named.draftSkipped, "the question names jvm.memory.used, which the docs define");
  assert.equal(named.sources[0].path, "guide/metrics.md");
});

test("docent ask with a bad model file names the file and the problem", async () => {
  const dir = await tempDocs(DOCS);
  const bad = path.join(dir, "broken.gguf");
  await fs.writeFile(bad, "not a model at all");
  const r = await docent(["ask", dir, "q", "--model", bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.gguf/);
  assert.match(r.stderr, /not a GGUF model/);
  // A wrong model path fails before any indexing: no index file is written.
  const indexFile = path.join(await makeTempDir(), "idx.json");
  const missing = await docent(["ask", dir, "q", "--model", path.join(dir, "nope.gguf"), "--index", indexFile]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Model file not found: .*nope\.gguf/);
  await assert.rejects(fs.stat(indexFile), "the docs were not indexed for a command that cannot run");
});

/* eslint-disable no-control-regex -- control characters are what this test looks for */
test("escape sequences in file names and headings are shown escaped in text output; --json stays valid JSON", async () => {
  const dir = await tempDocs({
    "evil\x1b[31m.md": "# Title \x1b]0;pwned\x07 here\n\nThe pwned heading section text, with \x1b[2J in it.\n",
  });
  const indexFile = path.join(await makeTempDir(), "idx");
  const index = await docent(["index", dir, "--index", indexFile]);
  assert.equal(index.code, 0, index.stderr);
  const search = await docent(["search", dir, "pwned heading", "--index", indexFile]);
  assert.equal(search.code, 0, search.stderr);
  for (const out of [search.stdout, search.stderr, index.stdout, index.stderr]) {
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  }
  assert.ok(search.stdout.includes("evil\\x1b[31m.md:1-3"), search.stdout);
  assert.ok(search.stdout.includes("Title \\x1b]0;pwned\\x07 here"), search.stdout);
  const ask = await docent(["ask", dir, "pwned heading", "--index", indexFile]);
  assert.equal(ask.code, 0, ask.stderr);
  assert.doesNotMatch(ask.stdout + ask.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.ok(ask.stdout.includes("\\x1b[2J"), ask.stdout);
  const json = await docent(["search", dir, "pwned heading", "--index", indexFile, "--json"]);
  const parsed = JSON.parse(json.stdout) as { results: { path: string; heading: string }[] };
  assert.equal(parsed.results[0]!.path, "evil\x1b[31m.md");
  assert.match(parsed.results[0]!.heading, /\x1b\]0;pwned\x07/);
  assert.doesNotMatch(json.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  const askJson = await docent(["ask", dir, "pwned heading", "--index", indexFile, "--json"]);
  assert.equal((JSON.parse(askJson.stdout) as { sources: { path: string }[] }).sources[0]!.path, "evil\x1b[31m.md");
});
/* eslint-enable no-control-regex */

test("the pipeline flags of ask and mcp default to the editor's pipeline (DEFAULT_PIPELINE) and are checked", () => {
  const defaults = pipelineSettingsFrom({});
  assert.deepEqual(defaults, {
    draft: DEFAULT_PIPELINE.draft,
    draftForNamedTerms: DEFAULT_PIPELINE.draftForNamedTerms,
    sources: DEFAULT_PIPELINE.sources,
    answerMaxTokens: DEFAULT_PIPELINE.answerMaxTokens,
    draftMaxTokens: DEFAULT_PIPELINE.draftMaxTokens,
    firstTokenSeconds: DEFAULT_PIPELINE.firstTokenSeconds,
  });
  assert.deepEqual(
    pipelineSettingsFrom({ "no-draft": true, "draft-always": true, sources: "3", "max-tokens": "64", "draft-max-tokens": "16", "first-token-seconds": "2.5" }),
    {
      draft: false,
      draftForNamedTerms: true,
      sources: 3,
      answerMaxTokens: 64,
      draftMaxTokens: 16,
      firstTokenSeconds: 2.5,
    },
  );
  assert.throws(() => pipelineSettingsFrom({ "first-token-seconds": "-1" }), UsageError);
  assert.throws(
    () => pipelineSettingsFrom({ sources: "0" }),
    (err: unknown) => err instanceof UsageError && /--sources must be a positive whole number/.test(err.message),
  );
});
