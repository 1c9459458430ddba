// What a server says about its models: /v1/models (ids; vLLM's max_model_len; llama-server's
// meta.n_ctx_train), llama-server's /props (the context each slot really has), and whether
// /tokenize answers (llama-server and vLLM: yes; Ollama: no).
import { silentLogger, type Logger } from "../../util/logger.js";
import type { ServerConnection } from "./serverConnection.js";
import { ServerFault } from "./serverFault.js";

export interface ServerModelInfo {
  /** The model name sent with each request. */
  id: string;
  /** Every model the server lists (for messages). */
  listed: string[];
  /** Tokens per request, from the server, else a conservative fallback. */
  contextSize: number;
  contextSource: "props" | "max_model_len" | "n_ctx_train" | "fallback";
  /** Whether /tokenize counts tokens with the model's own tokenizer. */
  tokenizer: boolean;
}

export interface DiscoverOptions {
  model?: string;
  kind: "chat" | "embedding";
  signal?: AbortSignal;
  onWait?: (message: string) => void;
  logger?: Logger;
  fallbackContextSize?: number;
}

interface ModelEntry {
  id?: unknown;
  max_model_len?: unknown;
  meta?: { n_ctx_train?: unknown };
}

/** A one-line description for the log and the status ("qwen-docs on http://gpu:8000, context 8192 (props), server tokenizer"). */
export function describeServerModel(connection: ServerConnection, info: ServerModelInfo): string {
  return `${info.id} on ${connection.label}, context ${info.contextSize} (${info.contextSource}), ${info.tokenizer ? "server tokenizer" : "estimated token counts"}`;
}

/** Whether `want` names the listed model `id` (Ollama lists "llama3:latest" for "llama3"). */
function sameModel(want: string, id: string): boolean {
  return want === id || `${want}:latest` === id;
}

export async function discoverServerModel(connection: ServerConnection, options: DiscoverOptions): Promise<ServerModelInfo> {
  const logger = options.logger ?? silentLogger;
  const request = { signal: options.signal, onWait: options.onWait, model: options.model };
  const want = options.model?.trim() || undefined;

  let entries: ModelEntry[] = [];
  try {
    const body = (await connection.getJson(connection.url("/models"), request)) as { data?: unknown };
    if (!Array.isArray(body?.data)) throw new ServerFault("malformed", `${connection.label}/v1/models answered without a model list`);
    entries = body.data.filter((e): e is ModelEntry => typeof e === "object" && e !== null && typeof (e as ModelEntry).id === "string");
  } catch (err) {
    // A server without /v1/models still answers chat; anything else (unreachable, 401) is the answer.
    if (!(err instanceof ServerFault && err.status === 404)) throw err;
    logger.warn(`${connection.label} has no /v1/models; using the configured model name as it is`);
  }
  const listed = entries.map((e) => e.id as string);
  let entry: ModelEntry | undefined;
  if (want) {
    entry = entries.find((e) => sameModel(want, e.id as string));
    if (!entry && entries.length > 0) {
      throw new ServerFault("unknown-model", `The model server ${connection.label} does not serve "${want}"; it lists: ${listed.slice(0, 10).join(", ")}.`);
    }
  } else {
    entry = entries[0];
    if (!entry)
      throw new ServerFault(
        "unknown-model",
        `The model server ${connection.label} lists no model; set docent.server.${options.kind === "chat" ? "chatModel" : "embeddingModel"}.`,
      );
  }
  const id = (entry?.id as string | undefined) ?? want!;

  let contextSize: number | undefined;
  let contextSource: ServerModelInfo["contextSource"] = "fallback";
  if (options.kind === "chat") {
    // llama-server: the context one slot has (n_ctx split among --parallel slots), which is what a request gets.
    const props = await connection.getJson(connection.url("/props", true), request).catch((err: unknown) => {
      if (options.signal?.aborted) throw err;
      return undefined;
    });
    const slotCtx = (props as { default_generation_settings?: { n_ctx?: unknown } } | undefined)?.default_generation_settings?.n_ctx;
    if (isPositiveInt(slotCtx)) {
      contextSize = slotCtx;
      contextSource = "props";
    } else if (isPositiveInt(entry?.max_model_len)) {
      contextSize = entry.max_model_len;
      contextSource = "max_model_len";
    } else if (isPositiveInt(entry?.meta?.n_ctx_train)) {
      contextSize = entry.meta.n_ctx_train;
      contextSource = "n_ctx_train";
    }
  }
  if (contextSize === undefined) {
    contextSize = options.fallbackContextSize ?? 2048;
    if (options.kind === "chat") {
      logger.warn(`${connection.label} reports no context length for ${id} (no /props, no max_model_len); assuming ${contextSize} tokens`);
    }
  }

  let tokenizer = false;
  if (options.kind === "chat") {
    const probe = await connection
      .postJson(connection.url("/tokenize", true), { model: id, content: "Docent", prompt: "Docent", add_special: false }, { signal: options.signal })
      .catch((err: unknown) => {
        if (options.signal?.aborted) throw err;
        return undefined;
      });
    const p = probe as { tokens?: unknown; count?: unknown } | undefined;
    tokenizer = Array.isArray(p?.tokens) || typeof p?.count === "number";
    if (!tokenizer) logger.warn(`${connection.label} has no /tokenize; the token budget uses a conservative estimate (1 token per 2.5 bytes)`);
  }
  return { id, listed, contextSize, contextSource, tokenizer };
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x > 0;
}
