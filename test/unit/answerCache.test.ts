// What the model has read is kept for the next answer (issue 21 item 5): a follow-up over the same
// sources reads only the tokens after what its prompt shares with the last one, drafts and
// rewrites run beside it without replacing it, and a prompt with other sources is read afresh
// from where it differs (what the model sees, and so what it writes, is the new prompt).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { ANSWER_SYSTEM_PROMPT, DRAFT_SYSTEM_PROMPT, answerPrompt } from "../../src/engine/answer/answerPrompts.js";
import type { AnswerSourceWithText } from "../../src/shared/answer.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";

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
