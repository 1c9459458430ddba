// A tight source budget (a CPU's time budget): the model gets each section's lines that answer the
// question, not whole sections that crowd each other out; `eval --context --source-tokens N` measures it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { sourceBlock } from "../../src/engine/answer/answerPrompts.js";
import { contextProbe, estimateTokens, evaluateContext } from "../../src/engine/eval/contextEval.js";
import { tempDocs } from "../helpers/tempDocs.js";

const FILLER = ["gardening", "cooking", "sailing", "painting", "cycling", "knitting", "fishing", "baking", "hiking", "singing", "dancing", "reading"];
/** A page of twelve sentences no question word is in, then its one fact. */
const page = (title: string, topic: string, fact: string) =>
  `# ${title}\n\n${FILLER.map((f, i) => `The ${topic} page mentions ${f} in passing, as note ${i + 1}.`).join(" ")}\n\n${fact}\n`;
const DOCS = {
  "logs.md": page("Logs", "first", "Logs keep a retention period of 30 days."),
  "traces.md": page("Traces", "second", "Traces keep a retention period of 14 days."),
  "metrics.md": page("Metrics", "third", "Metrics keep a retention period of 400 days."),
};
const QUESTION = "What retention period do logs, traces and metrics keep?";

async function docsIndex(t: { after: (fn: () => Promise<void>) => void }): Promise<{ index: DocsIndex; root: string }> {
  const root = await tempDocs(DOCS);
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  const index = new DocsIndex([root]);
  await index.update();
  return { index, root };
}

test("a tight source budget holds each section's fact, not the first page whole", async (t) => {
  const { index } = await docsIndex(t);
  // About one page whole: before compact sources, the best page filled it and the other two facts were left out.
  const budget = 200;
  const run = await answerQuestion(index, contextProbe(4096), QUESTION, { settings: { draft: false }, sourceTokens: budget });
  const text = run.sources.map(sourceBlock).join("\n\n");
  for (const fact of ["30 days", "14 days", "400 days"]) assert.ok(text.includes(fact), `${fact} in:\n${text}`);
  assert.equal(run.sources.length, 3);
  assert.doesNotMatch(text, /in passing/, "no line that matches nothing of the question");
  assert.ok(run.sources.reduce((n, s) => n + estimateTokens(sourceBlock(s) + "\n\n"), 0) <= budget);
  // With room to spare, sections are whole again.
  const wide = await answerQuestion(index, contextProbe(8192), QUESTION, { settings: { draft: false }, sourceTokens: 6000 });
  assert.match(wide.sources.map(sourceBlock).join("\n\n"), /in passing/);
});

test("eval --context --source-tokens keeps the sources within N tokens and reports N", async (t) => {
  const { index, root } = await docsIndex(t);
  const questions = [{ id: "r", question: QUESTION, relevant: ["logs.md"], answer: "Logs 30 days, traces 14 days, metrics 400 days." }];
  const tight = await evaluateContext(index, root, questions, { sourceTokens: 200 });
  assert.equal(tight.source_tokens, 200);
  assert.equal(tight.mean_context_budget, 200);
  assert.ok(tight.mean_context_tokens <= 200, String(tight.mean_context_tokens));
  assert.equal(tight.context_recall, 1);
  const full = await evaluateContext(index, root, questions, {});
  assert.equal(full.source_tokens, undefined);
  assert.ok(full.mean_context_budget > 3000);
});
