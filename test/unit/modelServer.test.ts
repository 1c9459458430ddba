// Docent against a REAL llama.cpp llama-server on 127.0.0.1 (built by scripts/install-test-deps.sh
// from the source node-llama-cpp ships) with the generated tiny models: streamed answers with
// sources, Stop, server embeddings in hybrid search, a LoRA adapter, a server killed mid-answer and
// restarted, a wrong API key, and a fault-injecting proxy (429/503, stalls, malformed events).
// Scripted twins (test/fixtures/familyTwins.ts) served the same way give a real cited answer whose
// reasoning arrives as `reasoning_content` or as inline `<think>` text, and is kept apart.
// Outside CI a missing llama-server skips these with the reason; with CI=true it fails.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import { GenerationFailure } from "../../src/engine/model/modelInterface.js";
import { getLlamaInstance, LlamaEmbedder } from "../../src/engine/model/local/llm.js";
import { ServerChat } from "../../src/engine/model/remote/serverChat.js";
import { ServerConnection } from "../../src/engine/model/remote/serverConnection.js";
import { ServerEmbedder } from "../../src/engine/model/remote/serverEmbedder.js";
import type { PipelineEvent } from "../../src/engine/answer/pipeline.js";
import { INDEX_FILE } from "../../src/shared/defaults.js";
import { DEFAULT_PIPELINE } from "../../src/shared/pipelineSettings.js";
import type { AskEventParams, EngineSettings, ServerSettings } from "../../src/shared/protocol.js";
import { AFTER_END_OF_TURN, ensureTwins, SCRIPTED_TWINS } from "../fixtures/familyTwins.js";
import { ensureTinyModels, type TinyModelPaths } from "../fixtures/tinyModels.js";
import { FaultProxy } from "../helpers/faultProxy.js";
import { LlamaServer, llamaServerOrSkip } from "../helpers/llamaServer.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { engineSettings } from "../fixtures/engineSettings.js";

const found = llamaServerOrSkip();
const skip = found.skip;

const DOCS = {
  "metrics.md":
    "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes, per memory pool.\n\n| Name | Unit |\n| --- | --- |\n| `jvm.memory.used` | By |\n",
  "gc.md": "# Garbage collection\n\nPauses of the garbage collector, in seconds, per collector.\n",
  "http.md": "# HTTP\n\n## Metric: `http.server.request.duration`\n\nDuration of HTTP server requests, a histogram in seconds.\n",
};

let models: TinyModelPaths;
let chatServer: LlamaServer;
let embedServer: LlamaServer;
const servers: LlamaServer[] = [];
const engines: Engine[] = [];

before(async () => {
  if (skip) return;
  models = await ensureTinyModels();
  // Two slots, so a question can be answered while another connection is being closed.
  chatServer = await LlamaServer.start(found.bin!, { model: models.chatTemplate, alias: "tiny-docs", ctxSize: 4096, parallel: 2 });
  servers.push(chatServer);
  embedServer = await LlamaServer.start(found.bin!, { model: models.embed, embeddings: true, alias: "tiny-embed" });
  servers.push(embedServer);
});

after(async () => {
  for (const e of engines) await e.dispose().catch(() => undefined);
  for (const s of servers) await s.close();
});

function settings(server: ServerSettings | undefined, extra: Partial<EngineSettings> = {}): EngineSettings {
  return engineSettings({ pipeline: { ...DEFAULT_PIPELINE, draftForNamedTerms: true, draftMaxTokens: 16, answerMaxTokens: 48 }, server, ...extra });
}

async function startEngine(
  server: ServerSettings | undefined,
  options: { apiKey?: string; extra?: Partial<EngineSettings>; docs?: Record<string, string> } = {},
) {
  const root = await tempDocs(options.docs ?? DOCS);
  const storageDir = await makeTempDir();
  const logs: string[] = [];
  const events: AskEventParams[] = [];
  const engine = new Engine({
    ...workspaceEngineOptions({ roots: [root], storageDir, modelsDir: path.join(storageDir, "models"), settings: settings(server, options.extra) }),
    serverApiKey: options.apiKey,
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(`WARN ${m}`), error: (m) => logs.push(`ERROR ${m}`) },
    events: { askEvent: (e) => events.push(e) },
  });
  engines.push(engine);
  await engine.start();
  return { engine, logs, events, root, storageDir };
}

/** A question whose answer is long: the tiny model rarely stops on its own within this many tokens. */
function longAnswer(engine: Engine, id: string, signal?: AbortSignal, onEvent?: (e: PipelineEvent) => void) {
  return engine.ask({ id, question: "What does jvm.memory.used measure?" }, signal, onEvent);
}

test("a streamed answer from llama-server: chunks as they come, sources from the docs, the server's context and tokenizer", { skip }, async () => {
  const { engine, events, logs } = await startEngine({ url: chatServer.url, chatModel: "tiny-docs" });
  const status = engine.getStatus();
  assert.equal(status.model, "tiny-docs (server)");
  assert.equal(status.device, "server");
  assert.ok(
    logs.some((l) => /tiny-docs on http:\/\/127\.0\.0\.1:\d+, context 2048 \(props\), server tokenizer/.test(l)),
    logs.join("\n"),
  );
  const result = await engine.ask({ id: "q1", question: "What does jvm.memory.used measure?" });
  assert.equal(result.mode, "model", result.note);
  assert.equal(result.note, undefined);
  assert.equal(result.sources[0]!.path, "metrics.md");
  assert.ok(result.answer.length > 0);
  const chunks = events.filter((e) => e.id === "q1" && e.event.type === "answer-chunk").map((e) => (e.event as { text: string }).text);
  assert.ok(chunks.length > 1, `streamed in ${chunks.length} chunk(s)`);
  assert.equal(chunks.join("").trim(), result.answer);
  assert.ok(result.tokens.answer > 1);
  // The prompt was counted by the server's tokenizer: the same count /tokenize gives for it.
  assert.ok(result.tokens.answerPrompt > 0);
  // Citations are exactly the [n] in the answer that name a source (the tiny model writes few).
  const cited = [...result.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).filter((n) => result.sources.some((s) => s.n === n));
  assert.deepEqual(result.citations.map((c) => c.n).sort(), [...new Set(cited)].sort());

  // The server received messages, not a pre-rendered prompt: the same messages sent directly give the same text.
  const chat = new ServerChat(new ServerConnection({ url: chatServer.url }), { model: "tiny-docs" });
  const direct = await chat.generate({ system: "You are terse.", user: "Say something about memory.", maxTokens: 24, temperature: 0 });
  const raw = (await (
    await fetch(`${chatServer.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "tiny-docs",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Say something about memory." },
        ],
        max_tokens: 24,
        temperature: 0,
      }),
    })
  ).json()) as { choices: { message: { content: string } }[] };
  assert.equal(direct.text, raw.choices[0]!.message.content);
});

test("Stop closes the stream at once and keeps what was written; the next question works", { skip }, async () => {
  const { engine } = await startEngine({ url: chatServer.url }, { extra: { pipeline: { ...DEFAULT_PIPELINE, draft: false, answerMaxTokens: 1500 } } });
  const controller = new AbortController();
  let stoppedAt = 0;
  let chunks = 0;
  let chunksAfterStop = 0;
  const result = await longAnswer(engine, "stop", controller.signal, (e) => {
    if (e.type !== "answer-chunk") return;
    if (stoppedAt > 0) chunksAfterStop++;
    else if (++chunks === 5) {
      stoppedAt = performance.now();
      controller.abort();
    }
  });
  const took = performance.now() - stoppedAt;
  assert.ok(stoppedAt > 0, "the answer streamed at least 5 chunks");
  assert.equal(result.aborted, true);
  assert.ok(result.answer.length > 0, "the partial answer is kept");
  // What proves the stop is that the stream ends (a state, not a speed): only the chunks already read
  // from the socket when Stop came are still delivered (3 on a loaded CI machine), never the rest of
  // a 1,500-token answer. The time bound only catches an answer run to its end, and is wide because
  // the CI machine is shared and loaded.
  assert.ok(chunksAfterStop < 50, `${chunksAfterStop} chunks after Stop`);
  assert.ok(took < 2000, `stopped after ${took.toFixed(0)} ms`);
  // The server noticed the closed connection: its slot is free again soon.
  const deadline = Date.now() + 2000;
  let busy = true;
  while (busy && Date.now() < deadline) {
    const slots = (await (await fetch(`http://127.0.0.1:${chatServer.port}/slots`)).json().catch(() => [])) as { is_processing?: boolean }[];
    busy = Array.isArray(slots) && slots.some((s) => s.is_processing);
    if (busy) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(busy, false, "a slot kept generating after Stop");
  const next = await engine.ask({ id: "after-stop", question: "What does jvm.memory.used measure?" });
  assert.equal(next.mode, "model");
  assert.equal(next.aborted, false);
});

test("embeddings from the server: the index records the server embedder and hybrid search finds by vector", { skip }, async () => {
  const { engine, storageDir } = await startEngine({
    url: chatServer.url,
    chatModel: "tiny-docs",
    embeddingModel: "tiny-embed",
    embeddingUrl: embedServer.url,
  });
  // The server computes the same vectors as the same model in process (same llama.cpp, mean pooling).
  const conn = new ServerConnection({ url: embedServer.url });
  const remote = await ServerEmbedder.connect(conn, { model: "tiny-embed" });
  assert.equal(remote.id, `server:http://127.0.0.1:${embedServer.port}|tiny-embed|${remote.dimensions}`);
  const llama = await getLlamaInstance("off");
  const local = await LlamaEmbedder.load(llama, models.embed, { threads: 1, probe: false });
  try {
    assert.equal(remote.dimensions, local.dimensions);
    const texts = ["Memory used by the JVM", "Pauses of the garbage collector"];
    const [r, l] = [await remote.embed(texts), await local.embed(texts)];
    for (let i = 0; i < texts.length; i++) {
      let dot = 0;
      for (let j = 0; j < r[i]!.length; j++) dot += r[i]![j]! * l[i]![j]!;
      assert.ok(dot > 0.99, `cosine(server, in-process) = ${dot.toFixed(4)} for "${texts[i]}"`);
    }
  } finally {
    await local.dispose();
  }
  // The saved index's header (index format 4, binary) names its embedder, like a local model's file and size.
  const header = (await fs.readFile(path.join(storageDir, INDEX_FILE))).subarray(0, 64 * 1024).toString("latin1");
  assert.ok(header.includes(remote.id), `the index header names ${remote.id}`);
  const result = await engine.ask({ id: "hybrid", question: "How long do garbage collector pauses last?" });
  assert.ok(
    result.sources.some((s) => s.matchedBy.includes("vector")),
    JSON.stringify(result.sources.map((s) => [s.path, s.matchedBy])),
  );
  const hits = await engine.search("collector pauses", 3);
  assert.equal(hits[0]!.path, "gc.md");
});

test("a LoRA adapter served by llama-server (--lora) changes the answer", { skip }, async () => {
  const withLora = await LlamaServer.start(found.bin!, { model: models.chatTemplate, alias: "tiny-docs-lora", lora: [models.lora], ctxSize: 2048 });
  servers.push(withLora);
  const ask = (url: string, model: string) =>
    new ServerChat(new ServerConnection({ url }), { model }).generate({
      system: "Answer briefly.",
      user: "What is jvm.memory.used?",
      maxTokens: 24,
      temperature: 0,
    });
  const base = await ask(chatServer.url, "tiny-docs");
  const adapted = await ask(withLora.url, "tiny-docs-lora");
  assert.ok(base.text.length > 0 && adapted.text.length > 0);
  assert.notEqual(adapted.text, base.text);
  // Deterministic: the same adapter twice gives the same text (the difference is the adapter, not noise).
  assert.equal((await ask(withLora.url, "tiny-docs-lora")).text, adapted.text);
  await withLora.close();
});

test("a server killed mid-answer: the partial answer and a clear note; sections while it is down; answers again once restarted", { skip }, async () => {
  const own = await LlamaServer.start(found.bin!, { model: models.chatTemplate, alias: "tiny-docs", ctxSize: 4096 });
  servers.push(own);
  const { engine, logs } = await startEngine({ url: own.url }, { extra: { pipeline: { ...DEFAULT_PIPELINE, draft: false, answerMaxTokens: 1500 } } });
  let chunks = 0;
  let killing: Promise<void> | undefined;
  const cut = await longAnswer(engine, "killed", undefined, (e) => {
    if (e.type === "answer-chunk" && ++chunks === 5) killing = own.kill();
  });
  await killing;
  assert.equal(cut.mode, "model");
  assert.equal(cut.aborted, false);
  assert.ok(cut.answer.length > 0, "what was written is kept");
  assert.match(
    cut.note ?? "",
    /stopped early: The model server http:\/\/127\.0\.0\.1:\d+ (closed the connection mid-answer|ended the answer without finishing it)/,
  );
  assert.ok(
    logs.some((l) => l.startsWith("ERROR") && /closed the connection|without finishing/.test(l)),
    logs.join("\n"),
  );

  const down = await engine.ask({ id: "down", question: "What does jvm.memory.used measure?" });
  assert.equal(down.mode, "retrieval-only");
  assert.match(down.note ?? "", /model failed \(Cannot reach the model server .*ECONNREFUSED/);
  assert.equal(down.sources[0]!.path, "metrics.md");
  assert.match(down.answer, /metrics\.md/);

  await own.restart();
  const back = await engine.ask({ id: "back", question: "What does jvm.memory.used measure?" });
  assert.equal(back.mode, "model", back.note);
  assert.equal(back.note, undefined);
  await own.close();
});

test("a wrong API key: a 401 note naming the key command, sections still answer; the right key answers", { skip }, async () => {
  const locked = await LlamaServer.start(found.bin!, { model: models.chatTemplate, alias: "tiny-docs", apiKey: "right-key", ctxSize: 2048 });
  servers.push(locked);
  const { engine, logs } = await startEngine({ url: locked.url }, { apiKey: "wrong-key" });
  assert.ok(
    engine.getStatus().warnings.some((w) => /refused the request \(401/.test(w)),
    JSON.stringify(engine.getStatus().warnings),
  );
  const refused = await engine.ask({ id: "k1", question: "What does jvm.memory.used measure?" });
  assert.equal(refused.mode, "retrieval-only");
  assert.match(refused.note ?? "", /401.*Set Server API Key/);
  assert.equal(refused.sources[0]!.path, "metrics.md");
  // A follow-up is condensed by the model first: a refusing server leaves the carried question, not an error.
  const followUp = await engine.ask({
    id: "k1b",
    question: "And what is its unit?",
    previous: { question: "What does jvm.memory.used measure?", terms: ["jvm.memory.used"] },
  });
  assert.equal(followUp.mode, "retrieval-only");
  assert.match(followUp.note ?? "", /401/);
  assert.match(followUp.resolvedQuestion ?? "", /jvm\.memory\.used/);
  assert.ok(!logs.join("\n").includes("wrong-key"), "the key is never logged");
  await engine.setServerApiKey("right-key");
  const ok = await engine.ask({ id: "k2", question: "What does jvm.memory.used measure?" });
  assert.equal(ok.mode, "model", ok.note);
  await locked.close();
});

test("an unknown model name fails with the names the server offers", { skip }, async () => {
  const chat = new ServerChat(new ServerConnection({ url: chatServer.url }), { model: "no-such-model" });
  await assert.rejects(
    chat.generate({ system: "s", user: "u", maxTokens: 4 }),
    (err: unknown) => err instanceof GenerationFailure && /does not serve "no-such-model"; it lists: tiny-docs/.test(err.message),
  );
});

test("through a fault-injecting proxy: 503 and 429 are retried with a visible wait, then fail clearly", { skip }, async () => {
  const proxy = await FaultProxy.start(`http://127.0.0.1:${chatServer.port}`);
  try {
    const { engine, events } = await startEngine({ url: proxy.url, chatModel: "tiny-docs" });
    proxy.set({ kind: "status", status: 503, times: 2, retryAfter: "0.2", path: "/v1/chat/completions" });
    const t0 = performance.now();
    const retried = await engine.ask({ id: "busy", question: "What does jvm.memory.used measure?" });
    assert.equal(retried.mode, "model", retried.note);
    assert.ok(performance.now() - t0 >= 400, "waited Retry-After twice");
    const notices = events.filter((e) => e.id === "busy" && e.event.type === "notice").map((e) => (e.event as { text: string }).text);
    assert.equal(notices.length, 2);
    assert.match(notices[0]!, /busy \(503\); retrying in 0\.2 s \(retry 1 of 4\)/);
    assert.equal(proxy.requests.filter((r) => r.injected === 503).length, 2);

    // More 429s than retries: the draft fails, the sections answer, the note says why.
    proxy.set({ kind: "status", status: 429, times: 100, retryAfter: "0", path: "/v1/chat/completions" });
    const gaveUp = await engine.ask({ id: "busy2", question: "What does jvm.memory.used measure?" });
    assert.equal(gaveUp.mode, "retrieval-only");
    assert.match(gaveUp.note ?? "", /busy \(429: Too many requests \(injected\)\)/);
    assert.equal(proxy.requests.filter((r) => r.injected === 429).length, 5, "one try and 4 retries");
  } finally {
    await proxy.close();
  }
});

test("through a fault-injecting proxy: a stalled stream times out, a malformed event stops the answer, both keep what was written", { skip }, async () => {
  const proxy = await FaultProxy.start(`http://127.0.0.1:${chatServer.port}`);
  try {
    const pipeline = { ...DEFAULT_PIPELINE, draft: false, answerMaxTokens: 200 };
    // The stall's own engine waits 5 s for a silent server: a loaded machine may leave a real
    // server silent for a second, never for five while it streams a tiny model's answer.
    const stallEngine = await startEngine({ url: proxy.url, chatModel: "tiny-docs", timeoutSeconds: 5 }, { extra: { pipeline } });
    proxy.set({ kind: "stall", events: 6 });
    const t0 = performance.now();
    const stalled = await stallEngine.engine.ask({ id: "stall", question: "What does jvm.memory.used measure?" });
    const waited = performance.now() - t0;
    // The upper bound only ends a broken test (a timeout that never fires).
    assert.ok(waited >= 5000 && waited < 120_000, `${waited.toFixed(0)} ms`);
    assert.equal(stalled.mode, "model");
    assert.ok(stalled.answer.length > 0, "the text before the stall is kept");
    assert.match(stalled.note ?? "", /stopped early: The model server .* sent nothing for 5 s while streaming/);

    // The other faults on an engine with the default wait: what it sees is the fault, not the machine's speed.
    const { engine, logs } = await startEngine({ url: proxy.url, chatModel: "tiny-docs" }, { extra: { pipeline } });
    proxy.set({ kind: "malformed", events: 6 });
    const malformed = await engine.ask({ id: "bad", question: "What does jvm.memory.used measure?" });
    assert.equal(malformed.mode, "model");
    assert.ok(malformed.answer.length > 0);
    assert.match(malformed.note ?? "", /malformed stream event/);
    assert.ok(logs.some((l) => l.startsWith("ERROR") && /malformed stream event/.test(l)));

    proxy.set({ kind: "cut", events: 6 });
    const cut = await engine.ask({ id: "cut", question: "What does jvm.memory.used measure?" });
    assert.ok(cut.answer.length > 0);
    assert.match(cut.note ?? "", /closed the connection mid-answer|without finishing/);

    proxy.set({ kind: "none" });
    const fine = await engine.ask({ id: "fine", question: "What does jvm.memory.used measure?" });
    assert.equal(fine.mode, "model");
    assert.equal(fine.note, undefined);
  } finally {
    await proxy.close();
  }
});

test("Stop ends an answer while the server is still counting its prompt (a /tokenize that never answers)", { skip }, async () => {
  const proxy = await FaultProxy.start(`http://127.0.0.1:${chatServer.port}`);
  try {
    // A minute's timeout: without the stop reaching the count, the answer would wait all of it.
    const { engine, logs } = await startEngine(
      { url: proxy.url, chatModel: "tiny-docs", timeoutSeconds: 60 },
      { extra: { pipeline: { ...DEFAULT_PIPELINE, draft: false, answerMaxTokens: 48 } } },
    );
    proxy.set({ kind: "hang", path: "/tokenize" });
    const controller = new AbortController();
    let stoppedAt = 0;
    const asked = engine.ask({ id: "stop-counting", question: "What does jvm.memory.used measure?" }, controller.signal);
    // Stop once the count is under way and stuck.
    const deadline = Date.now() + 20_000;
    while (!proxy.requests.some((r) => r.injected === -1)) {
      assert.ok(Date.now() < deadline, "the answer asked the server to count its prompt");
      await new Promise((r) => setTimeout(r, 20));
    }
    stoppedAt = performance.now();
    controller.abort();
    const result = await asked;
    const took = performance.now() - stoppedAt;
    assert.equal(result.aborted, true);
    // Against the 60 s timeout it would otherwise wait out: the bound tells those apart on a loaded
    // machine (2 s was a speed asked of the unwinding after the stop, not a state).
    assert.ok(took < 20_000, `stopped after ${took.toFixed(0)} ms`);
    assert.ok(!proxy.requests.some((r) => r.path.includes("/chat/completions")), "no answer was asked for after the stop");
    assert.ok(!logs.some((l) => /Counting tokens on the server failed/.test(l)), "a stop is not logged as the tokenizer failing");

    // The next answer counts on the server again (the stop did not switch it to the estimate).
    proxy.set({ kind: "none" });
    const before = proxy.requests.length;
    const next = await engine.ask({ id: "after-stop-counting", question: "What does jvm.memory.used measure?" });
    assert.equal(next.aborted, false);
    assert.equal(next.mode, "model");
    assert.ok(
      proxy.requests.slice(before).some((r) => r.path.startsWith("/tokenize") && r.injected === 0),
      "the server tokenized the next answer's prompt",
    );
  } finally {
    await proxy.close();
  }
});

test("Stop ends an answer whose connection to the server hangs (the start's failed; /v1/models now never answers)", { skip }, async () => {
  const proxy = await FaultProxy.start(`http://127.0.0.1:${chatServer.port}`);
  try {
    // The connection at start is refused, so the answer connects again: without a draft, its first
    // call to the server is the prompt's token count.
    proxy.set({ kind: "status", status: 401, times: 1, path: "/v1/models" });
    const { engine, logs } = await startEngine(
      { url: proxy.url, chatModel: "tiny-docs", timeoutSeconds: 60 },
      { extra: { pipeline: { ...DEFAULT_PIPELINE, draft: false, answerMaxTokens: 48 } } },
    );
    const refusedBy = Date.now() + 20_000;
    while (!logs.some((l) => /asks again at the next question/.test(l))) {
      assert.ok(Date.now() < refusedBy, "the connection at start was refused");
      await new Promise((r) => setTimeout(r, 20));
    }
    proxy.set({ kind: "hang", path: "/v1/models" });
    const controller = new AbortController();
    const asked = engine.ask({ id: "stop-connecting", question: "What does jvm.memory.used measure?" }, controller.signal);
    const deadline = Date.now() + 20_000;
    while (!proxy.requests.some((r) => r.injected === -1)) {
      assert.ok(Date.now() < deadline, "the answer asked the server which model it serves");
      await new Promise((r) => setTimeout(r, 20));
    }
    const stoppedAt = performance.now();
    controller.abort();
    const result = await asked;
    const took = performance.now() - stoppedAt;
    assert.equal(result.aborted, true);
    // Against the 60 s timeout it would otherwise wait out: the bound tells those apart on a loaded
    // machine (2 s was a speed asked of the unwinding after the stop, not a state).
    assert.ok(took < 20_000, `stopped after ${took.toFixed(0)} ms`);
  } finally {
    await proxy.close();
  }
});

const TWIN_DOCS = {
  "docs/http-metrics.md":
    "# HTTP metrics\n\n## `http.server.request.duration`\n\nDuration of HTTP server requests, as a histogram.\n\n| Name | Type | Unit |\n|---|---|---|\n| `http.server.request.duration` | histogram | s |\n",
  "docs/other.md": "# Other\n\n## Logging\n\nLogs go to the output channel.\n",
};

// Three ways reasoning reaches Docent from a server: parsed by llama-server into `reasoning_content`
// (its Jinja template knows Qwen3's <think>), left inline as <think> tokens (--reasoning-format none),
// and inline as plain text from a template that knows no reasoning (Phi-3), with a [2] inside it.
const TWIN_CASES = [
  { twin: "qwen3-cited", args: ["--jinja"], reasoningVia: "reasoning_content" },
  { twin: "qwen3-cited", args: ["--jinja", "--reasoning-format", "none"], reasoningVia: "content" },
  { twin: "phi3-think-text", args: ["--jinja"], reasoningVia: "content" },
] as const;

for (const { twin, args, reasoningVia } of TWIN_CASES) {
  test(
    `a scripted twin (${twin}) on llama-server ${args.join(" ")}: a streamed answer citing [1], [7] flagged, reasoning (${reasoningVia}) kept apart`,
    { skip },
    async () => {
      const script = SCRIPTED_TWINS[twin];
      const model = (await ensureTwins([twin]))[twin];
      const server = await LlamaServer.start(found.bin!, { model, alias: twin, ctxSize: 2048, extraArgs: [...args] });
      servers.push(server);
      // The server really sends the reasoning the way this case says (not a test of Docent yet).
      const raw = (await (
        await fetch(`${server.url}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: twin, messages: [{ role: "user", content: "Unit?" }], max_tokens: 64, temperature: 0 }),
        })
      ).json()) as { choices: { message: { content: string; reasoning_content?: string } }[] };
      const message = raw.choices[0]!.message;
      if (reasoningVia === "reasoning_content") assert.equal(message.reasoning_content, script.reasoning);
      else assert.ok(message.content.includes(`<think>${script.reasoning}</think>`), JSON.stringify(message));

      const { engine, events } = await startEngine(
        { url: server.url, chatModel: twin },
        { docs: TWIN_DOCS, extra: { pipeline: { ...DEFAULT_PIPELINE, draftForNamedTerms: true, draftMaxTokens: 64, answerMaxTokens: 64 } } },
      );
      const result = await engine.ask({ id: twin, question: "What is the unit of http.server.request.duration?" });
      assert.equal(result.mode, "model", result.note);
      assert.equal(result.note, undefined);
      assert.equal(result.answer, script.answer);
      assert.equal(result.reasoning, script.reasoning);
      assert.equal(result.draft, script.answer, "the draft's reasoning is kept apart too");
      assert.ok(!result.answer.includes(AFTER_END_OF_TURN), "generation stopped at the family's end of turn");

      // Streamed: several answer chunks that are the answer, reasoning chunks that are the reasoning.
      const ofType = (type: string, stage?: string) =>
        events
          .filter((e) => e.id === twin && e.event.type === type && (stage === undefined || (e.event as { stage?: string }).stage === stage))
          .map((e) => (e.event as { text: string }).text);
      const answerChunks = ofType("answer-chunk");
      assert.ok(answerChunks.length > 5, `streamed in ${answerChunks.length} chunk(s)`);
      assert.equal(answerChunks.join("").trim(), script.answer);
      assert.ok(!answerChunks.join("").includes("think>") && !ofType("draft-chunk").join("").includes("think>"));
      assert.equal(ofType("reasoning-chunk", "answer").join("").trim(), script.reasoning);
      assert.equal(ofType("reasoning-chunk", "draft").join("").trim(), script.reasoning);

      // [1] cites the first source, at the lines that hold the answer; [7] names no source; a [2] in the reasoning counts for nothing.
      assert.equal(result.sources[0]!.path, "docs/http-metrics.md");
      assert.deepEqual(
        result.citations.map((c) => c.n),
        [1],
      );
      const cited = result.citations[0]!;
      assert.equal(cited.path, "docs/http-metrics.md");
      assert.equal(cited.startLine, result.sources[0]!.startLine);
      assert.equal(cited.endLine, result.sources[0]!.endLine);
      const lines = (await fs.readFile(cited.file, "utf8"))
        .split("\n")
        .slice(cited.startLine - 1, cited.endLine)
        .join("\n");
      assert.match(lines, /\| `http\.server\.request\.duration` \| histogram \| s \|/);
      assert.deepEqual(result.invalidCitations, [7]);
      await server.close();
    },
  );
}
