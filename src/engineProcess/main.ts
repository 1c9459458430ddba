// The engine process: a language server started by the extension through vscode-languageclient
// over IPC. A thin adapter: it maps the typed requests of src/shared/protocol.ts onto the engine
// (src/engine/engine.ts). A crash in native code (a bad model) takes down this process, not the
// editor; the client restarts it.
import { fileURLToPath } from "node:url";
import { createConnection, ProposedFeatures, type CancellationToken, type InitializeResult } from "vscode-languageserver/node";
import { Engine, workspaceEngineOptions } from "../engine/engine.js";
import type { Logger } from "../engine/util/logger.js";
import {
  AskEventNotification,
  AskRequest,
  CancelIndexingNotification,
  CancelNotification,
  ConfigureRequest,
  DatasetProgressNotification,
  DefineRequest,
  ExampleQuestionsRequest,
  EnableCudaRequest,
  ExportDatasetRequest,
  GpuPackageProgressNotification,
  ModelStatusRequest,
  FeedbackRequest,
  ReindexRequest,
  SearchRequest,
  SetServerApiKeyRequest,
  StatusNotification,
  StatusRequest,
  type InitializationOptions,
} from "../shared/protocol.js";

const connection = createConnection(ProposedFeatures.all);
let engine: Engine | undefined;
let started: Promise<void> | undefined;

const logger: Logger = {
  info: (m) => connection.console.info(m),
  warn: (m) => connection.console.warn(m),
  error: (m) => connection.console.error(m),
};

connection.onInitialize((params): InitializeResult => {
  const init = params.initializationOptions as InitializationOptions;
  engine = new Engine({
    ...workspaceEngineOptions(init),
    logger,
    events: {
      status: (status) => void connection.sendNotification(StatusNotification, status),
      askEvent: (event) => void connection.sendNotification(AskEventNotification, event),
    },
  });
  // No language features: the engine reads the docs from disk and answers Docent's own requests.
  return { capabilities: {}, serverInfo: { name: "docent-engine" } };
});

connection.onInitialized(() => {
  // A failed start is reported (status "error", and the log); requests then fail with their own
  // message instead of the process dying on an unhandled rejection.
  started = engine!.start().catch((err) => logger.error(`Engine failed to start: ${(err as Error).stack ?? err}`));
});

/** Requests wait for the engine's start-up (index loaded) before they run. */
async function ready(): Promise<Engine> {
  if (!engine) throw new Error("The engine is not initialised");
  await started;
  return engine;
}

function abortOn(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

connection.onRequest(StatusRequest, () => engine?.getStatus() ?? null);
connection.onRequest(AskRequest, async (params, token) => (await ready()).ask(params, abortOn(token)));
connection.onNotification(CancelNotification, (params) => {
  if (params.id) engine?.cancel(params.id);
  else engine?.cancelAll();
});
connection.onNotification(CancelIndexingNotification, () => void engine?.cancelIndexing());
connection.onRequest(ReindexRequest, async (token) => (await ready()).reindex(abortOn(token)));
// A hover needs only the index: it does not wait for a model that is still loading or downloading.
connection.onRequest(DefineRequest, async (params) => {
  if (!engine) return null;
  await engine.whenIndexOpen();
  return (await engine.defineWithCard(params.name)) ?? null;
});
connection.onRequest(ExampleQuestionsRequest, async (params) => {
  if (!engine) return [];
  await engine.whenIndexOpen();
  return engine.exampleQuestions(params.count);
});
connection.onRequest(SearchRequest, async (params) => {
  if (!engine) return [];
  await engine.whenIndexOpen();
  return engine.search(params.query, Math.min(20, Math.max(1, params.k ?? 5)));
});
connection.onRequest(FeedbackRequest, async (params) => (await ready()).feedback(params));
connection.onRequest(ExportDatasetRequest, async (params, token) =>
  (await ready()).exportDataset(params, abortOn(token), (p) => void connection.sendNotification(DatasetProgressNotification, p)),
);
connection.onRequest(ConfigureRequest, async (settings) => (await ready()).configure(settings));
connection.onRequest(SetServerApiKeyRequest, async (params) => (await ready()).setServerApiKey(params.apiKey));
connection.onRequest(ModelStatusRequest, async () => (engine ? engine.modelStatus() : null));
connection.onRequest(EnableCudaRequest, async (token) =>
  (await ready()).enableCuda((p) => void connection.sendNotification(GpuPackageProgressNotification, p), abortOn(token)),
);

connection.onDidChangeWatchedFiles((params) => {
  const files = params.changes.filter((c) => c.uri.startsWith("file:")).map((c) => fileURLToPath(c.uri));
  if (files.length) {
    void ready()
      .then((e) => e.filesChanged(files))
      .catch((err) => logger.error(`Re-indexing changed files failed: ${(err as Error).message}`));
  }
});

connection.onShutdown(async () => {
  await engine?.dispose();
});

connection.listen();
