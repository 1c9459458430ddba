// Registers the handler of every request in the protocol table on a JSON-RPC connection. Kept apart
// from main.ts (which creates the process's own connection on import) so a test can drive it over
// an in-memory connection.
import type { CancellationToken, RequestType } from "vscode-languageserver-protocol";
import { engineRequests, type EngineRequestHandlers, type EngineRequestName } from "../shared/protocol.js";

/** What registering needs of a connection: vscode-languageserver's and vscode-jsonrpc's both fit. */
export interface RequestReceiver {
  onRequest<P, R>(type: RequestType<P, R, void>, handler: (params: P, token: CancellationToken) => R | Promise<R>): unknown;
}

export function registerEngineRequests(connection: RequestReceiver, handlers: EngineRequestHandlers): void {
  for (const name of Object.keys(engineRequests) as EngineRequestName[]) {
    const type = engineRequests[name];
    const handler = handlers[name] as (params: unknown, token: CancellationToken) => unknown;
    // The connection calls a request without params with the token alone (RequestType0), else with (params, token).
    connection.onRequest(type as RequestType<unknown, unknown, void>, (...args: unknown[]) =>
      type.numberOfParams === 0 ? handler(undefined, args[0] as CancellationToken) : handler(args[0], args[1] as CancellationToken),
    );
  }
}
