// The feedback log under attack: torn last lines, concurrent writers, oversized records and a
// full disk. No record is ever silently lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { appendFeedback, boundedLine, MAX_FEEDBACK_RECORD_BYTES, readFeedback, tornFile, type FeedbackEntry } from "../../src/engine/finetune/feedbackLog.js";
import { makeTempDir } from "../helpers/tempDocs.js";

const run = promisify(execFile);
const MODULE = new URL("../../src/engine/finetune/feedbackLog.js", import.meta.url).href;

function entry(question: string, textBytes = 0): FeedbackEntry {
  return {
    version: 1,
    at: new Date().toISOString(),
    rating: "up",
    question,
    draft: "draft",
    answer: "answer",
    mode: "retrieval",
    sources: [{ n: 1, path: "a.md", heading: "A", startLine: 1, endLine: 2, text: "é".repeat(Math.floor(textBytes / 2)) }],
    citations: [1],
  };
}

test("a torn last line is set aside into <log>.torn and the next record starts clean", async () => {
  const file = path.join(await makeTempDir(), "feedback.jsonl");
  await appendFeedback(file, entry("first"));
  const torn = JSON.stringify(entry("killed mid-write")).slice(0, 57);
  await fs.appendFile(file, torn);
  await appendFeedback(file, entry("second"));
  const { entries, badLines, tornTail } = await readFeedback(file);
  assert.deepEqual(
    entries.map((e) => e.question),
    ["first", "second"],
  );
  assert.deepEqual(badLines, [2]);
  assert.equal(tornTail, false, "already set aside by the append");
  assert.equal(await fs.readFile(tornFile(file), "utf8"), torn + "\n");

  // Reading sets a torn tail aside too, once.
  await fs.appendFile(file, '{"rating":');
  assert.equal((await readFeedback(file)).tornTail, true);
  assert.equal((await readFeedback(file)).tornTail, false);
  assert.equal(await fs.readFile(tornFile(file), "utf8"), torn + "\n" + '{"rating":' + "\n");
  await appendFeedback(file, entry("third"));
  assert.deepEqual(
    (await readFeedback(file)).entries.map((e) => e.question),
    ["first", "second", "third"],
  );
});

test("a record over the cap is cut, with a marker, to one line of at most the cap", () => {
  const big = entry("q".repeat(100_000), 3 * MAX_FEEDBACK_RECORD_BYTES);
  big.answer = "\u0000\ud83d\ude00".repeat(200_000);
  const line = boundedLine(big);
  assert.ok(Buffer.byteLength(line) < MAX_FEEDBACK_RECORD_BYTES, `${Buffer.byteLength(line)} bytes`);
  const parsed = JSON.parse(line) as FeedbackEntry;
  assert.equal(parsed.truncated, true);
  assert.match(parsed.sources[0]!.text!, /… \[truncated \d+ chars\]$/);
  assert.equal(parsed.rating, "up");
  const small = entry("small");
  assert.equal(boundedLine(small), JSON.stringify(small));
});

test("concurrent writers (processes and parallel appends) with records up to the cap lose nothing", async () => {
  const file = path.join(await makeTempDir(), "feedback.jsonl");
  const writers = 6;
  const perWriter = 12;
  // Sizes from tiny to over the cap (those are cut to the cap).
  const script = `
    import { appendFeedback } from ${JSON.stringify(MODULE)};
    const [file, w, n, cap] = process.argv.slice(1);
    const sizes = [10, 1000, 100000, Number(cap) - 2000, Number(cap) * 2];
    await Promise.all(Array.from({ length: Number(n) }, (_, i) => appendFeedback(file, {
      version: 1, at: "", rating: "up", question: w + ":" + i, draft: "", answer: "", mode: "m",
      sources: [{ n: 1, path: "p", heading: "h", startLine: 1, endLine: 1, text: "x".repeat(sizes[i % sizes.length]) }], citations: [] })));
  `;
  await Promise.all([
    ...Array.from({ length: writers }, (_, w) =>
      run(process.execPath, ["--input-type=module", "-e", script, file, `p${w}`, String(perWriter), String(MAX_FEEDBACK_RECORD_BYTES)], { maxBuffer: 1 << 20 }),
    ),
    ...Array.from({ length: 20 }, (_, i) => appendFeedback(file, entry(`main:${i}`, i * 10_000))),
  ]);
  const { entries, badLines, tornTail } = await readFeedback(file);
  assert.deepEqual(badLines, []);
  assert.equal(tornTail, false);
  assert.equal(entries.length, writers * perWriter + 20, "records lost");
  assert.equal(new Set(entries.map((e) => e.question)).size, entries.length);
  for (const line of (await fs.readFile(file, "utf8")).split("\n").filter(Boolean)) assert.ok(Buffer.byteLength(line) < MAX_FEEDBACK_RECORD_BYTES);
});

test("a full disk mid-append leaves the log readable, and the torn bytes are kept aside", async () => {
  const file = path.join(await makeTempDir(), "feedback.jsonl");
  await appendFeedback(file, entry("before"));
  // A file-size limit (ulimit -f, in 1 KiB blocks here) makes write() stop short, then fail (EFBIG), as a full disk does.
  const script = `
    import { appendFeedback } from ${JSON.stringify(MODULE)};
    let ok = 0;
    for (let i = 0; i < 50; i++) {
      try {
        await appendFeedback(process.argv[1], { version: 1, at: "", rating: "up", question: "limited:" + i, draft: "", answer: "", mode: "m",
          sources: [{ n: 1, path: "p", heading: "h", startLine: 1, endLine: 1, text: "y".repeat(3000) }], citations: [] });
        ok++;
      } catch (err) { console.log(JSON.stringify({ ok, error: err.message })); process.exit(0); }
    }
    console.log(JSON.stringify({ ok }));
  `;
  const { stdout } = await run("/bin/sh", ["-c", `ulimit -f 64 && exec "$0" --input-type=module -e "$1" "$2"`, process.execPath, script, file]);
  const result = JSON.parse(stdout) as { ok: number; error?: string };
  assert.ok(result.error, "the write failed");
  assert.ok(result.ok > 0 && result.ok < 50);
  await appendFeedback(file, entry("after"));
  const { entries } = await readFeedback(file);
  assert.equal(entries.length, result.ok + 2);
  assert.equal(entries.at(-1)!.question, "after");
  const aside = await fs.readFile(tornFile(file), "utf8");
  assert.match(aside, /limited:/, "the torn bytes are kept");
});
