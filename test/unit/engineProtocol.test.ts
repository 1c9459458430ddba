// The protocol table over a real JSON-RPC connection (in memory): the engine process's handlers
// registered from the table answer the requests by their "docent/..." names, and cancelling a
// request (`$/cancelRequest`, the one way Docent stops an answer) stops the answer with what was
// written so far. A real engine on real files with the tiny model.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import { engineRequestHandlers } from "../../src/engineProcess/handlers.js";
import { registerEngineRequests } from "../../src/engineProcess/registerRequests.js";
import { DEFAULT_PIPELINE } from "../../src/shared/pipelineSettings.js";
import { engineNotifications, engineRequests, extensionNotifications, type AskEventParams, type EngineSettings } from "../../src/shared/protocol.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";

const DOCS = {
  "metrics.md":
    "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n\n| Name | Unit |\n| --- | --- |\n| `jvm.memory.used` | By |\n",
  "gc.md": "# Garbage collection\n\nPauses of the collector, in seconds.\n",
};

/** An engine process's connection and a client's, joined by two in-memory pipes. */
async function connect(extra: Partial<EngineSettings> = {}) {
  const root = await tempDocs(DOCS);
  const storageDir = await makeTempDir();
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(ProposedFeatures.all, toServer, toClient);
  const events: AskEventParams[] = [];
  const engine = new Engine({
    ...workspaceEngineOptions({
      roots: [root],
      storageDir,
      modelsDir: path.join(storageDir, "models"),
      settings: { include: [], exclude: [], maxFileBytes: 1 << 20, lora: [], gpu: "off", threads: 1, pipeline: { ...DEFAULT_PIPELINE }, ...extra },
    }),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    events: { status: () => undefined, askEvent: (e) => void server.sendNotification(engineNotifications.askEvent, e) },
  });
  const started = engine.start();
  registerEngineRequests(
    server,
    engineRequestHandlers({
      engine: () => engine,
      ready: async () => (await started, engine),
      datasetProgress: () => undefined,
      gpuPackageProgress: () => undefined,
    }),
  );
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  client.onNotification(engineNotifications.askEvent, (e) => {
    events.push(e);
  });
  client.listen();
  await started;
  return {
    client,
    events,
    close: async () => {
      client.dispose();
      server.dispose();
      await engine.dispose();
    },
  };
}

test("the table keeps the method names on the wire", () => {
  assert.deepEqual(
    Object.values(engineRequests).map((r) => r.method),
    [
      "docent/status",
      "docent/ask",
      "docent/reindex",
      "docent/define",
      "docent/definedNames",
      "docent/exampleQuestions",
      "docent/search",
      "docent/feedback",
      "docent/exportDataset",
      "docent/configure",
      "docent/setServerApiKey",
      "docent/modelStatus",
      "docent/enableCuda",
    ],
  );
  assert.deepEqual(
    Object.values(engineNotifications).map((n) => n.method),
    ["docent/statusChanged", "docent/askEvent", "docent/datasetProgress", "docent/gpuPackageProgress"],
  );
  assert.deepEqual(
    Object.values(extensionNotifications).map((n) => n.method),
    ["docent/cancelIndexing"],
  );
});

test("requests registered from the table reach their handlers: with params, without, and the index-only ones", async () => {
  const { client, close } = await connect();
  try {
    const status = await client.sendRequest(engineRequests.status);
    assert.equal(status?.state, "ready");
    assert.equal(status?.files, 2);
    const definition = await client.sendRequest(engineRequests.define, { name: "jvm.memory.used" });
    assert.equal(definition?.path, "metrics.md");
    assert.equal(definition?.summary, "Memory used by the JVM, in bytes.");
    assert.equal(await client.sendRequest(engineRequests.define, { name: "no.such.name" }), null);
    const sections = await client.sendRequest(engineRequests.search, { query: "collector pauses", k: 1 });
    assert.equal(sections.length, 1);
    assert.equal(sections[0]!.path, "gc.md");
    const reindexed = await client.sendRequest(engineRequests.reindex);
    assert.equal(reindexed.files, 2);
    assert.equal(reindexed.cancelled, false);
  } finally {
    await close();
  }
});

test("cancelling an ask's request ($/cancelRequest) stops that answer; the next question is answered in full", async () => {
  const models = await ensureTinyModels();
  const { client, events, close } = await connect({
    chatModel: models.chatTemplate,
    pipeline: { ...DEFAULT_PIPELINE, draftForNamedTerms: true, draftMaxTokens: 1500, answerMaxTokens: 8 },
  });
  try {
    const stop = new CancellationTokenSource();
    const long = client.sendRequest(engineRequests.ask, { id: "long", question: "What is jvm.memory.used?" }, stop.token);
    const next = client.sendRequest(engineRequests.ask, { id: "next", question: "What are collector pauses?" });
    // Cancel once the long answer is under way (its first streamed event), however slow the machine.
    while (!events.some((e) => e.id === "long")) await new Promise((r) => setTimeout(r, 10));
    stop.cancel();
    const [a, b] = await Promise.all([long, next]);
    assert.equal(a.aborted, true, "the cancelled answer stopped");
    assert.equal(b.aborted, false);
    assert.equal(b.tokens.answer, 8);
  } finally {
    await close();
  }
});
