// What the model has read is kept for the next answer (issue 21 item 5): a follow-up over the same
// sources reads only the tokens after what its prompt shares with the last one, drafts and
// rewrites run beside it without replacing it, and a prompt with other sources is read afresh
// from where it differs (what the model sees, and so what it writes, is the new prompt).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { ANSWER_SYSTEM_PROMPT, DRAFT_SYSTEM_PROMPT, answerPrompt } from "../../src/engine/answer/answerPrompts.js";
import type { AnswerSourceWithText } from "../../src/shared/answer.js";
import type { ChatGenerator } from "../../src/engine/model/modelInterface.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { tempDocs } from "../helpers/tempDocs.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";

function source(n: number, path: string, text: string): AnswerSourceWithText {
  return { n, path, file: `/docs/${path}`, heading: path, startLine: 1, endLine: text.split("\n").length, text, matchedBy: ["text"] };
}

const RETENTION = [
  source(1, "retention.md", "# Retention\n\nLogs keep a retention period of 30 days. Metrics keep 13 months of data at one-minute resolution."),
  source(2, "limits.md", "# Limits\n\nA workspace holds at most 200 dashboards and 5,000 alert rules; each rule evaluates every minute."),
];
const EXPORT = [source(1, "export.md", "# Export\n\nExports run nightly to an S3 bucket in Parquet files, one folder per day, kept for 90 days.")];

/** Tokens evaluated as input by one exchange: the prompt tokens read, then each written token but the last fed back. */
async function exchange(model: ChatModel, user: string, maxTokens = 6) {
  const before = model.answerTokensEvaluated();
  const g = await model.generate({ system: ANSWER_SYSTEM_PROMPT, user, maxTokens });
  return { g, evaluated: model.answerTokensEvaluated() - before };
}

test("a second question over the same sources reads only what follows the shared prompt, also after a draft beside it", async (t) => {
  const models = await ensureTinyModels();
  const model = await ChatModel.load(await getLlamaInstance("off"), models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());

  const first = await exchange(model, answerPrompt("How long are logs kept?", RETENTION));
  assert.equal(first.g.cachedPromptTokens, 0);
  // Everything read: the prompt, and each written token but the last fed back in.
  assert.equal(first.evaluated, first.g.promptTokens! + first.g.tokens - 1);

  // A draft for the next question runs in the side context: the answers' sequence keeps its tokens.
  const held = [...model.answerContextTokens()];
  await model.generate({ system: DRAFT_SYSTEM_PROMPT, user: "How long are metrics kept?", maxTokens: 8, side: true });
  assert.deepEqual([...model.answerContextTokens()], held);

  const followUpPrompt = answerPrompt("How long are metrics kept?", RETENTION);
  const shared = model.renderPrompt(ANSWER_SYSTEM_PROMPT, answerPrompt("", RETENTION).replace(/Question: [^]*$/, "")).tokens.length;
  const expectedCached = model.cachedPromptTokens(ANSWER_SYSTEM_PROMPT, followUpPrompt);
  const second = await exchange(model, followUpPrompt);
  assert.equal(second.g.cachedPromptTokens, expectedCached);
  // At least the system prompt and both sources were held (the template's closing tokens of the
  // cut-off prompt above are not part of the real one, so a few tokens less than `shared` may match).
  assert.ok(second.g.cachedPromptTokens! >= shared - 8, `${second.g.cachedPromptTokens} of ${shared}`);
  // node-llama-cpp's own meter: only the tokens after the shared part were read.
  assert.equal(second.evaluated, second.g.promptTokens! - second.g.cachedPromptTokens! + second.g.tokens - 1);
  assert.ok(second.evaluated < first.evaluated / 3, `${second.evaluated} tokens read for the follow-up, ${first.evaluated} for the first question`);
});

test("a prompt with other sources is read from where it differs, and the model answers it as a fresh model does", async (t) => {
  const models = await ensureTinyModels();
  const llama = await getLlamaInstance("off");
  const model = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());
  await exchange(model, answerPrompt("How long are logs kept?", RETENTION), 12);

  const otherPrompt = answerPrompt("Where do exports go?", EXPORT);
  const other = await exchange(model, otherPrompt, 12);
  const rendered = model.renderPrompt(ANSWER_SYSTEM_PROMPT, otherPrompt).tokens;
  // Only the system prompt and the text before the first source matched; the rest was read.
  const beforeSources = model.renderPrompt(ANSWER_SYSTEM_PROMPT, "Documentation sections:\n\n[").tokens.length;
  assert.ok(
    other.g.cachedPromptTokens! > 0 && other.g.cachedPromptTokens! < beforeSources,
    `${other.g.cachedPromptTokens} held, ${beforeSources} before the sources`,
  );
  assert.equal(other.evaluated, rendered.length - other.g.cachedPromptTokens! + other.g.tokens - 1);
  // What the model holds is the new prompt, then what it wrote: nothing of the first one's sources.
  assert.deepEqual(model.answerContextTokens().slice(0, rendered.length), rendered);

  // Greedy decoding from the same prompt gives the same text as a model that read it afresh.
  const fresh = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => fresh.dispose());
  const alone = await fresh.generate({ system: ANSWER_SYSTEM_PROMPT, user: otherPrompt, maxTokens: 12 });
  assert.equal(alone.cachedPromptTokens, 0);
  assert.ok(alone.text.length > 0);
  assert.equal(other.g.text, alone.text);
});

test("a follow-up over the same sources keeps them as they were: the model reads only what follows them", async (t) => {
  const root = await tempDocs({
    "retention.md":
      "# Retention\n\nLogs are stored for 30 days.\n\nTraces are sampled at 10 percent by default.\n\n" +
      "Metrics are kept for 13 months at one-minute resolution.\n\nDashboards refresh every 5 minutes.\n",
    "export.md": "# Export\n\nExports run nightly to an S3 bucket in Parquet files, one folder per day.\n",
  });
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  const index = new DocsIndex([root]);
  await index.update();
  const models = await ensureTinyModels();
  const model = await ChatModel.load(await getLlamaInstance("off"), models.chatTemplate, { gpu: "off", threads: 1, probe: false, speed: false });
  t.after(() => model.dispose());
  const settings = { draft: false, answerMaxTokens: 8 };

  const first = await answerQuestion(index, model, "How long are logs stored?", { settings });
  assert.equal(first.mode, "model");
  assert.deepEqual(
    first.sources.map((s) => s.path),
    ["retention.md"],
  );
  // The compact context gives the lines that match: the follow-up's selection differs.
  assert.ok(!first.sources[0]!.text.includes("13 months"), first.sources[0]!.text);

  const previous = { question: "How long are logs stored?", sources: first.sources };
  // As slow as a CPU, so that the turn says what it reads.
  const slow: ChatGenerator = {
    contextSize: model.contextSize,
    countTokens: (text) => model.countTokens(text),
    countPromptTokens: (system, user) => model.countPromptTokens(system, user),
    cachedPromptTokens: (system, user) => model.cachedPromptTokens(system, user),
    generate: (request) => model.generate(request),
    speed: () => ({ promptTokensPerSecond: 10, generationTokensPerSecond: 5, samples: 1 }),
  };
  const readings: number[] = [];
  const followUp = await answerQuestion(index, slow, "How long are metrics kept?", {
    settings,
    previous,
    onEvent: (e) => e.type === "reading" && readings.push(e.promptTokens),
  });
  // The reading event counts only what is read: the added source and the question, not the sources held.
  const fullText = answerPrompt("How long are metrics kept?", followUp.sources);
  const sourcesText = answerPrompt("", first.sources).replace(/\n\nQuestion: [^]*$/, "");
  assert.ok(fullText.startsWith(sourcesText));
  assert.equal(readings.length, 1);
  const readCount = readings[0]!;
  const tailTokens = model.countTokens(fullText.slice(sourcesText.length));
  // Give or take the template's tokens after the message ("<|im_end|>", the assistant's header:
  // about ten in the tiny model's byte-spelt vocabulary), which the frame's count holds.
  assert.ok(readCount >= tailTokens - 3 && readCount <= tailTokens + 12, `reading ${readCount}: ${tailTokens} tokens after the held sources`);
  assert.ok(readCount < followUp.tokens.answerPrompt, `${readCount} of ${followUp.tokens.answerPrompt}`);
  // The previous sources as they were, then the section again with the lines the follow-up needs.
  assert.deepEqual(followUp.sources.slice(0, first.sources.length), first.sources);
  assert.equal(followUp.sources.length, first.sources.length + 1);
  assert.ok(followUp.sources.at(-1)!.text.includes("13 months"), followUp.sources.at(-1)!.text);
  // Held: the whole prompt up to where the follow-up's differs from the first one's, which is past the previous sources.
  const before = model.renderPrompt(ANSWER_SYSTEM_PROMPT, answerPrompt("How long are logs stored?", first.sources)).tokens;
  const now = model.renderPrompt(ANSWER_SYSTEM_PROMPT, answerPrompt("How long are metrics kept?", followUp.sources)).tokens;
  let shared = 0;
  while (before[shared] === now[shared]) shared++;
  assert.equal(followUp.tokens.answerPromptCached, shared);
  const heldText = model.model.detokenize(now.slice(0, shared) as unknown as Parameters<typeof model.model.detokenize>[0], true);
  assert.ok(heldText.includes(ANSWER_SYSTEM_PROMPT) && heldText.includes(first.sources[0]!.text), heldText);

  // Without the previous sources the same follow-up gets its own selection, and little is held.
  await answerQuestion(index, model, "How long are logs stored?", { settings });
  const alone = await answerQuestion(index, model, "How long are metrics kept?", { settings });
  assert.equal(alone.sources.length, 1);
  assert.ok(
    (alone.tokens.answerPromptCached ?? 0) < followUp.tokens.answerPromptCached!,
    `${alone.tokens.answerPromptCached} against ${followUp.tokens.answerPromptCached}`,
  );

  // The file edited since the answer before: its old text is not kept.
  await fs.writeFile(path.join(root, "retention.md"), (await fs.readFile(path.join(root, "retention.md"), "utf8")).replace("30 days", "45 days"));
  await index.update();
  const edited = await answerQuestion(index, model, "How long are metrics kept?", { settings, previous });
  assert.equal(edited.sources.length, 1);
  assert.ok(!edited.sources.some((s) => s.text.includes("30 days")));

  // A question over other docs gets its own sources, whatever the previous answer was given.
  const other = await answerQuestion(index, model, "Where do nightly exports go?", { settings, previous });
  assert.deepEqual(
    other.sources.map((s) => s.path),
    ["export.md"],
  );
});
