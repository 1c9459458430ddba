// The engine process's side of the protocol table: one handler per request of
// src/shared/protocol.ts's `engineRequests`, each mapping it onto the engine (src/engine/engine.ts).
// The type is the table's, so a request without a handler here does not compile.
import type { CancellationToken } from "vscode-languageserver/node";
import type { Engine } from "../engine/engine.js";
import { definedNamesTable } from "../engine/cards/definedNames.js";
import type { DatasetProgressParams, EngineRequestHandlers, GpuPackageProgressParams } from "../shared/protocol.js";

export interface EngineHost {
  /** The engine once `initialize` created it. */
  engine(): Engine | undefined;
  /** The engine after its start-up (index loaded); requests that need models wait for it. */
  ready(): Promise<Engine>;
  datasetProgress(p: DatasetProgressParams): void;
  gpuPackageProgress(p: GpuPackageProgressParams): void;
}

/** An AbortSignal for a request's token: `$/cancelRequest` from the client aborts what it started. */
export function abortOn(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export function engineRequestHandlers(host: EngineHost): EngineRequestHandlers {
  return {
    status: () => host.engine()?.getStatus() ?? null,
    ask: async (params, token) => (await host.ready()).ask(params, abortOn(token)),
    reindex: async (_params, token) => (await host.ready()).reindex(abortOn(token)),
    // A hover needs only the index: it does not wait for a model that is still loading or downloading.
    define: async (params) => {
      const engine = host.engine();
      if (!engine) return null;
      await engine.whenIndexOpen();
      return (await engine.defineWithCard(params.name)) ?? null;
    },
    definedNames: async (params) => {
      const engine = host.engine();
      if (!engine) return null;
      await engine.whenIndexOpen();
      const table = await definedNamesTable(engine.docsIndex);
      return table.version === params.known ? null : table;
    },
    exampleQuestions: async (params) => {
      const engine = host.engine();
      if (!engine) return [];
      await engine.whenIndexOpen();
      return engine.exampleQuestions(params.count);
    },
    search: async (params) => {
      const engine = host.engine();
      if (!engine) return [];
      await engine.whenIndexOpen();
      return engine.search(params.query, Math.min(20, Math.max(1, params.k ?? 5)));
    },
    feedback: async (params) => (await host.ready()).feedback(params),
    exportDataset: async (params, token) => (await host.ready()).exportDataset(params, abortOn(token), (p) => host.datasetProgress(p)),
    configure: async (settings) => (await host.ready()).configure(settings),
    setServerApiKey: async (params) => (await host.ready()).setServerApiKey(params.apiKey),
    modelStatus: async () => host.engine()?.modelStatus() ?? null,
    enableCuda: async (_params, token) => (await host.ready()).enableCuda((p) => host.gpuPackageProgress(p), abortOn(token)),
  };
}
