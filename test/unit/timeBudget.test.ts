// The sources' budget set by time: the model's measured reading speed on this device (kept per
// model file and device) decides how many tokens of docs read before the first answer word.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { refineSpeed, SpeedStore, type ModelSpeed } from "../../src/engine/model/speed.js";
import { SOURCE_TOKENS_FLOOR, timedSourceBudget } from "../../src/engine/answer/timeBudget.js";
import { readingText } from "../../src/shared/answer.js";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { modelStatusLines } from "../../src/shared/modelStatusText.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion, type PipelineEvent } from "../../src/engine/answer/pipeline.js";
import type { ChatGenerator } from "../../src/engine/model/modelInterface.js";

/**
 * Real figures of the Qwen2.5-0.5B-shaped F16 twin on the 2-core machine (issue 21): a
 * 3,348-token prompt gave its first token after 96.6 s with one thread; with two, 1,730 tokens
 * read in 24.7 s. Generation ran at about 9 tokens/s.
 */
const ONE_THREAD = { promptTokens: 3348, firstTokenMs: 96_600, tokensPerSecond: 9.1 };
const TWO_THREADS = { promptTokens: 1730, firstTokenMs: 24_700, tokensPerSecond: 9.4 };

test("measured speeds: the first sample is the speed, later ones refine a running mean", () => {
  const one = refineSpeed(undefined, ONE_THREAD)!;
  assert.equal(one.samples, 1);
  assert.ok(Math.abs(one.promptTokensPerSecond - 34.66) < 0.01, String(one.promptTokensPerSecond));
  assert.equal(one.generationTokensPerSecond, 9.1);
  const two = refineSpeed(one, TWO_THREADS)!;
  assert.equal(two.samples, 2);
  // (34.66 + 70.04) / 2: each sample weighs as much as the ones before, up to four of them.
  assert.ok(Math.abs(two.promptTokensPerSecond - 52.35) < 0.01, String(two.promptTokensPerSecond));
  // A sample without a prompt or a first token teaches nothing.
  assert.equal(refineSpeed(two, { promptTokens: 0, firstTokenMs: 100, tokensPerSecond: 5 }), two);
  assert.equal(refineSpeed(two, { promptTokens: 100, firstTokenMs: 0, tokensPerSecond: 5 }), two);
  // A sixth sample of a machine that got twice as slow moves the figure by a fifth of the gap, not all of it.
  let s: ModelSpeed = { promptTokensPerSecond: 70, generationTokensPerSecond: 9, samples: 5 };
  s = refineSpeed(s, { promptTokens: 350, firstTokenMs: 10_000, tokensPerSecond: 9 })!;
  assert.ok(Math.abs(s.promptTokensPerSecond - 63) < 1e-9, String(s.promptTokensPerSecond));
});

test("the sources get what reads within the target time, never below the floor, never above the context's room", () => {
  const frameTokens = 150;
  const room = 3398;
  const slow = refineSpeed(undefined, ONE_THREAD)!;
  const fast = refineSpeed(undefined, TWO_THREADS)!;
  // 8 s at 35 tokens/s is 277 tokens, less the frame: under the floor, which wins and says so.
  const onSlow = timedSourceBudget({ seconds: 8, speed: slow, frameTokens, room });
  assert.deepEqual([onSlow.tokens, onSlow.limitedBy], [SOURCE_TOKENS_FLOOR, "floor"]);
  // (1,200 + 150) / 34.66 + 1 / 9.1 = 39.06 s: the wait is said as it will be.
  assert.ok(Math.abs(onSlow.expectedSeconds! - 39.06) < 0.01, String(onSlow.expectedSeconds));
  // 30 s at 70 tokens/s: 2,100 tokens less the frame and the first token's own time.
  const onFast = timedSourceBudget({ seconds: 30, speed: fast, frameTokens, room });
  assert.equal(onFast.limitedBy, "time");
  assert.equal(onFast.tokens, Math.floor((30 - 1 / 9.4) * ((1730 * 1000) / 24_700)) - frameTokens);
  assert.ok(Math.abs(onFast.expectedSeconds! - 30) < 0.05, String(onFast.expectedSeconds));
  // A GPU reading 2,000 tokens/s: the whole context fits in 8 s.
  const gpu: ModelSpeed = { promptTokensPerSecond: 2000, generationTokensPerSecond: 80, samples: 3 };
  assert.deepEqual(timedSourceBudget({ seconds: 8, speed: gpu, frameTokens, room }).tokens, room);
  assert.equal(timedSourceBudget({ seconds: 8, speed: gpu, frameTokens, room }).limitedBy, "context");
  // No speed measured yet, or no target: the whole room. A room below the floor is the room.
  assert.deepEqual(timedSourceBudget({ seconds: 8, speed: undefined, frameTokens, room }), { tokens: room, limitedBy: "context" });
  assert.equal(timedSourceBudget({ seconds: 0, speed: slow, frameTokens, room }).tokens, room);
  assert.equal(timedSourceBudget({ seconds: 8, speed: slow, frameTokens, room: 900 }).tokens, 900);
});

test("Model Status says the speed and the budget it sets", () => {
  const lines = modelStatusLines({
    backend: "cpu",
    gpuSetting: "auto",
    devices: [],
    cuda: { supported: true, installed: [], nvidiaDriver: false },
    answerBudget: {
      promptTokensPerSecond: 34.66,
      generationTokensPerSecond: 9.1,
      samples: 1,
      firstTokenSeconds: 8,
      sourceTokens: 1200,
      limitedBy: "floor",
      expectedSeconds: 39.06,
    },
  });
  assert.ok(lines.includes("Speed on this device: reads 35 prompt tokens/s, writes 9.1 tokens/s (1 measurement)"), lines.join("\n"));
  assert.ok(
    lines.includes(
      "Docs per answer: up to 1,200 tokens (the floor: fewer would lose facts; 8 s to the first word is not reachable here, first word after about 39 s)",
    ),
    lines.join("\n"),
  );
});

test("a loaded model measures its speed once per file and device, keeps it, and refines it with each answer", async (t) => {
  const dir = await makeTempDir();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "model-speeds.json");
  const models = await ensureTinyModels();
  const llama = await getLlamaInstance("off");
  const first = await ChatModel.load(llama, models.chat, { gpu: "off", threads: 1, probe: false, speed: { file } });
  const probed = first.speed();
  assert.ok(probed && probed.samples === 1 && probed.promptTokensPerSecond > 0, JSON.stringify(probed));
  await first.generate({ system: "s", user: "one two three", maxTokens: 3 });
  const refined = first.speed()!;
  assert.equal(refined.samples, 2);
  await first.dispose();
  // Kept under the file and device: the next load reads it and measures nothing.
  const stored = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, ModelSpeed>;
  assert.equal(Object.keys(stored).length, 1);
  const key = await SpeedStore.keyOf(models.chat, { backend: "cpu", gpuLayers: 0, threads: 1 });
  assert.deepEqual(stored[key], refined);
  const again = await ChatModel.load(llama, models.chat, { gpu: "off", threads: 1, probe: false, speed: { file } });
  assert.deepEqual(again.speed(), refined);
  await again.dispose();
  // Another device (here: another thread count) is measured afresh.
  const other = await ChatModel.load(llama, models.chat, { gpu: "off", threads: 2, probe: false, speed: { file } });
  assert.equal(other.speed()!.samples, 1);
  await other.dispose();
  assert.equal(Object.keys(JSON.parse(await fs.readFile(file, "utf8")) as object).length, 2);
  // A tampered file: entries that are not three finite numbers with a positive reading speed are ignored, and so is a file that is not JSON.
  const bad = [{ promptTokensPerSecond: 0, generationTokensPerSecond: 1, samples: 1 }, { promptTokensPerSecond: "9" }, [1, 2, 3], null];
  await fs.writeFile(file, JSON.stringify(Object.fromEntries(bad.map((b, i) => [`k${i}`, b]))));
  const store = new SpeedStore(file);
  for (let i = 0; i < bad.length; i++) assert.equal(await store.get(`k${i}`), undefined);
  await fs.writeFile(file, "{not json");
  assert.equal(await store.get(key), undefined);
});

test("while the model reads, the turn says how many tokens and about how long; Stop then ends it with the sources kept", async (t) => {
  const root = await tempDocs({ "retention.md": "# Retention\n\nLogs keep a retention period of 30 days.\n" });
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  const index = new DocsIndex([root]);
  await index.update();
  const models = await ensureTinyModels();
  const model = await ChatModel.load(await getLlamaInstance("off"), models.chat, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());
  // The tiny model reads in milliseconds: it answers with the twin's measured speed (35 tokens/s), as on a slow CPU.
  const slow: ChatGenerator = {
    contextSize: model.contextSize,
    countTokens: (text) => model.countTokens(text),
    countPromptTokens: (system, user) => model.countPromptTokens(system, user),
    generate: (request) => model.generate(request),
    speed: () => refineSpeed(undefined, ONE_THREAD),
  };
  const question = "What retention period do logs keep?";
  const stop = new AbortController();
  const events: PipelineEvent[] = [];
  const result = await answerQuestion(index, slow, question, {
    settings: { draft: false },
    signal: stop.signal,
    onEvent: (e) => {
      events.push(e);
      // Stop as the model starts reading.
      if (e.type === "reading") stop.abort();
    },
  });
  const reading = events.find((e) => e.type === "reading");
  assert.ok(reading && reading.type === "reading");
  const expected = result.tokens.answerPrompt / ((3348 * 1000) / 96_600) + 1 / 9.1;
  assert.equal(reading.promptTokens, result.tokens.answerPrompt);
  assert.ok(Math.abs(reading.seconds! - expected) < 1e-9, `${reading.seconds} s, expected ${expected} s`);
  assert.equal(
    readingText(reading.promptTokens, reading.seconds),
    `Reading ${result.tokens.answerPrompt.toLocaleString("en-US")} tokens of docs… about ${Math.round(expected)} s`,
  );
  assert.ok(expected >= 2, String(expected));
  // The best lines of the docs come with it, to read while the model reads (and stay in the result).
  assert.match(reading.bestLines!.answer, /^\[1\] \*\*Retention\*\*/);
  assert.match(reading.bestLines!.answer, /retention period of 30 days/);
  assert.deepEqual(result.bestLines, reading.bestLines);
  assert.equal("text" in reading.bestLines!.sources[0]!, false, "the wire form: no source texts");
  assert.equal(result.aborted, true);
  assert.equal(result.answer, "");
  assert.equal(result.sources.length, 1);
  assert.equal(result.sources[0]!.path, "retention.md");
  assert.equal(events.at(-1)!.type, "done");
  // Without a stop the same turn is answered, after the same notice.
  const answered = await answerQuestion(index, slow, question, { settings: { draft: false, answerMaxTokens: 8 } });
  assert.equal(answered.aborted, false);
  assert.ok(answered.tokens.answer > 0);
});
