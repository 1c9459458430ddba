// What reaches the model and the reader, without a model (`docent eval --context` on a question
// set with reference answers), at the default context size and at twice and half of it.
// Prints one JSON object.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { evaluateContext } from "../src/engine/eval/contextEval.js";
import { readQuestions } from "../src/engine/eval/retrievalEval.js";

const { values } = parseArgs({ options: { docs: { type: "string" }, questions: { type: "string" } } });
const docsDir = path.resolve(values.docs ?? "../shared/eval/anthropic_docs/docs");
const questions = await readQuestions(values.questions ?? path.join(docsDir, "..", "questions.jsonl"));
const index = new DocsIndex([docsDir]);
await index.update();
const results: Record<string, unknown> = {};
for (const contextSize of [2048, 4096, 8192]) {
  const t0 = performance.now();
  const report = await evaluateContext(index, docsDir, questions, { contextSize });
  results[`context-${contextSize}`] = { ...report, ms_per_question: Math.round(((performance.now() - t0) / questions.length) * 10) / 10 };
}
console.log(JSON.stringify(results));
