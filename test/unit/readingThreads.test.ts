// Threads for reading the prompt and for writing (issue 21 item 4): all physical cores read while
// the CPU has them free, the threads setting writes, and the model's own recent threads do not count
// as someone else's load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadingThreads, readingThreads } from "../../src/engine/model/local/readingThreads.js";
import { ChatModel, CPU_BATCH_SIZE, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { LlamaContextSequence } from "node-llama-cpp";
import { ensureTinyModels } from "../fixtures/tinyModels.js";

test("reading threads: all physical cores by default, the threads setting when it is set, an explicit count as given", () => {
  assert.equal(readingThreads(2, {}, 1), 2);
  assert.equal(readingThreads(8, {}, 7), 8);
  // More logical than physical cores: never fewer than the writing threads.
  assert.equal(readingThreads(4, {}, 7), 7);
  assert.equal(readingThreads(2, { threads: 1 }, 1), 1);
  assert.equal(readingThreads(2, { threads: 1, readThreads: 2 }, 1), 2);
});

test("all cores read while the load average leaves them free; writing and idle use the threads setting", () => {
  let load = 0.3;
  const threads = new ReadingThreads(
    2,
    1,
    () => load,
    () => 0,
  );
  assert.equal(threads.enter("read"), 2);
  assert.equal(threads.enter("write"), 1);
  assert.equal(threads.enter("idle"), 1);
  // Another build on the 2-core machine: two reading threads would wait on each other.
  load = 3.1;
  assert.equal(threads.enter("read"), 1);
  load = 1.49;
  assert.equal(threads.enter("read"), 2);
});

test("the model's own recent reading does not count as the machine being busy", () => {
  let clock = 0;
  let load = 0.2;
  const threads = new ReadingThreads(
    2,
    1,
    () => load,
    () => clock,
  );
  assert.equal(threads.enter("read"), 2);
  // It read with 2 threads for 60 s: the kernel's 1-minute average rose by 2 * (1 - 1/e) = 1.26 from it alone.
  clock = 60_000;
  assert.equal(threads.enter("idle"), 1);
  assert.ok(Math.abs(threads.ownLoad() - 2 * (1 - Math.exp(-1))) < 1e-9);
  load = 0.2 + 2 * (1 - Math.exp(-1)) + 0.1;
  assert.ok(load >= 1.5);
  // A follow-up right after: the load average is its own, and two threads read again.
  assert.equal(threads.enter("read"), 2);
  // The own share decays as the kernel's does: ten minutes idle later it is nearly gone.
  threads.enter("idle");
  clock += 600_000;
  assert.ok(threads.ownLoad() < 0.001);
});

test("a model set to read with 2 threads and write with 1 writes with 1, and is left capped at 1 after the exchange", async (t) => {
  const models = await ensureTinyModels();
  const llama = await getLlamaInstance("off");
  const model = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1, readThreads: 2, probe: false, speed: false });
  t.after(() => model.dispose());
  assert.equal(model.readThreads, 2);
  const caps: number[] = [];
  await model.generate({ system: "s", user: "one two three four", maxTokens: 6, onTextChunk: () => caps.push(llama.maxThreads) });
  assert.ok(caps.length > 0);
  assert.deepEqual([...new Set(caps)], [1]);
  assert.equal(llama.maxThreads, 1);
});

test("on the CPU the prompt is read in small batches, so Stop is seen within one of them", async (t) => {
  const models = await ensureTinyModels();
  const model = await ChatModel.load(await getLlamaInstance("off"), models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());
  // node-llama-cpp's default is 512 tokens: 14 s of reading on a 2-core CPU before Stop is seen.
  assert.equal(model.batchSize, Math.min(CPU_BATCH_SIZE, model.contextSize));
  assert.ok(model.batchSize <= 128);
});

test("Stop while a local model reads its prompt ends the reading after the batch under way, not after the whole prompt", async (t) => {
  const models = await ensureTinyModels();
  const model = await ChatModel.load(await getLlamaInstance("off"), models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());
  const controller = new AbortController();
  // Stop as the first batch of the prompt is read (in node-llama-cpp's own evaluation, so on the real sequence).
  const evaluate = LlamaContextSequence.prototype.evaluateWithoutGeneratingNewTokens;
  let batches = 0;
  LlamaContextSequence.prototype.evaluateWithoutGeneratingNewTokens = async function (this: LlamaContextSequence, ...args) {
    batches++;
    controller.abort();
    return evaluate.apply(this, args);
  };
  t.after(() => (LlamaContextSequence.prototype.evaluateWithoutGeneratingNewTokens = evaluate));
  const user = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
  const promptTokens = model.countPromptTokens("s", user);
  assert.ok(promptTokens > 8 * model.batchSize, `${promptTokens} prompt tokens`);
  const result = await model.generate({ system: "s", user, maxTokens: 16, signal: controller.signal });
  assert.equal(result.aborted, true);
  assert.equal(result.tokens, 0, "nothing was written");
  assert.equal(batches, 1, "no batch was read after Stop");
  // What the model read: that one batch, not the prompt.
  assert.ok(model.answerTokensEvaluated() <= model.batchSize, `${model.answerTokensEvaluated()} tokens read of ${promptTokens}`);
});
