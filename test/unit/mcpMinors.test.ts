// `docent mcp` under bad input (issue 26, minors): a line over 10 MB, a byte-order mark, `params:
// null`, 5,000 calls at once, control characters and link syntax in docs and file names. A raw
// child process on stdio (the SDK's client would not send such lines).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

const CLI = path.join(repoRoot(), "dist", "cli.js");
const EVIL_NAME = "a](https:evil.example) [b.md";

interface Reply {
  id: string | number | null;
  result?: { content?: { text: string }[]; structuredContent?: Record<string, unknown>; tools?: unknown[] };
  error?: { code: number; message: string };
}

let dir: string;
let cache: string;
let child: ChildProcessWithoutNullStreams;
let stderr = "";
const replies: Reply[] = [];
let exited: number | null | undefined;

async function until(what: string, condition: () => boolean, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (exited !== undefined) throw new Error(`the server exited (${exited}) while waiting for ${what}; stderr: ${stderr.slice(-2000)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const send = (line: string) => child.stdin.write(line + "\n");
const request = (id: number, method: string, params: unknown) => send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
const replyTo = (id: string | number | null, after = 0) => replies.slice(after).find((r) => r.id === id);

before(async () => {
  dir = await makeTempDir("docent-mcp-minors-");
  cache = await makeTempDir("docent-mcp-minors-cache-");
  await writeTree(dir, {
    "metrics.md": "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n",
    [EVIL_NAME]: "# Evil \u001b]0;pwned\u0007 heading \u202e txt.exe\n\nThe evil page mentions zanzibar \u001b[2J twice: zanzibar.\n",
  });
  child = spawn(process.execPath, [CLI, "mcp", dir], { env: { ...process.env, XDG_CACHE_HOME: cache } });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.on("exit", (code) => (exited = code));
  let buffered = "";
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf("\n")) !== -1) {
      replies.push(JSON.parse(buffered.slice(0, nl)) as Reply);
      buffered = buffered.slice(nl + 1);
    }
  });
  request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } });
  await until("initialize", () => Boolean(replyTo(1)));
  send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  await until("the index", () => stderr.includes("serving on stdio"));
});

after(async () => {
  child.stdin.end();
  await until("the server to exit", () => exited !== undefined).catch(() => child.kill());
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(cache, { recursive: true, force: true });
});

test("a request with a byte-order mark or params: null gets a JSON-RPC error, and the server goes on", async () => {
  const n = replies.length;
  send("\ufeff" + JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }));
  await until("the BOM's error", () => replies.length > n);
  assert.equal(replies[n]!.id, null);
  assert.equal(replies[n]!.error?.code, -32700);
  assert.match(replies[n]!.error!.message, /byte-order mark/);
  request(3, "tools/call", null);
  await until("params: null's error", () => Boolean(replyTo(3)));
  assert.equal(replyTo(3)!.error?.code, -32600);
  request(4, "tools/list", {});
  await until("tools/list", () => Boolean(replyTo(4)));
  assert.equal(replyTo(4)!.result?.tools?.length, 3);
});

test("a request line over 10 MB is answered with an error and logged; the server keeps serving", async () => {
  const n = replies.length;
  const big = JSON.stringify({
    jsonrpc: "2.0",
    id: 5,
    method: "tools/call",
    params: { name: "search_docs", arguments: { query: "x".repeat(11 * 1024 * 1024) } },
  });
  send(big);
  await until("the error", () => replies.length > n);
  assert.deepEqual(replies[n], { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Request too large: a message may take at most 10485760 bytes" } });
  // The log line comes on stderr, another pipe than the reply's: nothing orders their reads here.
  await until("the log line", () => /An MCP message over 10485760 bytes was not read/.test(stderr));
  request(6, "tools/call", { name: "search_docs", arguments: { query: "jvm.memory.used" } });
  await until("a search after it", () => Boolean(replyTo(6)));
  assert.match(replyTo(6)!.result!.content![0]!.text, /metrics\.md/);
  assert.equal(exited, undefined);
});

test("5,000 concurrent calls are all answered without a MaxListenersExceededWarning", async () => {
  const first = 10_000;
  let lines = "";
  for (let i = 0; i < 5000; i++)
    lines +=
      JSON.stringify({ jsonrpc: "2.0", id: first + i, method: "tools/call", params: { name: "search_docs", arguments: { query: "memory", k: 1 } } }) + "\n";
  child.stdin.write(lines);
  await until("5,000 replies", () => replies.filter((r) => typeof r.id === "number" && r.id >= first).length === 5000);
  assert.ok(replies.filter((r) => typeof r.id === "number" && r.id >= first).every((r) => r.result && !r.error));
  assert.doesNotMatch(stderr, /MaxListenersExceededWarning/);
});

test("text results show control characters and bidi overrides escaped, and a file name cannot make a link", async () => {
  request(7, "tools/call", { name: "search_docs", arguments: { query: "zanzibar", k: 1 } });
  await until("the search", () => Boolean(replyTo(7)));
  const text = replyTo(7)!.result!.content![0]!.text;
  // eslint-disable-next-line no-control-regex -- the point
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u202e]/);
  assert.match(text, /\\x1b\]0;pwned\\x07/);
  assert.match(text, /\\u202e/);
  // The name stays link text: its brackets escaped, the link target's brackets and parentheses encoded.
  assert.ok(text.startsWith("1. [a\\](https:evil.example) \\[b.md:1-3](file://"), text.slice(0, 200));
  const target = /\]\((file:[^)\s]*)\)/.exec(text.slice(text.indexOf("b.md:1-3")))![1]!;
  assert.ok(target.endsWith("/a%5D%28https:evil.example%29%20%5Bb.md#L1-L3"), target);
  // The structured result keeps the real text (JSON escapes what needs it).
  const results = (replyTo(7)!.result!.structuredContent as { results: { file: string }[] }).results;
  assert.equal(results[0]!.file, EVIL_NAME);
});
