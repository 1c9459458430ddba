/**
 * The tiny generated models load and run in node-llama-cpp.
 *
 * llama.cpp aborts the process (SIGABRT) on some malformed models, so everything that touches
 * node-llama-cpp runs in a child process: this same file, forked with PROBE_ENV set, runs
 * `runProbe()` instead of registering tests, and sends its results back over IPC.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildTinyModelBuffers, ensureTinyModels, TINY_MODEL_FILES, tinyVocab, type TinyModelPaths } from "../fixtures/tinyModels.js";

const PROBE_ENV = "DOCENT_TINY_MODELS_PROBE";

interface ProbeResult {
  getLlamaMs: number;
  loadMs: number;
  /** Greedy answer of tiny-chat through GeneralChatWrapper. */
  chatText: string;
  chatTokens: number;
  tokensPerSecond: number;
  /** Chat wrapper node-llama-cpp resolves for tiny-chat-template. */
  templateWrapper: string;
  templateText: string;
  /** The same prompt through JinjaTemplateChatWrapper built from the GGUF's template. */
  jinjaText: string;
  /** Greedy completion of tiny-chat-template, twice without the LoRA and once with it. */
  plain: string;
  plainAgain: string;
  withLora: string;
  embedLength: number;
  /** Cosine similarities. */
  simSame: number;
  simDifferent: number;
  embedMs: number;
}

// ---------------------------------------------------------------------------------------------
// Child side
// ---------------------------------------------------------------------------------------------

async function runProbe(paths: TinyModelPaths): Promise<ProbeResult> {
  const { getLlama, LlamaLogLevel, LlamaChatSession, LlamaCompletion, GeneralChatWrapper, JinjaTemplateChatWrapper } = await import("node-llama-cpp");
  const threads = 1;
  let t = performance.now();
  const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error });
  const getLlamaMs = performance.now() - t;

  // tiny-chat: no template, so pick the wrapper explicitly (auto-detection varies).
  t = performance.now();
  const chatModel = await llama.loadModel({ modelPath: paths.chat });
  const loadMs = performance.now() - t;
  const question = "How do I install the extension?";
  let chatText: string;
  let chatTokens: number;
  let tokensPerSecond: number;
  {
    const context = await chatModel.createContext({ contextSize: 512, threads });
    const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: new GeneralChatWrapper() });
    t = performance.now();
    chatText = await session.prompt(question, { maxTokens: 48, temperature: 0 });
    const seconds = (performance.now() - t) / 1000;
    chatTokens = chatModel.tokenize(chatText).length;
    tokensPerSecond = chatTokens / seconds;
    await context.dispose();
  }
  await chatModel.dispose();

  // tiny-chat-template: the GGUF's own template.
  const model = await llama.loadModel({ modelPath: paths.chatTemplate });
  const template = model.fileInfo.metadata.tokenizer.chat_template;
  if (typeof template !== "string") throw new Error("tiny-chat-template has no chat template");
  const ask = async (chatWrapper?: InstanceType<typeof JinjaTemplateChatWrapper>) => {
    const context = await model.createContext({ contextSize: 512, threads });
    const session = new LlamaChatSession({
      contextSequence: context.getSequence(),
      ...(chatWrapper ? { chatWrapper } : {}),
    });
    const text = await session.prompt(question, { maxTokens: 24, temperature: 0 });
    const wrapper = session.chatWrapper.constructor.name;
    await context.dispose();
    return { text, wrapper };
  };
  const auto = await ask();
  const jinja = await ask(new JinjaTemplateChatWrapper({ template }));

  const complete = async (lora: boolean) => {
    const context = await model.createContext({
      contextSize: 256,
      threads,
      ...(lora ? { lora: { adapters: [{ filePath: paths.lora, scale: 1 }] } } : {}),
    });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    const text = await completion.generateCompletion("the search index of the docs", {
      maxTokens: 24,
      temperature: 0,
      seed: 42,
    });
    await context.dispose();
    return text;
  };
  const plain = await complete(false);
  const plainAgain = await complete(false);
  const withLora = await complete(true);
  await model.dispose();

  // embeddings
  const embedModel = await llama.loadModel({ modelPath: paths.embed });
  const embedContext = await embedModel.createEmbeddingContext({ contextSize: 256, threads });
  t = performance.now();
  const a = await embedContext.getEmbeddingFor("how to install the extension");
  const embedMs = performance.now() - t;
  const b = await embedContext.getEmbeddingFor("search the docs index for an answer");
  const a2 = await embedContext.getEmbeddingFor("how to install the extension");
  const result: ProbeResult = {
    getLlamaMs,
    loadMs,
    chatText,
    chatTokens,
    tokensPerSecond,
    templateWrapper: auto.wrapper,
    templateText: auto.text,
    jinjaText: jinja.text,
    plain,
    plainAgain,
    withLora,
    embedLength: a.vector.length,
    simSame: a.calculateCosineSimilarity(a2),
    simDifferent: a.calculateCosineSimilarity(b),
    embedMs,
  };
  await embedContext.dispose();
  await embedModel.dispose();
  await llama.dispose();
  return result;
}

if (process.env[PROBE_ENV] !== undefined) {
  const paths = JSON.parse(process.env[PROBE_ENV]!) as TinyModelPaths;
  try {
    const result = await runProbe(paths);
    process.send!({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    process.send!({ ok: false, error: String((err as Error)?.stack ?? err) }, () => process.exit(1));
  }
} else {
  registerTests();
}

// ---------------------------------------------------------------------------------------------
// Parent side
// ---------------------------------------------------------------------------------------------

/** Runs runProbe() in a forked child; rejects with its output if it crashes (e.g. SIGABRT). */
function probeInChild(paths: TinyModelPaths, timeoutMs = 60_000): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, [PROBE_ENV]: JSON.stringify(paths) };
    delete env.NODE_TEST_CONTEXT; // the child is not a node:test file
    const child = fork(fileURLToPath(import.meta.url), [], {
      env,
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    let message: { ok: boolean; result?: ProbeResult; error?: string } | undefined;
    child.on("message", (m) => (message = m as typeof message));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (message?.ok && message.result) resolve(message.result);
      else {
        reject(new Error(`model probe failed (exit ${code}, signal ${signal})${message?.error ? `: ${message.error}` : ""}\n${output.slice(-4000)}`));
      }
    });
  });
}

function registerTests(): void {
  let paths: TinyModelPaths;
  let tmp: string;

  before(async () => {
    paths = await ensureTinyModels();
    tmp = await mkdtemp(join(tmpdir(), "docent-tiny-"));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe("tiny models: files", () => {
    test("are byte-identical when generated twice", async () => {
      const a = await ensureTinyModels(join(tmp, "a"));
      const b = await ensureTinyModels(join(tmp, "b"));
      for (const key of Object.keys(TINY_MODEL_FILES) as (keyof TinyModelPaths)[]) {
        const [x, y, z] = await Promise.all([readFile(a[key]), readFile(b[key]), readFile(paths[key])]);
        assert.ok(x.equals(y), `${key} differs between two generations`);
        assert.ok(x.equals(z), `${key} differs from the default fixture`);
      }
      const again = buildTinyModelBuffers();
      assert.ok(again.chat.equals(await readFile(a.chat)));
    });

    test("returns absolute paths in the default folder", () => {
      for (const p of Object.values(paths)) assert.match(p, /^\/.*test\/fixtures\/models\/tiny-[a-z-]+\.gguf$/);
    });

    test("vocabulary: specials, 256 byte tokens, ▁-words", () => {
      const v = tinyVocab();
      assert.ok(v.tokens.length >= 700 && v.tokens.length <= 800, `${v.tokens.length} tokens`);
      assert.deepEqual(v.tokens.slice(0, 3), ["<unk>", "<s>", "</s>"]);
      assert.equal(v.tokens.filter((t) => /^<0x[0-9A-F]{2}>$/.test(t)).length, 256);
      assert.equal(v.types[v.tokens.indexOf("<0x41>")], 6);
      assert.ok(v.tokens.includes("▁the") && v.tokens.includes("▁model") && v.tokens.includes("a"));
      assert.equal(new Set(v.tokens).size, v.tokens.length);
    });
  });

  describe("tiny models: node-llama-cpp (in a child process)", () => {
    let r: ProbeResult;
    before(async () => {
      r = await probeInChild(paths);
    });

    test("tiny-chat loads and generates with GeneralChatWrapper", (t) => {
      t.diagnostic(
        `getLlama ${r.getLlamaMs.toFixed(0)} ms, load ${r.loadMs.toFixed(0)} ms, ` +
          `${r.chatTokens} tokens at ${r.tokensPerSecond.toFixed(0)} tokens/s (1 thread), embedding ${r.embedMs.toFixed(1)} ms`,
      );
      assert.ok(r.chatTokens >= 10, `only ${r.chatTokens} tokens: ${JSON.stringify(r.chatText)}`);
      // not a single token repeated over and over
      const words = r.chatText.split(/\s+/).filter(Boolean);
      assert.ok(new Set(words).size >= 5, `too repetitive: ${JSON.stringify(r.chatText)}`);
    });

    test("tiny-chat-template generates through its own template", () => {
      assert.match(r.templateWrapper, /ChatML|JinjaTemplate/);
      assert.ok(r.templateText.length > 0);
      assert.ok(r.jinjaText.length > 0);
    });

    test("greedy output is deterministic and changes with the LoRA adapter", () => {
      assert.ok(r.plain.length > 0);
      assert.equal(r.plain, r.plainAgain);
      assert.notEqual(r.withLora, r.plain, "the LoRA adapter did not change the output");
    });

    test("tiny-embed gives different vectors for different texts", () => {
      assert.equal(r.embedLength, 64);
      assert.ok(Math.abs(r.simSame - 1) < 1e-6, `same text: ${r.simSame}`);
      assert.ok(r.simDifferent < 0.99, `different texts too similar: ${r.simDifferent}`);
    });
  });
}
