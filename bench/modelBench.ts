// The answer pipeline's speed with generated models: answer-stage tokens/s against raw
// node-llama-cpp generation of the same tokens with the same model and settings, time to the
// first answer token split by stage, the draft's share of the total, and peak memory.
// Usage: node out/bench/modelBench.js [--model small|medium] [--gpu auto|off] [--questions N]
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { benchModelFile } from "./benchModel.js";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { ChatModel, getLlamaInstance } from "../src/engine/model/local/llm.js";
import type { GpuSetting } from "../src/engine/model/local/gpuSetting.js";
import { importNodeLlamaCpp } from "../src/engine/model/local/nodeLlamaCpp.js";
import { answerQuestion } from "../src/engine/answer/pipeline.js";
import { answerPrompt, ANSWER_SYSTEM_PROMPT } from "../src/engine/answer/answerPrompts.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "small" },
    gpu: { type: "string", default: "off" },
    questions: { type: "string", default: "4" },
    "answer-tokens": { type: "string", default: "128" },
    docs: { type: "string", default: "samples/otel-semconv/docs" },
  },
});

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
sampler.unref();

const QUESTIONS = [
  "What does http.server.request.duration measure and in which unit?",
  "Which attributes are required on database client operation duration?",
  "How is system.cpu.utilization computed?",
  "What is jvm.memory.used?",
  "What does the messaging.client.sent.messages metric count?",
  "What are the stability levels of semantic conventions?",
];

const file = await benchModelFile(values.model!);
const gpu = values.gpu as GpuSetting;
const answerTokens = Number(values["answer-tokens"]);
const llama = await getLlamaInstance(gpu);
const chat = await ChatModel.load(llama, file, { gpu });
const index = new DocsIndex([path.resolve(values.docs!)]);
await index.update();

const rows: Record<string, number>[] = [];
const rawSpeeds: number[] = [];
const { LlamaChatSession } = await importNodeLlamaCpp();
const rawContext = await chat.model.createContext({
  contextSize: chat.contextSize,
  threads: chat.threads,
});
for (const question of QUESTIONS.slice(0, Number(values.questions))) {
  const result = await answerQuestion(index, chat, question, { settings: { answerMaxTokens: answerTokens, draftForNamedTerms: true, draftMaxTokens: 64 } });
  const t = result.timings;
  rows.push({
    total_ms: t.total,
    terms_ms: t.terms,
    draft_ms: t.draft,
    retrieve_ms: t.retrieve,
    answer_ms: t.answer,
    first_answer_token_ms: t.firstAnswerTokenMs,
    prompt_tokens: result.tokens.answerPrompt,
    answer_tokens: result.tokens.answer,
    answer_tps: result.tokensPerSecond.answer,
    draft_tps: result.tokensPerSecond.draft,
  });
  // Raw node-llama-cpp: the same prompt, the same number of tokens, same context size and threads.
  const session = new LlamaChatSession({ contextSequence: rawContext.getSequence(), systemPrompt: ANSWER_SYSTEM_PROMPT });
  let first = -1;
  let tokens = 0;
  await session.prompt(answerPrompt(question, result.sources), {
    maxTokens: result.tokens.answer,
    temperature: 0,
    onToken: (tk) => {
      if (first < 0) first = performance.now();
      tokens += tk.length;
    },
  });
  const end = performance.now();
  session.dispose({ disposeSequence: true });
  rawSpeeds.push(((tokens - 1) * 1000) / (end - first));
}
await rawContext.dispose();

const mean = (key: string) => rows.reduce((s, r) => s + r[key]!, 0) / rows.length;
const r1 = (x: number) => Math.round(x * 10) / 10;
const rawTps = rawSpeeds.reduce((a, b) => a + b, 0) / rawSpeeds.length;
clearInterval(sampler);
console.log(
  JSON.stringify({
    model: values.model,
    file_mb: r1((await fs.stat(file)).size / 1024 / 1024),
    gpu: llama.gpu || "cpu",
    gpu_layers: chat.gpuLayers,
    threads: chat.threads,
    context: chat.contextSize,
    questions: rows.length,
    mean_total_ms: r1(mean("total_ms")),
    mean_first_answer_token_ms: r1(mean("first_answer_token_ms")),
    ttft_split_ms: {
      terms: r1(mean("terms_ms")),
      draft: r1(mean("draft_ms")),
      retrieve: r1(mean("retrieve_ms")),
      answer_prompt: r1(mean("first_answer_token_ms") - mean("terms_ms") - mean("draft_ms") - mean("retrieve_ms")),
    },
    draft_share_of_total: Math.round((mean("draft_ms") / mean("total_ms")) * 1000) / 1000,
    mean_prompt_tokens: Math.round(mean("prompt_tokens")),
    answer_tokens: Math.round(mean("answer_tokens")),
    pipeline_answer_tps: r1(mean("answer_tps")),
    raw_tps: r1(rawTps),
    pipeline_vs_raw: Math.round((mean("answer_tps") / rawTps) * 1000) / 1000,
    draft_tps: r1(mean("draft_tps")),
    peak_rss_mb: r1(peakRss / 1024 / 1024),
  }),
);
await chat.dispose();
