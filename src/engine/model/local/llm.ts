// Local models through node-llama-cpp: a chat model (with optional LoRA adapters) and an
// optional embedding model. Every GGUF is validated before llama.cpp sees it, because a
// malformed file can abort the whole process.
import * as os from "node:os";
import type { ChatGenerator, Embedder, GenerateRequest, Generation } from "../modelInterface.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import type { GpuSetting } from "./gpuSetting.js";
import type { GgufInfo } from "../gguf/types.js";
import { validateGguf } from "../gguf/validation.js";
import { importNodeLlamaCpp, type NodeLlamaCpp } from "./nodeLlamaCpp.js";
import { probeModel, type ProbeOptions, type ProbeResult } from "./loadProbe.js";
import { chatWrapperName, pickChatWrapper, type ChatWrapper } from "./chatWrapper.js";
import { promptOpensReasoning, ReasoningSplitter } from "../reasoning.js";
import { normalise } from "../../util/vectors.js";
import { refineSpeed, SpeedStore, type ModelSpeed } from "../speed.js";
import { ReadingThreads, readingThreads } from "./readingThreads.js";

type Llama = Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>;
type LlamaModel = Awaited<ReturnType<Llama["loadModel"]>>;
type LlamaContext = Awaited<ReturnType<LlamaModel["createContext"]>>;
type LlamaContextSequence = ReturnType<LlamaContext["getSequence"]>;
type Token = Parameters<LlamaContextSequence["compareContextTokens"]>[0][number];
type LlamaEmbeddingContext = Awaited<ReturnType<LlamaModel["createEmbeddingContext"]>>;

export interface ModelSettings {
  /** Adapters by local path (references are resolved by the engine, see download/resolve.ts). */
  lora?: { path: string; scale: number }[];
  gpu?: GpuSetting;
  /** Threads for writing (generation); default: CPU cores - 1 (at least 1). Never the library's default. */
  threads?: number;
  /**
   * Threads for reading the prompt; default: `threads` when it is set, else all physical cores
   * (prompt reading is compute-bound and the editor waits on it; docs/models.md, "Threads").
   */
  readThreads?: number;
  /** Context size in tokens; default 4096, capped at what the model was trained for. */
  contextSize?: number;
  /**
   * The model probe (loadProbe.ts): a file not loaded before is first loaded in a child process, so
   * that a llama.cpp abort becomes an error. `false` skips it (benchmarks of a known model).
   */
  probe?: ProbeOptions | false;
  /**
   * Where the measured speeds are kept (speed.ts), per model file and device. A model without a
   * stored speed is measured at load with a short prompt; `false`: no probe and no file (speed
   * still learnt from the answers).
   */
  speed?: { file?: string } | false;
}

/** The load-time speed probe: a prompt of about 150 tokens, 4 written. */
const SPEED_PROBE_TEXT = Array.from({ length: 12 }, (_, i) => `Line ${i + 1} of the documentation describes one setting and its default value.`).join(" ");

export const DEFAULT_CONTEXT_SIZE = 4096;

export function defaultThreads(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

/** Tokens of the side context (drafts, follow-up rewrites, the speed probe): short prompts, a few hundred tokens written. */
const SIDE_CONTEXT_SIZE = 1024;

/**
 * Prompt tokens per batch on the CPU (node-llama-cpp's default is 512). Stop is seen between
 * batches: 512 tokens took 14 s to read on a 2-core machine (Stop 2.0 s into a reading returned at
 * 16.2 s); 128 read at the same speed (1,024 tokens, one thread: 36-42 tokens/s at 512, 38-49 at 128).
 */
export const CPU_BATCH_SIZE = 128;

const llamas = new Map<GpuSetting | "cuda", Promise<Llama>>();
let routedLogger: Logger = silentLogger;

/**
 * One Llama instance per GPU setting and process; llama.cpp's log lines go to our logger. "cuda"
 * asks for the CUDA binary only (gpuBackend.ts, for CUDA fetched into storage) and fails without it.
 */
export async function getLlamaInstance(gpu: GpuSetting | "cuda", logger: Logger = silentLogger): Promise<Llama> {
  routedLogger = logger;
  let llama = llamas.get(gpu);
  if (!llama) {
    llama = importNodeLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
      getLlama({
        // Never compile llama.cpp at run time: the prebuilt binaries ship with the package.
        build: "never",
        gpu: gpu === "off" ? false : gpu === "cuda" ? "cuda" : "auto",
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = `llama.cpp: ${message.trimEnd()}`;
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) routedLogger.error(text);
          else if (level === LlamaLogLevel.warn) routedLogger.warn(text);
          else routedLogger.info(text);
        },
      }),
    );
    llamas.set(gpu, llama);
    llama.catch(() => llamas.delete(gpu));
  }
  return llama;
}

export class ChatModel implements ChatGenerator {
  private constructor(
    readonly path: string,
    readonly info: GgufInfo,
    /** The loaded model, for callers that need node-llama-cpp directly (benchmarks). */
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    /** Threads that write (generate). */
    readonly threads: number,
    /** Threads that read the prompt (all physical cores by default; `threads` when set). */
    readonly readThreads: number,
    /** Creates the side context (drafts, rewrites, the probe): the answers' context's settings at SIDE_CONTEXT_SIZE. */
    private readonly createSideContext: () => Promise<LlamaContext>,
  ) {
    this.cpu = new ReadingThreads(readThreads, threads);
  }

  /**
   * The answers' sequence, kept from one exchange to the next: node-llama-cpp reads only the
   * tokens after the part of a new prompt that it already holds (the system prompt, the same
   * sources for a follow-up), and replaces the rest.
   */
  private answerSequence?: LlamaContextSequence;
  /** How many threads read the next prompt, from the machine's load less this model's own. */
  private readonly cpu: ReadingThreads;
  /** The side exchanges' sequence, in a small context of its own, so they never replace what the answers' holds. */
  private sideSequence?: Promise<LlamaContextSequence | undefined>;

  private measured?: ModelSpeed;
  private speedStore?: { store: SpeedStore; key: string };
  /** Saves of the speed, one after the other (the last one written is the latest figure). */
  private saving: Promise<void> = Promise.resolve();

  /** The prompt-reading and writing speed measured on this device (probe at load, refined by each answer). */
  speed(): ModelSpeed | undefined {
    return this.measured;
  }

  /** Reads the stored speed of this file on this device, or measures it with a short prompt. */
  private async loadSpeed(file: string | undefined): Promise<void> {
    if (file) {
      const store = new SpeedStore(file);
      const device = { backend: this.model.llama.gpu || "cpu", gpuLayers: this.gpuLayers, threads: this.threads, readThreads: this.readThreads };
      const key = await SpeedStore.keyOf(this.path, device);
      this.speedStore = { store, key };
      this.measured = await store.get(key);
    }
    if (!this.measured) await this.generate({ system: "Answer in one word.", user: SPEED_PROBE_TEXT, maxTokens: 4, side: true });
  }

  private recordSpeed(g: Generation): void {
    // Only the tokens read count: those held from the exchange before took no time.
    const read = (g.promptTokens ?? 0) - (g.cachedPromptTokens ?? 0);
    if (g.aborted || read <= 0) return;
    this.measured = refineSpeed(this.measured, { promptTokens: read, firstTokenMs: g.firstTokenMs, tokensPerSecond: g.tokensPerSecond });
    const kept = this.speedStore;
    const speed = this.measured;
    // A speed that cannot be saved is measured again at the next load: nothing else depends on the file.
    if (kept && speed) this.saving = this.saving.then(() => kept.store.set(kept.key, speed).catch(() => {}));
  }

  static async load(llama: Llama, path: string, settings: ModelSettings): Promise<ChatModel> {
    const info = await validateGguf(path, { kind: "chat" });
    for (const adapter of settings.lora ?? []) await validateGguf(adapter.path, { kind: "lora", baseModelPath: path });
    const threads = settings.threads ?? defaultThreads();
    const readThreads = readingThreads(llama.cpuMathCores, settings, defaultThreads());
    const probe: ProbeResult | undefined =
      settings.probe === false
        ? undefined
        : await probeModel(
            {
              kind: "chat",
              path,
              lora: settings.lora ?? [],
              gpu: settings.gpu ?? "auto",
              threads,
              contextSize: settings.contextSize,
              checkTemplate: info.hasChatTemplate,
            },
            settings.probe,
          );
    const lib = await importNodeLlamaCpp();
    const model = await llama.loadModel({ modelPath: path, gpuLayers: settings.gpu === "off" ? 0 : "auto" });
    const contextSize = Math.min(settings.contextSize ?? DEFAULT_CONTEXT_SIZE, model.trainContextSize || DEFAULT_CONTEXT_SIZE);
    const lora = settings.lora?.length ? { adapters: settings.lora.map((a) => ({ filePath: a.path, scale: a.scale })) } : undefined;
    // A context's threads are capped by the Llama's thread limit when it is created (0: none).
    if (llama.maxThreads !== 0) llama.maxThreads = Math.max(llama.maxThreads, readThreads);
    // On the CPU the prompt is read in batches of CPU_BATCH_SIZE tokens: llama.cpp sees Stop only
    // between batches, and a CPU reads 128-token batches as fast as 512-token ones.
    const batchSize = model.gpuLayers === 0 ? Math.min(CPU_BATCH_SIZE, contextSize) : undefined;
    let context: LlamaContext;
    try {
      context = await model.createContext({ contextSize, threads: readThreads, lora, batchSize });
    } catch (err) {
      await model.dispose();
      throw err;
    }
    const chatWrapper = pickChatWrapper(lib, model, info, probe);
    const createSideContext = () => model.createContext({ contextSize: Math.min(SIDE_CONTEXT_SIZE, contextSize), threads: readThreads, lora, batchSize });
    const chat = new ChatModel(path, info, model, context, chatWrapper, threads, readThreads, createSideContext);
    if (settings.speed !== false) await chat.loadSpeed(settings.speed?.file);
    return chat;
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  /** Prompt tokens read per batch: Stop is seen between batches (CPU_BATCH_SIZE on the CPU). */
  get batchSize(): number {
    return this.context.batchSize;
  }

  /** node-llama-cpp's name of the chat wrapper in use ("ChatML", "Jinja", "General", ...). */
  get chatWrapperName(): string | undefined {
    return chatWrapperName(this.chatWrapper);
  }

  get gpuLayers(): number {
    return this.model.gpuLayers;
  }

  /** Tokens of `text` as plain text (special-token text such as `<|im_start|>` is not parsed). */
  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  /**
   * The prompt of one exchange as node-llama-cpp evaluates it: the chat wrapper's context text
   * for [system, user, empty model turn], tokenized the way LlamaChat tokenizes it (the
   * template's own tokens as special tokens, the messages as plain text).
   */
  renderPrompt(system: string, user: string): { text: string; tokens: number[] } {
    const { contextText } = this.chatWrapper.generateContextState({
      chatHistory: [
        { type: "system", text: system },
        { type: "user", text: user },
        { type: "model", response: [] },
      ],
    });
    return { text: contextText.toString(), tokens: [...contextText.tokenize(this.model.tokenizer)] };
  }

  /** Tokens of the whole prompt for these messages, chat template included. */
  countPromptTokens(system: string, user: string): number {
    return this.renderPrompt(system, user).tokens.length;
  }

  /**
   * One exchange, in a fresh chat session on the answers' sequence (a side exchange: on the side
   * sequence), which keeps what it read for the next exchange; the answer depends only on this
   * request's messages.
   */
  async generate(request: GenerateRequest): Promise<Generation> {
    const { LlamaChatSession } = await importNodeLlamaCpp();
    const prompt = this.renderPrompt(request.system, request.user);
    const sequence = await this.sequenceFor(request, prompt.tokens.length);
    const cachedPromptTokens = this.heldTokens(sequence, prompt.tokens);
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: request.system, chatWrapper: this.chatWrapper });
    // Reasoning comes as node-llama-cpp thought segments from a wrapper that knows the family,
    // and as `<think>` text from one that does not (Jinja, general): both go to onReasoningChunk.
    const split = new ReasoningSplitter(promptOpensReasoning(prompt.text));
    const pass = ({ answer, reasoning }: { answer: string; reasoning: string }) => {
      if (reasoning) request.onReasoningChunk?.(reasoning);
      if (answer) request.onTextChunk?.(answer);
    };
    let segmentReasoning = "";
    const started = performance.now();
    let firstTokenMs = -1;
    let tokens = 0;
    this.useThreads("read");
    try {
      await this.readPrompt(sequence, prompt.tokens, cachedPromptTokens, request.signal);
      const result = await session.promptWithMeta(request.user, {
        maxTokens: request.maxTokens,
        temperature: request.temperature ?? 0,
        seed: request.seed,
        signal: request.signal,
        stopOnAbortSignal: true,
        onToken: (t) => {
          if (firstTokenMs < 0) {
            firstTokenMs = performance.now() - started;
            // The prompt is read: one token at a time from here, with the writing threads.
            this.useThreads("write");
          }
          tokens += t.length;
        },
        onResponseChunk: (chunk) => {
          if (chunk.type === undefined) pass(split.push(chunk.text));
          else if (chunk.segmentType === "thought" && chunk.text) {
            segmentReasoning += chunk.text;
            request.onReasoningChunk?.(chunk.text);
          }
        },
      });
      pass(split.flush());
      const reasoning = segmentReasoning + split.reasoning;
      const ms = performance.now() - started;
      const genMs = firstTokenMs >= 0 ? ms - firstTokenMs : 0;
      const generation: Generation = {
        text: split.answer,
        ...(reasoning ? { reasoning } : {}),
        promptTokens: prompt.tokens.length,
        cachedPromptTokens,
        tokens,
        firstTokenMs: Math.max(0, firstTokenMs),
        ms,
        // Decoding speed: tokens after the first over the time after the first.
        tokensPerSecond: tokens > 1 && genMs > 0 ? ((tokens - 1) * 1000) / genMs : 0,
        aborted: result.stopReason === "abort",
        stopReason: result.stopReason,
      };
      this.recordSpeed(generation);
      return generation;
    } catch (err) {
      // Aborted before the first token (node-llama-cpp throws then, rather than stopping).
      if (!request.signal?.aborted) {
        // A failure part-way may leave state node-llama-cpp did not record: the next exchange reads afresh.
        await sequence.clearHistory().catch(() => {});
        throw err;
      }
      const ms = performance.now() - started;
      return {
        text: "",
        promptTokens: prompt.tokens.length,
        cachedPromptTokens,
        tokens,
        firstTokenMs: 0,
        ms,
        tokensPerSecond: 0,
        aborted: true,
        stopReason: "abort",
      };
    } finally {
      this.useThreads("idle");
      session.dispose({ disposeSequence: false });
    }
  }

  /**
   * Tokens of this prompt the model holds from the exchange before on that sequence, which it does
   * not read again (node-llama-cpp reads at least the last prompt token itself).
   */
  private heldTokens(sequence: LlamaContextSequence, tokens: number[]): number {
    if (tokens.length === 0) return 0;
    return Math.min(sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex, tokens.length - 1);
  }

  /**
   * Reads the prompt up to its last token a batch at a time, seeing Stop between batches: a chat
   * session reads a whole prompt before it looks at its signal (Stop 2 s into reading a 2,271-token
   * prompt on a CPU returned after 54-67 s, when the whole reading was done). The session then finds
   * these tokens held and reads only the last one itself, as after a follow-up.
   */
  private async readPrompt(sequence: LlamaContextSequence, tokens: number[], held: number, signal: AbortSignal | undefined): Promise<void> {
    const end = tokens.length - 1;
    if (held >= end) return;
    // What the sequence holds past the shared part (the last exchange's tail) goes first.
    if (sequence.nextTokenIndex > held) await sequence.eraseContextTokenRanges([{ start: held, end: sequence.nextTokenIndex }]);
    for (let at = held; at < end; at += this.batchSize) {
      signal?.throwIfAborted();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(at, Math.min(end, at + this.batchSize)) as Token[]);
    }
  }

  /** Tokens of the prompt for these messages the model holds from the last answer (0: it reads them all). */
  cachedPromptTokens(system: string, user: string): number {
    return this.answerSequence ? this.heldTokens(this.answerSequence, this.renderPrompt(system, user).tokens) : 0;
  }

  /** What the answers' sequence holds (the last answer's prompt and what was written): for tests and diagnostics. */
  answerContextTokens(): readonly number[] {
    return this.answerSequence?.contextTokens ?? [];
  }

  /**
   * Tokens llama.cpp has evaluated on the answers' sequence so far, by node-llama-cpp's token meter
   * (its "input" and "output" together: a token whose next-token scores are computed counts as output).
   */
  answerTokensEvaluated(): number {
    const meter = this.answerSequence?.tokenMeter;
    return meter ? meter.usedInputTokens + meter.usedOutputTokens : 0;
  }

  /**
   * The answers' sequence, or for a side exchange that fits it, the side context's (created at its
   * first use; where it cannot be created, as on a GPU without the memory, side exchanges share the answers').
   */
  private async sequenceFor(request: GenerateRequest, promptTokens: number): Promise<LlamaContextSequence> {
    if (request.side && promptTokens + request.maxTokens <= Math.min(SIDE_CONTEXT_SIZE, this.contextSize)) {
      this.sideSequence ??= this.createSideContext().then(
        (context) => context.getSequence(),
        () => undefined,
      );
      const side = await this.sideSequence;
      if (side) return side;
    }
    return (this.answerSequence ??= this.context.getSequence());
  }

  /**
   * Reading a prompt is compute-bound and uses `readThreads`; writing, one token at a time, is
   * bound by memory and uses `threads`. node-llama-cpp sets llama.cpp's batch and generation threads
   * to one count, chosen before each batch by its thread splitter, which the Llama's public
   * `maxThreads` caps: the cap switches between the two.
   */
  private useThreads(phase: "read" | "write" | "idle"): void {
    if (this.readThreads === this.threads) return;
    const count = this.cpu.enter(phase);
    if (phase === "read") this.lastReadThreads = count;
    this.model.llama.maxThreads = count;
  }

  /** Threads that read the last prompt (fewer than readThreads while the CPU was busy; 0: none read yet or one count for both). */
  lastReadThreads = 0;

  async dispose(): Promise<void> {
    await this.saving;
    const side = await this.sideSequence;
    await side?.context.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}

/** The engine's Embedder, backed by a GGUF embedding model. */
export class LlamaEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
  ) {}

  static async load(llama: Llama, path: string, settings: ModelSettings): Promise<LlamaEmbedder> {
    const info = await validateGguf(path, { kind: "embedding" });
    if (settings.probe !== false) {
      await probeModel(
        { kind: "embedding", path, lora: [], gpu: settings.gpu ?? "auto", threads: settings.threads ?? defaultThreads(), checkTemplate: false },
        settings.probe,
      );
    }
    const model = await llama.loadModel({ modelPath: path, gpuLayers: settings.gpu === "off" ? 0 : "auto" });
    const context = await model.createEmbeddingContext({
      threads: settings.threads ?? defaultThreads(),
      contextSize: Math.min(2048, model.trainContextSize || 2048),
    });
    const probe = await context.getEmbeddingFor("dimension probe");
    // The id names the file, its size and the dimensions: a different model means re-embedding.
    const id = `gguf:${info.name ?? path.split(/[\\/]/).pop()}:${info.fileSize}:${probe.vector.length}`;
    return new LlamaEmbedder(id, probe.vector.length, model, context);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      signal?.throwIfAborted();
      // Long chunks are cut to what fits the embedding context rather than failing.
      const tokens = this.model.tokenize(text).slice(0, this.context.model.trainContextSize ? Math.min(2000, this.context.model.trainContextSize - 8) : 2000);
      const embedding = await this.context.getEmbeddingFor(tokens);
      out.push(normalise(Float32Array.from(embedding.vector)));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
