// What the commands and the test API get of the running extension: one small context object
// (DocentExtension in extension.ts implements it). The engine's client changes when the engine is
// restarted, so it is read through `engine()` at each use, never kept.
import type * as vscode from "vscode";
import type { ChatViewProvider } from "./chat/chatViewProvider.js";
import type { EngineClient } from "./engineClient.js";
import type { ServerApiKey } from "./model/serverKey.js";

export interface DocentContext {
  readonly extensionContext: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly chat: ChatViewProvider;
  readonly serverKey: ServerApiKey;
  /** The running engine's client; undefined without a workspace folder. */
  engine(): EngineClient | undefined;
  restartEngine(): Promise<void>;
  /** Runs `work` while indexing progress is shown by Reindex's own notification (not the start-up one). */
  whileReindexing<T>(work: () => Promise<T>): Promise<T>;
  /** A failure: logged with its stack, and shown with Show Logs (`shown` is what the user reads first). */
  reportFailure(what: string, err: unknown, shown?: string): void;
}
