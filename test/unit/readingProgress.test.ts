// The reading line and bar of a turn while the model reads its prompt (webview/readingProgress.ts),
// on a fake clock: the figures are those the engine sends from a measured speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ESTIMATE_CAP, readingProgress, SHOWN_AFTER_MS } from "../../webview/readingProgress.js";
import { readingSeconds } from "../../src/engine/answer/timeBudget.js";
import { refineSpeed } from "../../src/engine/model/speed.js";

// The Qwen2.5-0.5B-shaped twin on this 2-core machine, one thread: 3,348 prompt tokens before the first token in 96.6 s, 9.1 tokens/s after.
const TWIN = refineSpeed(undefined, { promptTokens: 3348, firstTokenMs: 96_600, tokensPerSecond: 9.1 })!;

test("a measured reading shows at once, fills against the clock and says the time the engine expects", () => {
  const seconds = readingSeconds(1150, TWIN);
  assert.ok(seconds > 33 && seconds < 34, String(seconds));
  const reading = { promptTokens: 1150, seconds };
  const start = readingProgress(reading, 0);
  assert.equal(start.shown, true);
  assert.equal(start.text, "Reading 1,150 tokens of docs… about 33 s");
  assert.equal(start.percent, 0);
  assert.equal(start.overdue, false);
  assert.equal(start.valueText, "About 33 s left");
  const half = readingProgress(reading, (seconds * 1000) / 2);
  assert.equal(half.percent, 50);
  assert.equal(half.text, start.text, "the line stays the same while the bar moves (a live region reads each change)");
  assert.equal(half.valueText, `About ${Math.round(seconds / 2)} s left`);
  // Monotonic, never past the cap before the first word.
  let last = -1;
  for (let ms = 0; ms <= seconds * 1000 * 1.5; ms += 500) {
    const p = readingProgress(reading, ms);
    assert.ok(p.percent! >= last, `at ${ms} ms: ${p.percent} after ${last}`);
    assert.ok(p.percent! <= ESTIMATE_CAP * 100);
    last = p.percent!;
  }
  assert.equal(readingProgress(reading, seconds * 1000 - 1).percent, 95, "an estimate stops at 95%");
});

test("past the expected time the bar holds at 95% and the line says it takes longer than measured", () => {
  const reading = { promptTokens: 1150, seconds: 12.2 };
  assert.equal(readingProgress(reading, 12_200).overdue, false);
  const late = readingProgress(reading, 12_201);
  assert.equal(late.overdue, true);
  assert.equal(late.percent, 95);
  assert.equal(late.text, "Reading 1,150 tokens of docs… taking longer than measured (about 12 s)");
  assert.equal(late.valueText, "Taking longer than measured");
  assert.deepEqual(readingProgress(reading, 600_000), late);
});

test("a short reading is shown only once it has lasted a second: a fast device never flickers a bar", () => {
  const reading = { promptTokens: 900, seconds: 0.4 };
  assert.equal(readingProgress(reading, 0).shown, false);
  assert.equal(readingProgress(reading, SHOWN_AFTER_MS - 1).shown, false);
  const shown = readingProgress(reading, SHOWN_AFTER_MS);
  assert.equal(shown.shown, true);
  assert.equal(shown.overdue, true);
  assert.equal(shown.text, "Reading 900 tokens of docs… taking longer than measured (about 1 s)");
  // Two seconds or more is said at once.
  assert.equal(readingProgress({ promptTokens: 900, seconds: 2 }, 0).shown, true);
  assert.equal(readingProgress({ promptTokens: 900, seconds: 1.99 }, 0).shown, false);
});

test("without a measured speed (a model server) the bar has no value and the line no time", () => {
  for (const seconds of [undefined, Number.NaN, -3, 0, Number.POSITIVE_INFINITY]) {
    const reading = { promptTokens: 2048, ...(seconds !== undefined ? { seconds } : {}) };
    assert.equal(readingProgress(reading, 0).shown, false, String(seconds));
    const p = readingProgress(reading, 5_000);
    assert.deepEqual(p, { shown: true, text: "Reading 2,048 tokens of docs…", valueText: "Reading the docs", overdue: false }, String(seconds));
  }
});
