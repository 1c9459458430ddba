// Output flags never destroy what is not Docent's (issue 26 item 8) and one bad feedback record
// does not stop an export (item 10): the real CLI on real files.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";

const run = promisify(execFile);
const CLI = path.join(repoRoot(), "dist", "cli.js");
const temps: string[] = [];

async function temp(): Promise<string> {
  const dir = await makeTempDir("docent-out-");
  temps.push(dir);
  return dir;
}

after(async () => {
  for (const dir of temps) await fs.rm(dir, { recursive: true, force: true });
});

async function docent(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const cache = await temp();
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_CACHE_HOME: cache } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const DOC = "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes, per memory pool after each collection.\n";

async function docsDir(): Promise<string> {
  const dir = await tempDocs({ "metrics.md": DOC, "notes.md": "# Notes\n\nMy own notes, not an index.\n" });
  temps.push(dir);
  return dir;
}

test("--index naming a doc (a file that is not a Docent index) is refused and the doc is left as it was", async () => {
  const dir = await docsDir();
  const notes = path.join(dir, "notes.md");
  const before = await fs.readFile(notes);
  const r = await docent(["index", dir, "--index", notes]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /refused to use --index .*notes\.md: it is a file of \d+ bytes that is not a Docent index/);
  assert.deepEqual(await fs.readFile(notes), before);
  // mcp and search open the index the same way.
  const s = await docent(["search", dir, "memory", "--index", notes]);
  assert.equal(s.code, 1);
  assert.deepEqual(await fs.readFile(notes), before);

  // A new path, then the index it holds, are used as before; so is an empty file.
  const indexFile = path.join(await temp(), "docs.index");
  assert.equal((await docent(["index", dir, "--index", indexFile])).code, 0);
  assert.equal((await fs.readFile(indexFile)).subarray(0, 8).toString("latin1"), "DOCENTIX");
  const again = await docent(["index", dir, "--index", indexFile, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).load, "loaded");
  const empty = path.join(await temp(), "empty.index");
  await fs.writeFile(empty, "");
  assert.equal((await docent(["index", dir, "--index", empty])).code, 0);
});

function feedbackLine(extra: Record<string, unknown> = {}): string {
  return (
    JSON.stringify({
      version: 1,
      at: "2026-12-06T10:00:00.000Z",
      rating: "up",
      question: "What does jvm.memory.used measure?",
      draft: "",
      answer: "Memory used by the JVM [1].",
      mode: "model",
      sources: [{ n: 1, path: "metrics.md", heading: "Metrics > Metric", startLine: 3, endLine: 5, text: "Memory used by the JVM, in bytes." }],
      citations: [1],
      ...extra,
    }) + "\n"
  );
}

test("feedback export refuses an --out that is the log, its .preferences.jsonl sibling, or a link to it; the log is untouched", async () => {
  const dir = await temp();
  const log = path.join(dir, "feedback.jsonl");
  const content = feedbackLine() + feedbackLine({ rating: "down", answer: "Bytes? [1]", correction: "Memory used, in bytes [1]." });
  await fs.writeFile(log, content);

  const same = await docent(["feedback", "export", "--log", log, "--out", log]);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /refused to write --out .*feedback\.jsonl: it is the same file as --log/);
  assert.equal(await fs.readFile(log, "utf8"), content);

  // --log X.preferences.jsonl --out X.jsonl: the preference pairs would be written over the log.
  const prefsLog = path.join(dir, "train.preferences.jsonl");
  await fs.writeFile(prefsLog, content);
  const sibling = await docent(["feedback", "export", "--log", prefsLog, "--out", path.join(dir, "train.jsonl")]);
  assert.equal(sibling.code, 1);
  assert.match(sibling.stderr, /--out \(its \.preferences\.jsonl\) .*the same file as --log/);
  assert.equal(await fs.readFile(prefsLog, "utf8"), content);
  await assert.rejects(fs.stat(path.join(dir, "train.jsonl")), "nothing was written");

  // The same file under another name: a hard link and a symbolic link.
  await fs.link(log, path.join(dir, "hard.jsonl"));
  await fs.symlink(log, path.join(dir, "soft.jsonl"));
  for (const name of ["hard.jsonl", "soft.jsonl"]) {
    const r = await docent(["feedback", "export", "--log", log, "--out", path.join(dir, name)]);
    assert.equal(r.code, 1, name);
    assert.equal(await fs.readFile(log, "utf8"), content);
  }

  const ok = await docent(["feedback", "export", "--log", log, "--out", path.join(dir, "out.jsonl"), "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).chatRecords, 1);
});

test("eval --typos-out naming the questions file is refused before anything is written", async () => {
  const dir = await docsDir();
  const questions = path.join(await temp(), "q.jsonl");
  const content = JSON.stringify({ id: "1", question: "How much memory does the JVM use?", relevant: ["metrics.md"] }) + "\n";
  await fs.writeFile(questions, content);
  const r = await docent(["eval", "--docs", dir, "--questions", questions, "--typos", "1", "--typos-out", questions]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused to write --typos-out .* the same file as --questions/);
  assert.equal(await fs.readFile(questions, "utf8"), content);
});

test("dataset --out on a file that is not a dataset (no trailing newline) is refused whole, its last line kept", async () => {
  const models = await ensureTinyModels();
  const dir = await docsDir();
  const out = path.join(await temp(), "mine.txt");
  const content = '{"messages":[],"metadata":{}}\nline one\nmy last line, no newline';
  await fs.writeFile(out, content);
  const r = await docent(["dataset", dir, "--model", models.chatTemplate, "--out", out, "--per-section", "1", "--distractors", "0"]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /is not a dataset file Docent wrote \(line 2 is not JSON\); it is left as it is/);
  assert.equal(await fs.readFile(out, "utf8"), content);
  await assert.rejects(fs.stat(out.replace(/$/, ".val.jsonl")), "no validation file was created beside it");

  // A single line of text without a newline is not the start of a record either (it was deleted whole).
  await fs.writeFile(out, "just one line");
  const one = await docent(["dataset", dir, "--model", models.chatTemplate, "--out", out, "--per-section", "1", "--distractors", "0"]);
  assert.equal(one.code, 1);
  assert.match(one.stderr, /its last line is neither a record nor the start of one/);
  assert.equal(await fs.readFile(out, "utf8"), "just one line");

  // --out naming the --model file is refused before the model is even opened.
  const model = await fs.readFile(models.chatTemplate);
  const overModel = await docent(["dataset", dir, "--model", models.chatTemplate, "--out", models.chatTemplate]);
  assert.equal(overModel.code, 1);
  assert.match(overModel.stderr, /the same file as --model/);
  assert.deepEqual(await fs.readFile(models.chatTemplate), model);
});

test("one malformed feedback record (a number as correction) is skipped and counted; the export goes on", async () => {
  const dir = await temp();
  const log = path.join(dir, "feedback.jsonl");
  await fs.writeFile(
    log,
    feedbackLine() +
      feedbackLine({ rating: "down", answer: "Bytes? [1]", correction: 42 }) +
      feedbackLine({ rating: "down", answer: "Bits [1]", correction: "Bytes [1]." }) +
      feedbackLine({ answer: "Other [1].", sources: [{ n: "1", path: "metrics.md" }] }) +
      "not json\n",
  );
  const out = path.join(dir, "train.jsonl");
  const json = await docent(["feedback", "export", "--log", log, "--out", out, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.chatRecords, 1);
  assert.equal(summary.preferencePairs, 1);
  assert.equal(summary.skippedMalformed, 2);
  assert.deepEqual(summary.malformedRecords, [
    { line: 2, reason: "correction is a number, not a text" },
    { line: 4, reason: "source 1's n is a string, not a whole number" },
  ]);
  assert.deepEqual(summary.unreadableLines, [5]);
  assert.equal((await fs.readFile(out, "utf8")).trim().split("\n").length, 1);
  const text = await docent(["feedback", "export", "--log", log, "--out", out]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /2 malformed records skipped \(line 2: correction is a number, not a text; line 4: source 1's n is a string, not a whole number\)/);
});
