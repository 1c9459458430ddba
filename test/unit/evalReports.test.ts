// What `docent eval` counts beside the ranking: answers that say "not covered", and how much of the
// reference answer the first 600 characters of a retrieval-only answer show.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { visibleAnswerText } from "../../src/engine/answer/visibleText.js";
import { notCoveredQuestions } from "../../src/engine/eval/answerEval.js";
import { evaluateContext, FIRST_VISIBLE_CHARS } from "../../src/engine/eval/contextEval.js";
import { contentRecall, contentWords } from "../../src/engine/eval/contentWords.js";
import { tempDocs } from "../helpers/tempDocs.js";

// A first section long enough to fill the first 600 characters on its own, and the fact asked
// for in a second file.
const RULES = Array.from({ length: 12 }, (_, i) => `The client retry policy rule ${i + 1} applies to every failed call the client makes.`).join(" ");
const DOCS = {
  "retries.md": `# Retry policy\n\n${RULES}\n`,
  "backoff.md": "# Backoff\n\nBetween attempts the client waits with exponential backoff and jitter.\n",
  "timeouts.md": "# Timeouts\n\nRequests time out after thirty seconds unless configured.\n",
};
const QUESTIONS = [
  { id: "retry", question: "What is the client retry policy for a failed call?", relevant: ["backoff.md"], answer: "Exponential backoff with jitter." },
  { id: "timeout", question: "When do requests time out?", relevant: ["timeouts.md"], answer: "After thirty seconds unless configured." },
  { id: "bread", question: "How do I bake sourdough bread?", relevant: ["timeouts.md"], answer: "Knead the dough." },
];

async function index(): Promise<{ index: DocsIndex; root: string }> {
  const root = await tempDocs(DOCS);
  const index = new DocsIndex([root]);
  await index.update();
  return { index, root };
}

test("eval counts the questions whose answer without a model is 'not covered'", async () => {
  const { index: docs } = await index();
  assert.deepEqual(await notCoveredQuestions(docs, QUESTIONS), ["bread"]);
  assert.deepEqual(await notCoveredQuestions(docs, QUESTIONS.slice(0, 2)), []);
});

test("eval --context reports not-covered answers and the reference words in the first 600 visible characters", async () => {
  const { index: docs, root } = await index();
  const report = await evaluateContext(docs, root, QUESTIONS, { contextSize: 1024, answerMaxTokens: 128 });
  assert.equal(report.not_covered, 1);
  // Worked out per question from the text the reader sees.
  let whole = 0;
  let first = 0;
  for (const q of QUESTIONS) {
    const shown = visibleAnswerText(await answerQuestion(docs, undefined, q.question, { settings: { draft: false, answerMaxTokens: 128 } }));
    whole += contentRecall(contentWords(q.answer), shown);
    first += contentRecall(contentWords(q.answer), shown.slice(0, FIRST_VISIBLE_CHARS));
  }
  assert.equal(report.visible_recall, Math.round((whole / 3) * 1000) / 1000);
  assert.equal(report.visible_recall_first_600, Math.round((first / 3) * 1000) / 1000);
  // The backoff fact is shown, but below the retry rules: the whole answer holds it, its first 600
  // characters do not. Timeouts are answered at the top; bread shows nothing of its answer.
  const one = await evaluateContext(docs, root, QUESTIONS.slice(0, 1), { contextSize: 1024, answerMaxTokens: 128 });
  assert.equal(one.visible_recall, 1);
  assert.ok(one.visible_recall_first_600 < 1, `first 600: ${one.visible_recall_first_600}`);
  const top = await evaluateContext(docs, root, QUESTIONS.slice(1, 2), { contextSize: 1024, answerMaxTokens: 128 });
  assert.equal(top.visible_recall_first_600, 1);
  assert.equal(top.not_covered, 0);
});
