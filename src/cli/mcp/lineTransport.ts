// The MCP server's stdio transport: one JSON-RPC message per line, as the SDK's own, but bad input
// gets an answer and the server keeps serving. A line over MAX_LINE_BYTES is skipped to its end and
// answered with an error (the SDK's transport closed the server with exit 0 and no log line); a
// line that is not JSON (a byte-order mark first included) or not a JSON-RPC message (`params:
// null`) gets a JSON-RPC error instead of silence. Replies wait on one shared 'drain' when stdout is
// full (one listener, not one per reply: 5,000 concurrent calls warned MaxListenersExceeded).
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** JSON-RPC 2.0's codes for what could not be read. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private parts: Buffer[] = [];
  private size = 0;
  /** Inside a line that went over MAX_LINE_BYTES: its bytes are dropped up to its newline. */
  private skipping = false;
  private drained?: Promise<void>;
  private closed = false;

  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
    private readonly warn: (message: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  async start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onStdinError);
  }

  private readonly onStdinError = (err: Error) => this.onerror?.(err);

  private readonly onData = (chunk: Buffer) => {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline === -1) {
        this.take(chunk.subarray(from));
        return;
      }
      this.take(chunk.subarray(from, newline));
      this.endLine();
      from = newline + 1;
    }
  };

  private take(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    if (this.size + part.length > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      this.warn(`An MCP message over ${this.maxLineBytes} bytes was not read; answered with an error, still serving`);
      this.reply(null, INVALID_REQUEST, `Request too large: a message may take at most ${this.maxLineBytes} bytes`);
      return;
    }
    const line = Buffer.concat(this.parts, this.size).toString("utf8").replace(/\r$/, "");
    this.parts = [];
    this.size = 0;
    if (line.trim()) this.handle(line);
  }

  private handle(line: string): void {
    if (line.charCodeAt(0) === 0xfeff) {
      this.reply(null, PARSE_ERROR, "Parse error: the message starts with a byte-order mark (U+FEFF); send JSON without one");
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      this.reply(null, PARSE_ERROR, `Parse error: ${(err as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join(".")}: ${issue.message})` : "";
      this.reply(typeof id === "string" || typeof id === "number" ? id : null, INVALID_REQUEST, `Invalid Request: not a JSON-RPC 2.0 message${where}`);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(id: string | number | null, code: number, message: string): void {
    // The SDK's types want an id; JSON-RPC says null when the request's could not be read.
    void this.send({ jsonrpc: "2.0", id: id as string | number, error: { code, message } }).catch((err: Error) => this.onerror?.(err));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    while (this.drained) await this.drained;
    if (!this.stdout.write(JSON.stringify(message) + "\n")) {
      this.drained ??= new Promise<void>((resolve) => this.stdout.once("drain", resolve)).finally(() => (this.drained = undefined));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onStdinError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.parts = [];
    this.onclose?.();
  }
}
