// The first answer token on the CPU (issue 21): one question about the sample docs asked of a
// Qwen2.5-shaped twin (bench/gpuTwinWrite) with the old defaults (the whole context, a draft for
// every question, one thread reading and writing) and with today's (sources sized by the measured
// speed, no draft for a named term, all physical cores reading), then a follow-up in the same
// conversation. Per row: prompt tokens (and those held from the answer before), draft time, first
// answer token, answer tokens/s, and context recall on the eval set at the sources' budget
// (`docent eval --context --source-tokens N`, where the set is at hand).
// Usage: node out/bench/firstTokenBench.js --model twin.gguf [--rows before,after,after-1-thread,follow-up] [--answer-tokens 64]
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { answerQuestion, type PipelineResult } from "../src/engine/answer/pipeline.js";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { ChatModel, defaultThreads, getLlamaInstance, type ModelSettings } from "../src/engine/model/local/llm.js";
import { evaluateContext } from "../src/engine/eval/contextEval.js";
import { readQuestions } from "../src/engine/eval/retrievalEval.js";
import type { PipelineSettings } from "../src/shared/pipelineSettings.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    rows: { type: "string", default: "before,after,after-1-thread,follow-up" },
    "answer-tokens": { type: "string", default: "64" },
    docs: { type: "string", default: "samples/otel-semconv/docs" },
    "eval-docs": { type: "string", default: "../shared/eval/anthropic_docs/docs" },
    question: { type: "string", default: "What is the unit of http.server.request.duration?" },
    "follow-up": { type: "string", default: "Which attributes does http.server.request.duration have?" },
  },
});
const QUESTION = values.question!;
const FOLLOW_UP = values["follow-up"]!;
const answerTokens = Number(values["answer-tokens"]);
// The room the default 4,096-token context leaves the sources with 512 answer tokens, with fewer
// tokens written (the twin writes noise; its speed is measured over the first ones).
const contextSize = 4096 - (512 - answerTokens);
const rowsWanted = values.rows!.split(",");

const llama = await getLlamaInstance("off");
const index = new DocsIndex([path.resolve(values.docs!)]);
await index.update();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "docent-first-token-"));

interface Row {
  row: string;
  threads: string;
  prompt_tokens: number;
  held_tokens: number;
  source_tokens: number;
  limited_by: string;
  draft_ms: number;
  first_answer_token_ms: number;
  answer_tps: number;
  load1: number;
}
const rows: Row[] = [];
const rowOf = (row: string, chat: ChatModel, r: PipelineResult, load1: number): Row => ({
  row,
  // The threads that read this prompt (all cores only while the CPU had them free) / that wrote.
  threads: `${chat.lastReadThreads || chat.readThreads} reading / ${chat.threads} writing`,
  prompt_tokens: r.tokens.answerPrompt,
  held_tokens: r.tokens.answerPromptCached ?? 0,
  source_tokens: r.sourceBudget?.tokens ?? 0,
  limited_by: r.sourceBudget?.limitedBy ?? "",
  draft_ms: Math.round(r.timings.draft),
  first_answer_token_ms: Math.round(r.timings.firstAnswerTokenMs),
  answer_tps: Math.round(r.tokensPerSecond.answer * 10) / 10,
  load1,
});

async function run(row: string, settings: ModelSettings, pipeline: Partial<PipelineSettings>): Promise<void> {
  const chat = await ChatModel.load(llama, path.resolve(values.model!), { gpu: "off", contextSize, probe: false, ...settings });
  try {
    const load1 = Math.round(os.loadavg()[0]! * 10) / 10;
    const first = await answerQuestion(index, chat, QUESTION, { settings: { ...pipeline, answerMaxTokens: answerTokens } });
    rows.push(rowOf(row, chat, first, load1));
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    if (row === "after" && rowsWanted.includes("follow-up")) {
      // The next question of the same conversation, as the engine asks it: with the turn before and the sources it was given.
      const previous = { question: QUESTION, terms: first.cards?.map((c) => c.term) ?? [], sources: first.sources };
      const load = Math.round(os.loadavg()[0]! * 10) / 10;
      const next = await answerQuestion(index, chat, FOLLOW_UP, { settings: { ...pipeline, answerMaxTokens: answerTokens }, previous });
      rows.push(rowOf("follow-up", chat, next, load));
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  } finally {
    await chat.dispose();
  }
}

const speedFile = path.join(tmp, "model-speeds.json");
try {
  // Before issue 21: the whole context, a draft for every question, the threads setting (cores - 1) for reading too.
  if (rowsWanted.includes("before"))
    await run("before", { threads: defaultThreads(), readThreads: defaultThreads(), speed: false }, { firstTokenSeconds: 0, draftForNamedTerms: true });
  // Today's defaults: the speed measured at load sizes the sources.
  if (rowsWanted.includes("after")) await run("after", { speed: { file: speedFile } }, {});
  if (rowsWanted.includes("after-1-thread")) await run("after-1-thread", { threads: 1, speed: { file: speedFile } }, {});
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}

// Context recall at each row's source budget, on the eval set (no model needed).
const recall: Record<number, number> = {};
const evalDocs = path.resolve(values["eval-docs"]!);
if (await fs.stat(evalDocs).catch(() => undefined)) {
  const questions = await readQuestions(path.join(evalDocs, "..", "questions.jsonl"));
  const evalIndex = new DocsIndex([evalDocs]);
  await evalIndex.update();
  for (const tokens of new Set(rows.map((r) => r.source_tokens))) {
    const report = await evaluateContext(evalIndex, evalDocs, questions, { contextSize, answerMaxTokens: answerTokens, sourceTokens: tokens });
    recall[tokens] = report.context_recall;
  }
}

const ms = (x: number) => (x / 1000).toFixed(1) + " s";
console.log(
  `| row | threads | prompt tokens (held) | sources (set by) | draft | first answer token | answer tokens/s | context recall at that budget | load |`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const r of rows) {
  const held = r.held_tokens ? ` (${r.held_tokens.toLocaleString("en-US")} held)` : "";
  console.log(
    `| ${r.row} | ${r.threads} | ${r.prompt_tokens.toLocaleString("en-US")}${held} | ${r.source_tokens.toLocaleString("en-US")} (${r.limited_by}) | ${r.draft_ms ? ms(r.draft_ms) : "none"} | ${ms(r.first_answer_token_ms)} | ${r.answer_tps} | ${recall[r.source_tokens] ?? "n/a"} | ${r.load1} |`,
  );
}
console.log(
  JSON.stringify({
    model: path.basename(values.model!),
    context: contextSize,
    answer_tokens: answerTokens,
    rows: rows.map((r) => ({ ...r, context_recall: recall[r.source_tokens] })),
  }),
);
