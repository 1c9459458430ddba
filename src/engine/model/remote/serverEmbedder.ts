// The embedding model on an OpenAI-compatible server (/v1/embeddings), behind the index's Embedder.
// Its identity names the server, the model and the dimensions, like a local model's file and size:
// pointing Docent at another server or model re-embeds the docs instead of mixing vector spaces.
import type { Embedder } from "../modelInterface.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import type { ServerConnection } from "./serverConnection.js";
import { ServerFault } from "./serverFault.js";
import { discoverServerModel } from "./serverModels.js";
import { normalise } from "../../util/vectors.js";

export interface ServerEmbedderOptions {
  model?: string;
  logger?: Logger;
  /** Texts per request. */
  batchSize?: number;
  /** Characters per text; longer texts are cut (an embedding of a section's start, as locally). */
  maxChars?: number;
}

export const DEFAULT_EMBED_BATCH = 32;
export const DEFAULT_EMBED_MAX_CHARS = 4000;

export class ServerEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimensions: number,
    readonly model: string,
    private readonly connection: ServerConnection,
    private readonly batchSize: number,
    private maxChars: number,
    private readonly logger: Logger,
  ) {}

  /** Finds the model and its dimensions (one embedding of a probe text). */
  static async connect(connection: ServerConnection, options: ServerEmbedderOptions = {}, signal?: AbortSignal): Promise<ServerEmbedder> {
    const logger = options.logger ?? silentLogger;
    const info = await discoverServerModel(connection, { model: options.model, kind: "embedding", signal, logger });
    const [probe] = await requestEmbeddings(connection, info.id, ["dimension probe"], signal);
    const dimensions = probe!.length;
    const id = `server:${connection.label}|${info.id}|${dimensions}`;
    logger.info(`Embedding model on the server: ${info.id} on ${connection.label}, ${dimensions} dimensions`);
    return new ServerEmbedder(
      id,
      dimensions,
      info.id,
      connection,
      options.batchSize ?? DEFAULT_EMBED_BATCH,
      options.maxChars ?? DEFAULT_EMBED_MAX_CHARS,
      logger,
    );
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      signal?.throwIfAborted();
      const batch = texts.slice(i, i + this.batchSize);
      out.push(...(await this.embedBatch(batch, signal)));
    }
    return out;
  }

  /** One request; a server that finds the texts too long (its batch size) gets them cut shorter, down to 250 characters. */
  private async embedBatch(batch: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    for (;;) {
      try {
        const vectors = await requestEmbeddings(
          this.connection,
          this.model,
          batch.map((t) => t.slice(0, this.maxChars)),
          signal,
        );
        for (const v of vectors) {
          if (v.length !== this.dimensions)
            throw new ServerFault("malformed", `The server returned a ${v.length}-dimension embedding; the index holds ${this.dimensions}`);
        }
        return vectors.map(normalise);
      } catch (err) {
        const tooLong =
          err instanceof ServerFault && (err.kind === "http" || err.kind === "malformed") && /too (large|long)|exceed|context|batch size/i.test(err.message);
        if (!tooLong || this.maxChars <= 250) throw err;
        this.maxChars = Math.max(250, Math.floor(this.maxChars / 2));
        this.logger.warn(`The embedding server found a text too long; cutting texts to ${this.maxChars} characters`);
      }
    }
  }

  async dispose(): Promise<void> {}
}

async function requestEmbeddings(connection: ServerConnection, model: string, input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
  const body = (await connection.postJson(connection.url("/embeddings"), { model, input, encoding_format: "float" }, { signal, model })) as { data?: unknown };
  if (!Array.isArray(body?.data) || body.data.length !== input.length) {
    throw new ServerFault(
      "malformed",
      `${connection.label}/v1/embeddings answered ${Array.isArray(body?.data) ? body.data.length : "no"} embeddings for ${input.length} texts`,
    );
  }
  const vectors: Float32Array[] = new Array(input.length);
  body.data.forEach((d: unknown, i: number) => {
    const item = d as { embedding?: unknown; index?: unknown };
    const at = typeof item.index === "number" ? item.index : i;
    if (!Array.isArray(item.embedding) || !item.embedding.every((x) => typeof x === "number" && Number.isFinite(x)) || at < 0 || at >= input.length) {
      throw new ServerFault("malformed", `${connection.label}/v1/embeddings answered an embedding that is not a list of numbers`);
    }
    vectors[at] = Float32Array.from(item.embedding as number[]);
  });
  if (vectors.some((v) => v === undefined)) throw new ServerFault("malformed", `${connection.label}/v1/embeddings left some texts without an embedding`);
  return vectors;
}
