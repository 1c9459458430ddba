// The engine process: a language server started by the extension through vscode-languageclient
// over IPC. A thin adapter: the requests of src/shared/protocol.ts's table go to their handlers
// (handlers.ts), which map them onto the engine (src/engine/engine.ts). A crash in native code (a
// bad model) takes down this process, not the editor; the client restarts it.
import { fileURLToPath } from "node:url";
import { createConnection, ProposedFeatures, type InitializeResult } from "vscode-languageserver/node";
import { Engine, workspaceEngineOptions } from "../engine/engine.js";
import type { Logger } from "../engine/util/logger.js";
import { engineNotifications, extensionNotifications, type InitializationOptions } from "../shared/protocol.js";
import { engineRequestHandlers } from "./handlers.js";
import { registerEngineRequests } from "./registerRequests.js";

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
      status: (status) => void connection.sendNotification(engineNotifications.status, status),
      askEvent: (event) => void connection.sendNotification(engineNotifications.askEvent, event),
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

registerEngineRequests(
  connection,
  engineRequestHandlers({
    engine: () => engine,
    ready,
    datasetProgress: (p) => void connection.sendNotification(engineNotifications.datasetProgress, p),
    gpuPackageProgress: (p) => void connection.sendNotification(engineNotifications.gpuPackageProgress, p),
  }),
);
connection.onNotification(extensionNotifications.cancelIndexing, () => void engine?.cancelIndexing());

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
