// The model-server backend's own parsing: server URLs, server-sent events split at any byte,
// Retry-After and backoff, and how HTTP and network errors read to a user. No server needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { sseData, type BodyRead } from "../../src/engine/model/remote/sse.js";
import { parseServerUrl } from "../../src/engine/model/remote/serverUrl.js";
import { ServerConnection } from "../../src/engine/model/remote/serverConnection.js";
import { faultFromStatus, ServerFault } from "../../src/engine/model/remote/serverFault.js";
import { estimateTokens, ServerChat } from "../../src/engine/model/remote/serverChat.js";
import { modelOptions, modelSettingsFrom } from "../../src/cli/modelOptions.js";
import { UsageError } from "../../src/cli/args.js";

function reader(pieces: string[]): () => Promise<BodyRead> {
  const bytes = pieces.map((p) => new TextEncoder().encode(p));
  return async () => {
    const value = bytes.shift();
    return value ? { done: false, value } : { done: true };
  };
}

async function collect(pieces: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData(reader(pieces))) out.push(d);
  return out;
}

test("server-sent events come out whole however the bytes are split, with \\n, \\r\\n or \\r line ends", async () => {
  const stream = 'data: {"a":1}\n\n: keep-alive comment\n\nevent: x\ndata: {"b":"é"}\r\n\r\ndata: line1\rdata: line2\r\rdata: [DONE]\n\n';
  const want = ['{"a":1}', '{"b":"é"}', "line1\nline2", "[DONE]"];
  assert.deepEqual(await collect([stream]), want);
  // Every split point, including inside "\r\n" and inside the two bytes of "é".
  const bytes = new TextEncoder().encode(stream);
  for (let cut = 1; cut < bytes.length; cut++) {
    const raw = [bytes.slice(0, cut), bytes.slice(cut)];
    const got: string[] = [];
    const read = async (): Promise<BodyRead> => {
      const value = raw.shift();
      return value ? { done: false, value } : { done: true };
    };
    for await (const d of sseData(read)) got.push(d);
    assert.deepEqual(got, want, `split at byte ${cut}`);
  }
});

test("an event without a final blank line still counts when the stream ends", async () => {
  assert.deepEqual(await collect(["data: last"]), ["last"]);
});

test("server URLs: /v1 or not, trailing slashes, and no credentials or non-HTTP schemes", () => {
  for (const raw of ["http://gpu-box:8000/v1", "http://gpu-box:8000", "http://gpu-box:8000/v1/", " http://gpu-box:8000/ "]) {
    const a = parseServerUrl(raw);
    assert.equal(a.apiBase, "http://gpu-box:8000/v1", raw);
    assert.equal(a.root, "http://gpu-box:8000", raw);
  }
  assert.equal(parseServerUrl("https://host/llm/v1").root, "https://host/llm");
  assert.throws(() => parseServerUrl("ftp://host"), /http/);
  assert.throws(() => parseServerUrl("http://user:secret@host/v1"), /password/);
  assert.throws(() => parseServerUrl("not a url"), /not a URL/);
});

test("Retry-After in seconds or as a date is honoured (capped); without it the wait doubles", () => {
  const c = new ServerConnection({ url: "http://127.0.0.1:1/v1", retry: { retries: 4, baseDelayMs: 100, maxDelayMs: 5000 } });
  assert.equal(c.retryDelay("2", 0), 2000);
  assert.equal(c.retryDelay("600", 0), 5000);
  assert.deepEqual(
    [0, 1, 2, 3, 6].map((i) => c.retryDelay(null, i)),
    [100, 200, 400, 800, 5000],
  );
  const inOneSecond = new Date(Date.now() + 1000).toUTCString();
  const d = c.retryDelay(inOneSecond, 0);
  assert.ok(d > 0 && d <= 1000, String(d));
});

test("HTTP errors read as what to do: 401 names the key command, 404 the model, 503 busy", () => {
  const auth = faultFromStatus(401, '{"error":{"message":"Invalid API Key","type":"authentication_error"}}', "http://h:1", "m");
  assert.equal(auth.kind, "auth");
  assert.match(auth.message, /Invalid API Key/);
  assert.match(auth.message, /Set Server API Key/);
  assert.match(auth.message, /DOCENT_SERVER_API_KEY/);
  const unknown = faultFromStatus(404, '{"error":{"message":"The model `x` does not exist."}}', "http://h:1", "x");
  assert.equal(unknown.kind, "unknown-model");
  assert.match(unknown.message, /"x"/);
  assert.equal(faultFromStatus(503, "Loading model", "http://h:1", "m").kind, "busy");
  assert.equal(faultFromStatus(500, "<html>boom</html>", "http://h:1", "m").kind, "http");
});

test("an unreachable server is a clear 'cannot reach' fault, not a bare 'fetch failed'", async () => {
  // A port that was just closed: connection refused.
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const c = new ServerConnection({ url: `http://127.0.0.1:${port}/v1` });
  await assert.rejects(c.getJson(c.url("/models")), (err: unknown) => {
    assert.ok(err instanceof ServerFault);
    assert.equal(err.kind, "unreachable");
    assert.match(err.message, /Cannot reach the model server/);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
});

test("a TLS handshake with a server that speaks plain HTTP is reported as a TLS error", async () => {
  const server = http.createServer((_req, res) => res.end("plain"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const c = new ServerConnection({ url: `https://127.0.0.1:${port}/v1`, stallTimeoutMs: 5000 });
    await assert.rejects(c.getJson(c.url("/models")), (err: unknown) => {
      assert.ok(err instanceof ServerFault, String(err));
      assert.equal(err.kind, "tls", err.message);
      assert.match(err.message, /TLS error/);
      return true;
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("a server that accepts the connection and never answers fails as stalled after the timeout", async () => {
  const server = http.createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const c = new ServerConnection({ url: `http://127.0.0.1:${port}/v1`, stallTimeoutMs: 300 });
    const t0 = performance.now();
    await assert.rejects(c.getJson(c.url("/models")), (err: unknown) => err instanceof ServerFault && err.kind === "stalled");
    const waited = performance.now() - t0;
    assert.ok(waited >= 250 && waited < 3000, `gave up after ${waited.toFixed(0)} ms`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("the token estimate used without a server tokenizer over-counts plain English", () => {
  const text = "The request duration histogram records how long each HTTP request took, in seconds.";
  // A BPE tokenizer gives about one token per 4-5 characters of English; the estimate must not be lower.
  assert.ok(estimateTokens(text) >= Math.ceil(text.length / 4), String(estimateTokens(text)));
});

test("CLI: --server takes a checked URL, its companions need it, and the key never comes from a flag", () => {
  const s = modelSettingsFrom({ server: "http://gpu:8000/v1", "server-model": "docs-lora", "server-embedding-model": "nomic", "server-timeout": "5" });
  assert.deepEqual(s.server, { url: "http://gpu:8000/v1", chatModel: "docs-lora", embeddingModel: "nomic", embeddingUrl: undefined, timeoutSeconds: 5 });
  assert.throws(
    () => modelSettingsFrom({ "server-model": "x" }),
    (e: unknown) => e instanceof UsageError && /need --server/.test((e as Error).message),
  );
  assert.throws(
    () => modelSettingsFrom({ server: "ftp://gpu" }),
    (e: unknown) => e instanceof UsageError && /--server:/.test((e as Error).message),
  );
  assert.throws(
    () => modelSettingsFrom({ server: "http://u:key@gpu/v1" }),
    (e: unknown) => e instanceof UsageError && /password/.test((e as Error).message),
  );
  assert.ok(!("server-api-key" in modelOptions), "no flag for the key");
});

test("a count asked with a stop already given answers with the estimate, and the failing connection it started is no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    // Port 1 refuses at once: the connection attempt fails soon after the count returned.
    const chat = new ServerChat(new ServerConnection({ url: "http://127.0.0.1:1/v1", retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } }));
    const stop = new AbortController();
    stop.abort();
    const text = "How many tokens is this?";
    assert.equal(await chat.countTokens(text, stop.signal), estimateTokens(text));
    // Nothing else waits on that attempt: its failure comes and goes unheard. Wait for the attempt
    // to be over (a fixed 300 ms could end first on a loaded machine, and the check then passed
    // without the failure), then one turn more: Node reports an unhandled rejection once the
    // microtasks of the turn it rejected in have run.
    const attempt = () => (chat as unknown as { connecting?: Promise<unknown> }).connecting;
    const end = Date.now() + 60_000;
    while (attempt()) {
      assert.ok(Date.now() < end, "the connection attempt never ended");
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    assert.equal(chat.model, undefined);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
