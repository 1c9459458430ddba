// The fine-tuning loop: dataset records from the docs with a tiny generated model, feedback
// export, and the answer metrics on hand-checked examples.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import type { FeedbackEntry } from "../../src/engine/finetune/feedbackLog.js";
import { generateDataset, splitFiles, validationFileFor, type DatasetOptions } from "../../src/engine/finetune/dataset.js";
import { exportFeedback } from "../../src/engine/finetune/feedbackExport.js";
import { citationScores, rougeL, tokenF1 } from "../../src/engine/eval/answerMetrics.js";
import type { ChatRecord } from "../../src/engine/finetune/chatRecords.js";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

const DOCS = {
  "http.md":
    "# HTTP\n\n## Metric: `http.server.request.duration`\n\nDuration of HTTP server requests, in seconds, recorded as a histogram with explicit bucket boundaries.\n\n## Metric: `http.server.active_requests`\n\nNumber of HTTP server requests in flight right now, as an up-down counter per route and method.\n",
  "db.md":
    "# Database\n\n## Connections\n\nThe connection pool keeps idle connections open and recycles every connection once an hour to spread load.\n\n## Queries\n\nQuery duration is measured from the moment the query is sent to the moment the last row is received.\n",
  "cpu.md": "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the processor spends busy, from 0 to 1, averaged over each logical core.\n",
  "jvm.md": "# JVM\n\n## Memory\n\nMemory used by the JVM heap and non-heap pools, in bytes, reported per memory pool after each garbage collection.\n",
};

let chat: ChatModel;
let index: DocsIndex;
/** One full run, shared by the tests that only read its output. */
let full: { out: string; summary: Awaited<ReturnType<typeof generateDataset>>; records: ChatRecord[] };

const SMALL = { question: 12, answer: 16, rephrase: 16 };

async function run(out: string, extra: Partial<DatasetOptions> = {}) {
  return generateDataset(index, chat, { out, perSection: 2, distractors: 3, seed: 7, maxTokens: SMALL, ...extra });
}

async function readRecords(file: string): Promise<ChatRecord[]> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ChatRecord);
}

before(async () => {
  const models = await ensureTinyModels();
  chat = await ChatModel.load(await getLlamaInstance("off"), models.chatTemplate, { gpu: "off", threads: 1 });
  index = new DocsIndex([await tempDocs(DOCS)]);
  await index.update();
  const out = path.join(await makeTempDir(), "full.jsonl");
  const summary = await run(out);
  full = { out, summary, records: [...(await readRecords(out)), ...(await readRecords(validationFileFor(out)))] };
});

after(async () => chat?.dispose());

test("dataset: every record is valid JSON with system, user, assistant in order; sections covered; summary adds up", async () => {
  const { out, summary } = full;
  const train = await readRecords(out);
  const val = await readRecords(validationFileFor(out));
  assert.equal(train.length, summary.records.train);
  assert.equal(val.length, summary.records.validation);
  assert.ok(train.length > 0 && val.length > 0);
  for (const r of [...train, ...val]) {
    assert.deepEqual(
      r.messages.map((m) => m.role),
      ["system", "user", "assistant"],
    );
    for (const m of r.messages) assert.equal(typeof m.content, "string");
    assert.ok(r.messages[2]!.content.length > 0);
  }
  assert.equal(summary.sections.total, 6);
  assert.equal(summary.sections.covered, 6);
  const kinds = new Set(train.map((r) => r.metadata.kind));
  for (const k of ["qa", "retrieval", "rephrase"]) assert.ok(kinds.has(k), k);
  assert.ok(summary.generatedTokens > 0);
});

test("dataset: no source file feeds both train and validation", async () => {
  const trainFiles = new Set((await readRecords(full.out)).map((r) => r.metadata.path));
  const valFiles = new Set((await readRecords(validationFileFor(full.out))).map((r) => r.metadata.path));
  assert.ok(valFiles.size > 0);
  for (const f of valFiles) assert.ok(!trainFiles.has(f), `${f} is on both sides`);
  assert.deepEqual([...splitFiles(["a.md", "b.md", "c.md", "d.md"], 1, 0.25)].length, 1);
  assert.equal(splitFiles(["only.md"], 1, 0.5).size, 0, "a single file stays in train");
});

test("dataset: the same seed gives identical files; another seed splits differently", async () => {
  const again = path.join(await makeTempDir(), "again.jsonl");
  await run(again);
  assert.equal(await fs.readFile(again, "utf8"), await fs.readFile(full.out, "utf8"));
  assert.equal(await fs.readFile(validationFileFor(again), "utf8"), await fs.readFile(validationFileFor(full.out), "utf8"));
  const paths = Object.keys(DOCS);
  assert.ok([1, 2, 3, 4, 5].some((seed) => [...splitFiles(paths, seed, 0.25)][0] !== [...splitFiles(paths, 7, 0.25)][0]));
});

test("dataset: an interrupted run resumes where it stopped, without duplicates, and ends identical", async () => {
  const out = path.join(await makeTempDir(), "resumed.jsonl");
  const controller = new AbortController();
  await assert.rejects(
    run(out, { signal: controller.signal, onProgress: (p) => p.done >= 2 && controller.abort() }),
    (err: Error) => err.name === "AbortError",
  );
  const partial = await readRecords(out);
  assert.ok(partial.length > 0);
  // A line cut off mid-write is dropped on resume.
  await fs.appendFile(out, '{"messages":[{"role":"sys');
  const summary = await run(out);
  assert.ok(summary.sections.resumed >= 1);
  const lines = (await fs.readFile(out, "utf8")).split("\n").filter(Boolean);
  assert.equal(new Set(lines).size, lines.length, "no duplicate records");
  assert.equal(await fs.readFile(out, "utf8"), await fs.readFile(full.out, "utf8"));
  assert.equal(await fs.readFile(validationFileFor(out), "utf8"), await fs.readFile(validationFileFor(full.out), "utf8"));
});

test("dataset: distractors come from search and never include the right section", async () => {
  const records = full.records.filter((r) => r.metadata.kind === "retrieval");
  assert.ok(records.length > 0);
  for (const r of records) {
    const meta = r.metadata as { section: string; rightSource: number; distractors: string[] };
    assert.ok(!meta.distractors.includes(meta.section), `${meta.section} is among its own distractors`);
    assert.equal(meta.distractors.length, 3);
    assert.match(r.messages[2]!.content, new RegExp(`\\[${meta.rightSource}\\]`));
    const [file] = meta.section.split("#");
    assert.ok(r.messages[1]!.content.includes(`[${meta.rightSource}] ${file} — `), "the right section is numbered as cited");
  }
});

function entry(extra: Partial<FeedbackEntry>): FeedbackEntry {
  return {
    version: 1,
    at: "2026-11-21T10:00:00.000Z",
    rating: "up",
    question: "What unit does http.server.request.duration use?",
    draft: "Seconds, I think.",
    answer: "Seconds [1].",
    mode: "model",
    sources: [{ n: 1, path: "http.md", heading: "HTTP > Metric", startLine: 3, endLine: 5, text: "Duration of HTTP server requests, in seconds." }],
    citations: [1],
    ...extra,
  };
}

test("feedback export: thumbs up become chat records, thumbs down with a correction become preference pairs", () => {
  const result = exportFeedback([
    entry({}),
    entry({}), // the same entry twice is exported once
    entry({ rating: "down", answer: "Milliseconds [1].", correction: "Seconds, as the section says [1]." }),
    entry({ rating: "down", answer: "No idea." }), // no correction: nothing to learn from
    entry({ rating: "up", mode: "retrieval-only" }), // not a model answer
  ]);
  assert.equal(result.chat.length, 1);
  assert.equal(result.preferences.length, 1);
  assert.equal(result.skipped, 3);
  const [chatRecord] = result.chat;
  assert.deepEqual(
    chatRecord!.messages.map((m) => m.role),
    ["system", "user", "assistant"],
  );
  assert.match(chatRecord!.messages[1]!.content, /\[1\] http\.md — HTTP > Metric \(lines 3-5\)\nDuration of HTTP server requests, in seconds\./);
  assert.equal(chatRecord!.messages[2]!.content, "Seconds [1].");
  const [pair] = result.preferences;
  assert.deepEqual(
    pair!.prompt.map((m) => m.role),
    ["system", "user"],
  );
  assert.equal(pair!.chosen[0]!.content, "Seconds, as the section says [1].");
  assert.equal(pair!.rejected[0]!.content, "Milliseconds [1].");
});

test("docent feedback export skips entries without their sources' texts and says how many", async () => {
  const dir = await makeTempDir();
  const log = path.join(dir, "feedback.jsonl");
  const withoutText = entry({ answer: "Seconds, rated later [1]." });
  delete withoutText.sources[0]!.text;
  await fs.writeFile(log, [entry({}), withoutText, entry({ rating: "down", answer: "No idea." })].map((e) => JSON.stringify(e)).join("\n") + "\n");
  const out = path.join(dir, "train.jsonl");
  const run = promisify(execFile);
  const cli = path.join(repoRoot(), "dist", "cli.js");
  const json = JSON.parse((await run(process.execPath, [cli, "feedback", "export", "--log", log, "--out", out, "--json"])).stdout);
  assert.equal(json.chatRecords, 1);
  assert.equal(json.skipped, 2);
  assert.equal(json.skippedWithoutTexts, 1);
  assert.equal((await fs.readFile(out, "utf8")).trim().split("\n").length, 1);
  const text = (await run(process.execPath, [cli, "feedback", "export", "--log", log, "--out", out])).stdout;
  assert.match(text, /2 entries skipped \(nothing to train on, 1 of them without the texts of their sources\)/);
});

test("answer metrics give the hand-computed numbers", () => {
  // p = [cat, sat, down], r = [cat, sat, on, mat]: overlap 2, P 2/3, R 1/2, F1 4/7.
  assert.ok(Math.abs(tokenF1("The cat sat down.", "The cat sat on the mat") - 4 / 7) < 1e-12);
  assert.ok(Math.abs(rougeL("The cat sat down.", "The cat sat on the mat") - 4 / 7) < 1e-12);
  // Same words, reversed: F1 is perfect, the longest common subsequence is one word.
  assert.equal(tokenF1("mat on sat cat", "cat sat on mat"), 1);
  assert.equal(rougeL("mat on sat cat", "cat sat on mat"), 0.25);
  assert.equal(tokenF1("", "something"), 0);
  assert.deepEqual(citationScores(["a.md", "b.md", "a.md"], ["a.md", "c.md"]), { precision: 0.5, recall: 0.5 });
  assert.deepEqual(citationScores([], ["a.md"]), { precision: 0, recall: 0 });
});
