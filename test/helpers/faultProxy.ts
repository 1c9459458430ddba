// A fault-injecting HTTP proxy on 127.0.0.1 in front of a real model server: it forwards requests
// unchanged until told to misbehave, then answers 429/503 (with Retry-After), stalls a stream,
// sends a malformed event, or cuts the connection after a number of stream events. The server
// behind it is real; only the fault is made up, because a real server cannot be asked for one.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "none" }
  /** The next `times` requests to `path` get this status (and Retry-After when given). */
  | { kind: "status"; status: number; times: number; retryAfter?: string; path?: string }
  /**
   * Streams pass `events` SSE events, then: nothing more (stall), one malformed event, or a cut
   * connection. With `bodyIncludes`, only requests whose body holds that text (one prompt among
   * several) get the fault; the others pass.
   */
  | { kind: "stall" | "malformed" | "cut"; events: number; bodyIncludes?: string }
  /** Requests to `path` are taken and never answered (a server stuck on them); others pass. */
  | { kind: "hang"; path: string };

export class FaultProxy {
  private fault: Fault = { kind: "none" };
  /** Every request seen: method, path and the status the proxy itself answered (0 = forwarded, -1 = left hanging). */
  readonly requests: { method: string; path: string; injected: number }[] = [];
  private readonly sockets = new Set<import("node:net").Socket>();
  /** Streams that got their fault so far (a stalled one is held from then on). */
  streamFaults = 0;
  /** Held requests (hung, or stalled streams) whose client gave up on them: it closed the connection (a Stop). */
  heldClosedByClient = 0;
  /** Set while the proxy itself closes its connections (those closes are not the client's). */
  private closing = false;

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
  ) {}

  /** `target`: the real server's root, e.g. http://127.0.0.1:8080 */
  static async start(target: string): Promise<FaultProxy> {
    const server = http.createServer((req, res) => proxy.handle(req, res));
    const proxy = new FaultProxy(server, new URL(target));
    server.on("connection", (s) => {
      proxy.sockets.add(s);
      s.on("close", () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  set(fault: Fault): void {
    this.fault = fault;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? "/";
    const fault = this.fault;
    if (fault.kind === "status" && fault.times > 0 && (!fault.path || path.startsWith(fault.path))) {
      fault.times--;
      this.requests.push({ method: req.method ?? "", path, injected: fault.status });
      req.resume();
      const headers: http.OutgoingHttpHeaders = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end(
        JSON.stringify({ error: { message: fault.status === 429 ? "Too many requests (injected)" : "Service unavailable (injected)", code: fault.status } }),
      );
      return;
    }
    if (fault.kind === "hang" && path.startsWith(fault.path)) {
      this.requests.push({ method: req.method ?? "", path, injected: -1 });
      req.resume();
      this.countClientClose(res);
      return;
    }
    const streamFault = fault.kind === "stall" || fault.kind === "malformed" || fault.kind === "cut" ? fault : undefined;
    if (streamFault?.bodyIncludes !== undefined) {
      // The body decides: read it whole (a chat request is a few KB), then forward it.
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        const body = Buffer.concat(parts);
        this.forward(req, res, path, body.toString("utf8").includes(streamFault.bodyIncludes!) ? streamFault : undefined, body);
      });
      return;
    }
    this.forward(req, res, path, streamFault);
  }

  /** Forwards a request to the real server, applying `streamFault` to an event stream; `body`: already read. */
  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    streamFault: Extract<Fault, { kind: "stall" | "malformed" | "cut" }> | undefined,
    body?: Buffer,
  ): void {
    this.requests.push({ method: req.method ?? "", path, injected: 0 });
    let tripped = false;
    const upstream = http.request(
      { host: this.target.hostname, port: this.target.port, method: req.method, path, headers: { ...req.headers, host: this.target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const isStream = String(up.headers["content-type"] ?? "").includes("text/event-stream");
        if (!streamFault || !isStream) {
          up.pipe(res);
          return;
        }
        let events = 0;
        up.on("data", (chunk: Buffer) => {
          if (tripped) return;
          const text = chunk.toString();
          // Forward whole events until the count is reached (events end with a blank line).
          const parts = text.split(/(?<=\n\n)/);
          for (const part of parts) {
            if (tripped) break;
            res.write(part);
            if (part.endsWith("\n\n")) events++;
            if (events >= streamFault.events) {
              tripped = true;
              this.streamFaults++;
              if (streamFault.kind === "malformed") res.write('data: {"choices": [{"delta": {"content": "oops"\n\n');
              if (streamFault.kind === "cut") res.socket?.destroy();
              // "stall": stop forwarding and keep the connection open; the upstream is dropped.
              if (streamFault.kind === "stall") this.countClientClose(res);
              up.destroy();
              upstream.destroy();
            }
          }
        });
        up.on("end", () => {
          if (!tripped) res.end();
        });
      },
    );
    upstream.on("error", () => {
      if (tripped) return;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  }

  /** Counts `res` in heldClosedByClient when its connection closes before the proxy ends it. */
  private countClientClose(res: http.ServerResponse): void {
    res.on("close", () => {
      if (!res.writableEnded && !this.closing) this.heldClosedByClient++;
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
