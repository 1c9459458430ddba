// One backend of bench/gpu.sh: loads the twin with node-llama-cpp's CPU, CUDA or Vulkan binary
// (one backend per process: a process loads one llama.cpp binary), then measures, per question,
// Docent's answer stage (the pipeline, draft off, answer tokens/s and time to first token) and
// raw node-llama-cpp on the same prompt (LlamaChatSession, same context, threads, token count),
// then the first answer token with Docent's default settings and a follow-up's.
// Prints one JSON line; a backend that cannot run here prints why instead.
// Usage: node out/bench/gpuBench.js --model twin.gguf --backend cpu|cuda|vulkan [--questions N] [--answer-tokens N]
import * as path from "node:path";
import { parseArgs } from "node:util";
import { answerQuestion } from "../src/engine/answer/pipeline.js";
import { answerPrompt, ANSWER_SYSTEM_PROMPT } from "../src/engine/answer/answerPrompts.js";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { ChatModel } from "../src/engine/model/local/llm.js";
import { importNodeLlamaCpp } from "../src/engine/model/local/nodeLlamaCpp.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    backend: { type: "string", default: "cpu" },
    questions: { type: "string", default: "3" },
    "answer-tokens": { type: "string", default: "128" },
    threads: { type: "string" },
    // The twin's small base vocabulary spells docs text in ~2x the tokens of a real BPE vocabulary:
    // 3 sections give a prompt of about the size 6 give a real model.
    sources: { type: "string", default: "3" },
    docs: { type: "string", default: "samples/otel-semconv/docs" },
  },
});
const backend = values.backend as "cpu" | "cuda" | "vulkan";
const QUESTIONS = [
  "What does http.server.request.duration measure and in which unit?",
  "Which attributes are required on database client operation duration?",
  "How is system.cpu.utilization computed?",
  "What is jvm.memory.used?",
];

const { getLlama, LlamaChatSession, LlamaLogLevel } = await importNodeLlamaCpp();
let llama;
try {
  llama = await getLlama({ build: "never", gpu: backend === "cpu" ? false : backend, logLevel: LlamaLogLevel.error });
} catch (err) {
  console.log(JSON.stringify({ backend, available: false, why: `no usable ${backend} binary: ${(err as Error).message.split("\n")[0]}` }));
  process.exit(0);
}
const devices = llama.gpu ? await llama.getGpuDeviceNames() : [];
if (backend !== "cpu" && devices.length === 0) {
  console.log(
    JSON.stringify({ backend, available: false, binary: llama.gpu, why: `the ${backend} binary loaded but lists no GPU device (0 layers would be offloaded)` }),
  );
  process.exit(0);
}
// Docent's defaults unless --threads pins one count for reading and writing.
const t0 = performance.now();
const chat = await ChatModel.load(llama, path.resolve(values.model!), {
  gpu: backend === "cpu" ? "off" : "auto",
  threads: values.threads ? Number(values.threads) : undefined,
  contextSize: 4096,
  probe: false,
});
const threads = chat.threads;
const loadMs = performance.now() - t0;
const index = new DocsIndex([path.resolve(values.docs!)]);
await index.update();
const rawContext = await chat.model.createContext({ contextSize: chat.contextSize, threads });
const answerTokens = Number(values["answer-tokens"]);

const rows: { docentTps: number; docentTtft: number; rawTps: number; rawTtft: number; promptTokens: number; tokens: number }[] = [];
for (const question of QUESTIONS.slice(0, Number(values.questions))) {
  const result = await answerQuestion(index, chat, question, { settings: { draft: false, answerMaxTokens: answerTokens, sources: Number(values.sources) } });
  // Time to the first answer token of the answer stage alone: its generation's own measure.
  const docentTtft = result.timings.firstAnswerTokenMs - result.timings.terms - result.timings.draft - result.timings.retrieve;
  const session = new LlamaChatSession({ contextSequence: rawContext.getSequence(), systemPrompt: ANSWER_SYSTEM_PROMPT });
  const started = performance.now();
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
  rows.push({
    docentTps: result.tokensPerSecond.answer,
    docentTtft,
    rawTps: tokens > 1 ? ((tokens - 1) * 1000) / (end - first) : 0,
    rawTtft: first - started,
    promptTokens: result.tokens.answerPrompt,
    tokens: result.tokens.answer,
  });
}
await rawContext.dispose();

// The first answer token as a user gets it: default settings (the sources sized by the speed
// measured at load, no draft for a named term), then a follow-up in the same conversation.
const asked = "What is the unit of http.server.request.duration?";
const first = await answerQuestion(index, chat, asked, { settings: { answerMaxTokens: answerTokens } });
const followUp = await answerQuestion(index, chat, "Which attributes does http.server.request.duration have?", {
  settings: { answerMaxTokens: answerTokens },
  previous: { question: asked, terms: first.cards?.map((c) => c.term) ?? [], sources: first.sources },
});
const mean = (k: keyof (typeof rows)[number]) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const r1 = (x: number) => Math.round(x * 10) / 10;
const vram = llama.gpu ? await llama.getVramState() : undefined;
console.log(
  JSON.stringify({
    backend,
    available: true,
    binary: llama.gpu || "cpu",
    devices,
    gpu_layers: chat.gpuLayers,
    total_layers: chat.model.fileInsights.totalLayers,
    vram_used_gb: vram ? r1(vram.used / 2 ** 30) : undefined,
    threads,
    load_ms: Math.round(loadMs),
    questions: rows.length,
    prompt_tokens: Math.round(mean("promptTokens")),
    answer_tokens: Math.round(mean("tokens")),
    raw_tps: r1(mean("rawTps")),
    raw_ttft_ms: Math.round(mean("rawTtft")),
    docent_tps: r1(mean("docentTps")),
    docent_ttft_ms: Math.round(mean("docentTtft")),
    docent_vs_raw: Math.round((mean("docentTps") / mean("rawTps")) * 1000) / 1000,
    read_threads: chat.readThreads,
    first_token_ms: Math.round(first.timings.firstAnswerTokenMs),
    first_token_prompt_tokens: first.tokens.answerPrompt,
    first_token_source_budget: first.sourceBudget,
    followup_first_token_ms: Math.round(followUp.timings.firstAnswerTokenMs),
    followup_prompt_tokens: followUp.tokens.answerPrompt,
    followup_held_tokens: followUp.tokens.answerPromptCached ?? 0,
  }),
);
await chat.dispose();
