// The engine process: a language server started by the extension through vscode-languageclient
// over IPC. It runs the engine (index, models, pipeline) so that a crash in native code (a bad
// model) takes down this process, not the editor; the client restarts it.
import { fileURLToPath } from "node:url";
import {
  createConnection,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Logger } from "../engine/util/logger.js";
import { Methods, type AskParams, type EngineSettings, type ExportDatasetParams, type FeedbackParams, type InitializationOptions } from "../shared/protocol.js";
import { Engine } from "../engine/engine.js";
import { hoverMarkdown, nameAt } from "./hover.js";

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let engine: Engine | undefined;
let started: Promise<void> | undefined;

const logger: Logger = {
  info: (m) => connection.console.info(m),
  warn: (m) => connection.console.warn(m),
  error: (m) => connection.console.error(m),
};

connection.onInitialize((params): InitializeResult => {
  const init = params.initializationOptions as InitializationOptions;
  engine = new Engine(init, logger, {
    status: (status) => void connection.sendNotification(Methods.statusChanged, status),
    askEvent: (event) => void connection.sendNotification(Methods.askEvent, event),
  });
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
    },
    serverInfo: { name: "docent-engine" },
  };
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

function abortOn(token: { onCancellationRequested(cb: () => void): unknown; isCancellationRequested: boolean }): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

connection.onRequest(Methods.status, () => engine?.getStatus() ?? null);
connection.onRequest(Methods.ask, async (params: AskParams, token) => (await ready()).ask(params, abortOn(token)));
connection.onNotification(Methods.cancel, (params: { id?: string }) => {
  if (params.id) engine?.cancel(params.id);
  else engine?.cancelAll();
});
connection.onNotification(Methods.cancelIndexing, () => void engine?.cancelIndexing());
connection.onRequest(Methods.reindex, async (_params: unknown, token) => (await ready()).reindex(abortOn(token)));
connection.onRequest(Methods.feedback, async (params: FeedbackParams & { id?: string }) => (await ready()).feedback(params));
connection.onRequest(Methods.exportDataset, async (params: ExportDatasetParams, token) =>
  (await ready()).exportDataset(params, abortOn(token), (p) => void connection.sendNotification(Methods.datasetProgress, p)),
);
connection.onRequest(Methods.configure, async (settings: EngineSettings) => (await ready()).configure(settings));

connection.onDidChangeWatchedFiles((params) => {
  const files = params.changes.filter((c) => c.uri.startsWith("file:")).map((c) => fileURLToPath(c.uri));
  if (files.length) void ready().then((e) => e.filesChanged(files)).catch((err) => logger.error(`Re-indexing changed files failed: ${(err as Error).message}`));
  if (params.changes.some((c) => c.type === FileChangeType.Deleted)) logger.info(`${params.changes.length} watched file event(s)`);
});

connection.onHover(async (params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc || !engine) return null;
  const line = doc.getText({ start: { line: params.position.line, character: 0 }, end: { line: params.position.line + 1, character: 0 } });
  const word = nameAt(line, params.position.character);
  if (!word) return null;
  const definition = (await ready()).define(word.text);
  if (!definition) return null;
  return {
    contents: { kind: "markdown", value: hoverMarkdown(definition) },
    range: { start: { line: params.position.line, character: word.start }, end: { line: params.position.line, character: word.end } },
  };
});

connection.onShutdown(async () => {
  await engine?.dispose();
});

documents.listen(connection);
connection.listen();
