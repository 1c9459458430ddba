// The chat model on an OpenAI-compatible server, behind the pipeline's ChatGenerator: streamed
// /v1/chat/completions with system and user messages (the server applies its own chat template),
// the server's tokenizer (/tokenize) for the token budget, and the context length it reports.
// Reasoning comes apart from the answer either as `delta.reasoning_content` (llama-server with a
// template it can parse, vLLM) or as inline `<think>…</think>` text (ReasoningSplitter), never as answer.
// It connects lazily and again after a failure, so a server that was down at start, or restarted,
// serves the next question without restarting Docent.
import { silentLogger, type Logger } from "../../util/logger.js";
import { GenerationFailure, emptyGeneration, type ChatGenerator, type GenerateRequest, type Generation } from "../modelInterface.js";
import { ReasoningSplitter } from "../reasoning.js";
import type { ServerConnection } from "./serverConnection.js";
import { ServerFault } from "./serverFault.js";
import { describeServerModel, discoverServerModel, type ServerModelInfo } from "./serverModels.js";
import { sseData } from "./sse.js";

/** How long token counts use the estimate after /tokenize failed. */
const TOKENIZER_RETRY_MS = 30_000;

/** Context assumed when the server reports none: small enough for any model served today. */
export const FALLBACK_CONTEXT_SIZE = 2048;

/** Tokens for a text when the server has no tokenizer route: over-counts on purpose (about 1 per 2.5 bytes). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 2.5);
}

const TOKEN_CACHE_SIZE = 512;

export interface ServerChatOptions {
  /** The model name to ask for; empty: the first model the server lists. */
  model?: string;
  logger?: Logger;
  /** Told each time the server is reached after not being reached (the first time included). */
  onConnect?: (info: ServerModelInfo) => void;
}

interface ChatChunk {
  // `reasoning_content`: llama-server and vLLM; `reasoning`: newer vLLM.
  choices?: { delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: unknown }[];
  usage?: { completion_tokens?: unknown };
  error?: { message?: unknown } | string;
}

export class ServerChat implements ChatGenerator {
  private info?: ServerModelInfo;
  private connecting?: Promise<ServerModelInfo>;
  private readonly tokenCounts = new Map<string, number>();
  private readonly logger: Logger;
  private tokenizerFailed = false;
  /** When /tokenize last failed: counting uses the estimate for a while rather than wait on each call (a stalled server). */
  private tokenizerFailedAt = 0;

  constructor(
    readonly connection: ServerConnection,
    private readonly options: ServerChatOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /** What the server said about the model (after connect()). */
  get model(): ServerModelInfo | undefined {
    return this.info;
  }

  get contextSize(): number {
    return this.info?.contextSize ?? FALLBACK_CONTEXT_SIZE;
  }

  /**
   * Asks the server which model it serves, its context length and whether it tokenizes; kept once
   * it worked, asked again on the next use after a failure.
   */
  connect(signal?: AbortSignal, onWait?: (message: string) => void): Promise<ServerModelInfo> {
    if (this.info) return Promise.resolve(this.info);
    this.connecting ??= discoverServerModel(this.connection, { model: this.options.model, kind: "chat", signal, onWait, logger: this.logger })
      .then((info) => {
        this.info = info;
        this.logger.info(`Chat model on the server: ${describeServerModel(this.connection, info)}`);
        this.options.onConnect?.(info);
        return info;
      })
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /**
   * The server's token count (cached); the conservative estimate when it has no tokenizer or fails,
   * and when `signal` stops the answer while the server is still counting (a stalled /tokenize
   * would otherwise hold Stop until the timeout).
   */
  async countTokens(text: string, signal?: AbortSignal): Promise<number> {
    const cached = this.tokenCounts.get(text);
    if (cached !== undefined) return cached;
    let info: ServerModelInfo | undefined;
    try {
      // Not connect(signal): the connection is shared, and one answer's stop must not end it for others.
      info = await unlessStopped(this.connect(), signal);
    } catch {
      // generate() reports the fault (and a stop ends the answer); counting goes on with the estimate.
    }
    if (!info?.tokenizer || Date.now() - this.tokenizerFailedAt < TOKENIZER_RETRY_MS) return estimateTokens(text);
    try {
      const body = (await this.connection.postJson(
        this.connection.url("/tokenize", true),
        {
          model: info.id,
          content: text,
          prompt: text,
          add_special: false,
        },
        { signal },
      )) as {
        tokens?: unknown;
        count?: unknown;
      };
      const n = typeof body.count === "number" ? body.count : Array.isArray(body.tokens) ? body.tokens.length : undefined;
      if (n === undefined) throw new ServerFault("malformed", "/tokenize answered without tokens");
      this.tokenizerFailed = false;
      if (this.tokenCounts.size >= TOKEN_CACHE_SIZE) this.tokenCounts.delete(this.tokenCounts.keys().next().value!);
      this.tokenCounts.set(text, n);
      return n;
    } catch (err) {
      // A stop is not the tokenizer's failure: the next answer asks it again.
      if (signal?.aborted) return estimateTokens(text);
      if (!this.tokenizerFailed) this.logger.warn(`Counting tokens on the server failed, using an estimate: ${(err as Error).message}`);
      this.tokenizerFailed = true;
      this.tokenizerFailedAt = Date.now();
      return estimateTokens(text);
    }
  }

  /**
   * One streamed exchange. A stop closes the connection at once and returns what was written; a
   * fault throws GenerationFailure carrying what was written before it.
   */
  async generate(request: GenerateRequest): Promise<Generation> {
    const started = performance.now();
    const { signal } = request;
    const split = new ReasoningSplitter();
    let fieldReasoning = "";
    const pass = ({ answer, reasoning }: { answer: string; reasoning: string }) => {
      if (reasoning) request.onReasoningChunk?.(reasoning);
      if (answer) request.onTextChunk?.(answer);
    };
    let chunks = 0;
    let usageTokens: number | undefined;
    let firstTokenMs = -1;
    let finishReason: string | undefined;
    const result = (aborted: boolean, stopReason: string): Generation => {
      const ms = performance.now() - started;
      const tokens = usageTokens ?? chunks;
      const genMs = firstTokenMs >= 0 ? ms - firstTokenMs : 0;
      pass(split.flush());
      const reasoning = fieldReasoning + split.reasoning;
      return {
        text: split.answer,
        ...(reasoning ? { reasoning } : {}),
        tokens,
        firstTokenMs: Math.max(0, firstTokenMs),
        ms,
        tokensPerSecond: tokens > 1 && genMs > 0 ? ((tokens - 1) * 1000) / genMs : 0,
        aborted,
        stopReason,
      };
    };
    let open: Awaited<ReturnType<ServerConnection["open"]>> | undefined;
    const onAbort = () => open?.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const info = await this.connect(signal, request.onNotice);
      open = await this.connection.open(
        "POST",
        this.connection.url("/chat/completions"),
        {
          model: info.id,
          messages: [
            { role: "system", content: request.system },
            { role: "user", content: request.user },
          ],
          max_tokens: request.maxTokens,
          temperature: request.temperature ?? 0,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal, onWait: request.onNotice, model: info.id },
      );
      if (signal?.aborted) open.close();
      let sawDone = false;
      for await (const data of sseData(open.read)) {
        if (data.trim() === "[DONE]") {
          sawDone = true;
          break;
        }
        const chunk = parseChunk(data, this.connection.label);
        for (const choice of chunk.choices ?? []) {
          const thought = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
          if (typeof thought === "string" && thought.length > 0) {
            if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
            fieldReasoning += thought;
            chunks++;
            request.onReasoningChunk?.(thought);
          }
          const piece = choice.delta?.content;
          if (typeof piece === "string" && piece.length > 0) {
            if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
            chunks++;
            pass(split.push(piece));
          }
          if (typeof choice.finish_reason === "string") finishReason = choice.finish_reason;
        }
        if (typeof chunk.usage?.completion_tokens === "number") usageTokens = chunk.usage.completion_tokens;
      }
      open.close();
      if (signal?.aborted) return result(true, "abort");
      if (!sawDone && finishReason === undefined) {
        throw new ServerFault("disconnected", `The model server ${this.connection.label} ended the answer without finishing it (the stream stopped).`);
      }
      return result(false, finishReason === "length" ? "maxTokens" : (finishReason ?? "eogToken"));
    } catch (err) {
      open?.close();
      if (signal?.aborted) return result(true, "abort");
      const message = err instanceof ServerFault ? err.message : `The model server ${this.connection.label} failed: ${(err as Error).message}`;
      // Discovery is repeated on the next question: the server may have changed (restarted, another model).
      if (err instanceof ServerFault && err.kind !== "busy") this.info = undefined;
      const partial = result(false, "error");
      this.logger.error(`${message}${partial.text ? ` (${partial.text.length} characters of the answer were written)` : ""}`);
      throw new GenerationFailure(message, partial.text ? partial : emptyGeneration(performance.now() - started));
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async dispose(): Promise<void> {
    this.tokenCounts.clear();
  }
}

function parseChunk(data: string, server: string): ChatChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new ServerFault("malformed", `The model server ${server} sent a malformed stream event: ${data.slice(0, 80)}`);
  }
  if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) {
    throw new ServerFault("malformed", `The model server ${server} sent a stream event that is not an object: ${data.slice(0, 80)}`);
  }
  const c = chunk as ChatChunk;
  if (c.error !== undefined) {
    const m = typeof c.error === "string" ? c.error : typeof c.error.message === "string" ? c.error.message : JSON.stringify(c.error).slice(0, 200);
    throw new ServerFault("http", `The model server ${server} reported an error mid-answer: ${m}`);
  }
  if (c.choices !== undefined && !Array.isArray(c.choices))
    throw new ServerFault("malformed", `The model server ${server} sent a stream event whose choices are not a list`);
  return c;
}

/** `promise`, or a rejection as soon as `signal` stops (the promise itself goes on, for its other callers). */
function unlessStopped<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // Its failure is then nobody's to hear: handled here, so it is not an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err as Error);
      },
    );
  });
}
