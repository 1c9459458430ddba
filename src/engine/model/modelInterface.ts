// What the rest of the engine needs of a model, whichever backend runs it: a chat model
// (`ChatGenerator`: local/llm.ts's ChatModel, remote/serverChat.ts's ServerChat) and an embedding
// model (`Embedder`: LlamaEmbedder, ServerEmbedder). The answer pipeline and the index import
// these from here, so model/ never imports from the layers above it.
import type { ModelSpeed } from "./speed.js";

export interface GenerateRequest {
  system: string;
  user: string;
  maxTokens: number;
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
  /** The answer's text as it streams; reasoning segments never come here. */
  onTextChunk?: (text: string) => void;
  /** Why the generation waits (a busy model server retrying): shown to the user while it waits. */
  onNotice?: (text: string) => void;
  /** Reasoning (`<think>…</think>`, node-llama-cpp's thought segments) as it streams. */
  onReasoningChunk?: (text: string) => void;
  /**
   * An exchange beside the answers (a draft, a follow-up rewrite): a local model runs it apart, so
   * that what it read for the last answer stays for the next one (a follow-up over the same sources).
   */
  side?: boolean;
}

export interface Generation {
  /** The answer without its reasoning segments. */
  text: string;
  /** The reasoning segments' text, when the model wrote any. */
  reasoning?: string;
  /** Tokens of the whole prompt as evaluated (chat template, system prompt and user message). */
  promptTokens?: number;
  /** Of those, the tokens the model held from the exchange before and did not read again (a local model). */
  cachedPromptTokens?: number;
  tokens: number;
  /** Time to the first generated token, including prompt evaluation. */
  firstTokenMs: number;
  ms: number;
  tokensPerSecond: number;
  aborted: boolean;
  stopReason: string;
}

/**
 * What the pipeline needs of a chat model: ChatModel (in process) and ServerChat (an
 * OpenAI-compatible server, whose tokenizer is a request away) implement it. contextSize is read
 * after a countTokens call, by which time a server's has been asked for.
 */
export interface ChatGenerator {
  readonly contextSize: number;
  /** A stop (`signal`) ends a count still waiting on a server; the estimate stands in for it. */
  countTokens(text: string, signal?: AbortSignal): number | Promise<number>;
  /** Tokens of the whole prompt with the model's chat template, when the backend can tell. */
  countPromptTokens?(system: string, user: string): number;
  /** Tokens of that prompt the model holds from the last answer and will not read again, when the backend can tell. */
  cachedPromptTokens?(system: string, user: string): number;
  /** May throw GenerationFailure (a model server that failed): the pipeline keeps what was written. */
  generate(request: GenerateRequest): Promise<Generation>;
  /** How fast this model reads and writes on this device, when measured (speed.ts). */
  speed?(): ModelSpeed | undefined;
}

/**
 * A generation that failed part-way for a reason outside Docent (a model server that went away,
 * refused the key, stalled): it carries what was written before the failure, so the answer
 * pipeline keeps that text and says what happened instead of dropping the turn.
 */
export class GenerationFailure extends Error {
  constructor(
    message: string,
    /** What was generated before the failure (text may be empty). */
    readonly partial: Generation,
  ) {
    super(message);
    this.name = "GenerationFailure";
  }
}

export function emptyGeneration(ms = 0): Generation {
  return { text: "", tokens: 0, firstTokenMs: 0, ms, tokensPerSecond: 0, aborted: false, stopReason: "error" };
}

/** What the model engine implements so that search can use vectors. */
export interface Embedder {
  /** Identifies the model and its settings; a saved index with another id is re-embedded. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}
