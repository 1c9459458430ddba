// HTTP to one OpenAI-compatible server (vLLM, llama-server, Ollama, LM Studio): the API key as a
// bearer token, a stall timeout on every wait (headers, body, each stream read), and retries with
// backoff for 429 and 503 (honouring Retry-After), announced through onWait so the user sees why
// the answer waits. Nothing here knows about chat or embeddings.
import { silentLogger, type Logger } from "../../util/logger.js";
import { parseServerUrl, type ServerAddress } from "./serverUrl.js";
import type { BodyRead } from "./sse.js";
import { faultFromFetchError, faultFromStatus, isConnectionReset, ServerFault } from "./serverFault.js";

export interface RetryPolicy {
  /** Retries after the first try, for 429 and 503 only. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ConnectionOptions {
  url: string;
  /** Sent as `Authorization: Bearer …`; never logged. */
  apiKey?: string;
  /** No byte from the server for this long (headers, body, or between stream events) fails the request. */
  stallTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Told about each wait before a retry ("busy (503), retrying in 2 s"). */
  onWait?: (message: string) => void;
  /** The model the request is for (for the "unknown model" message). */
  model?: string;
}

export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 1000, maxDelayMs: 15_000 };

/** A response whose body is still to be read, with a stall-guarded reader. */
export interface OpenResponse {
  response: Response;
  /** Reads the next piece of the body; rejects with a "stalled" fault after the stall timeout. */
  read(): Promise<BodyRead>;
  /** Closes the connection (a stop, or a fault): the server sees the client go and stops generating. */
  close(): void;
}

export class ServerConnection {
  readonly address: ServerAddress;
  readonly stallTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;

  constructor(private readonly options: ConnectionOptions) {
    this.address = parseServerUrl(options.url);
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.logger = options.logger ?? silentLogger;
  }

  get label(): string {
    return this.address.label;
  }

  /** A route under /v1 ("/chat/completions") or at the root ("/tokenize" with root: true). */
  url(route: string, root = false): string {
    return `${root ? this.address.root : this.address.apiBase}${route}`;
  }

  async getJson(url: string, options: RequestOptions = {}): Promise<unknown> {
    return this.readJson(await this.open("GET", url, undefined, options));
  }

  async postJson(url: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    return this.readJson(await this.open("POST", url, body, options));
  }

  /**
   * Sends a request and waits for a successful status. 429 and 503 are retried with backoff; a
   * connection reset before any answer (a keep-alive socket the server closed when it restarted)
   * is sent again once. Other errors become ServerFaults; a stop rejects with the signal's reason.
   */
  async open(method: "GET" | "POST", url: string, body: unknown, options: RequestOptions = {}): Promise<OpenResponse> {
    const { signal } = options;
    let resent = false;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      let stalled = false;
      const timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.stallTimeoutMs);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: this.headers(body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) throw signal.reason;
        if (stalled) throw this.stallFault("waiting for the response");
        if (!resent && isConnectionReset(err)) {
          resent = true;
          attempt--;
          continue;
        }
        throw faultFromFetchError(err, this.label, "connect");
      }
      clearTimeout(timer);
      const guarded = this.guard(response, controller, () => signal?.removeEventListener("abort", onAbort));
      if (response.ok) return guarded;
      const text = await this.readText(guarded).catch(() => "");
      const fault = faultFromStatus(response.status, text, this.label, options.model);
      if (fault.kind !== "busy" || attempt >= this.retry.retries) {
        this.logger.error(`${method} ${url}: ${fault.message}`);
        throw fault;
      }
      const delay = this.retryDelay(response.headers.get("retry-after"), attempt);
      const wait = `The model server is busy (${response.status}); retrying in ${(delay / 1000).toFixed(delay < 1000 ? 1 : 0)} s (retry ${attempt + 1} of ${this.retry.retries}).`;
      this.logger.warn(`${method} ${url}: ${wait}`);
      options.onWait?.(wait);
      await sleep(delay, signal);
    }
  }

  /** The delay before retry `attempt` (0-based): Retry-After when the server gives one, else exponential backoff. */
  retryDelay(retryAfter: string | null, attempt: number): number {
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(this.retry.maxDelayMs, seconds * 1000);
    const date = retryAfter ? Date.parse(retryAfter) : NaN;
    if (Number.isFinite(date)) return Math.min(this.retry.maxDelayMs, Math.max(0, date - Date.now()));
    return Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
  }

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json, text/event-stream" };
    if (json) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  private stallFault(what: string): ServerFault {
    return new ServerFault("stalled", `The model server ${this.label} sent nothing for ${(this.stallTimeoutMs / 1000).toFixed(0)} s while ${what}; gave up.`);
  }

  /** Wraps the body's reader so that every read is bounded by the stall timeout. */
  private guard(response: Response, controller: AbortController, release: () => void): OpenResponse {
    const reader = response.body?.getReader();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      release();
      controller.abort();
      reader?.cancel().catch(() => undefined);
    };
    const read = async (): Promise<BodyRead> => {
      if (!reader) return { done: true, value: undefined };
      let timer: NodeJS.Timeout | undefined;
      const stall = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(this.stallFault("streaming")), this.stallTimeoutMs);
      });
      try {
        const result = (await Promise.race([reader.read(), stall])) as BodyRead;
        if (result.done) close();
        return result;
      } catch (err) {
        // Whether the read failed because we closed it (a stop), taken before close() aborts too.
        const stopped = controller.signal.aborted;
        close();
        if (err instanceof ServerFault) throw err;
        throw stopped ? err : faultFromFetchError(err, this.label, "stream");
      } finally {
        clearTimeout(timer);
      }
    };
    return { response, read, close };
  }

  private async readText(open: OpenResponse): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    try {
      for (;;) {
        const { done, value } = await open.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        // A JSON answer of this API is small; a huge one is a wrong server.
        if (text.length > 64 * 1024 * 1024) throw new ServerFault("malformed", `The answer of ${this.label} is larger than 64 MB`);
      }
      return text + decoder.decode();
    } finally {
      open.close();
    }
  }

  private async readJson(open: OpenResponse): Promise<unknown> {
    const text = await this.readText(open);
    try {
      return JSON.parse(text);
    } catch {
      throw new ServerFault("malformed", `The model server ${this.label} answered ${open.response.url} with something that is not JSON: ${text.slice(0, 120)}`);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
