// Starts the engine process (dist/engineProcess.js) through vscode-languageclient over IPC, and gives
// the rest of the extension typed calls: `request(name, params)` for every request of the protocol
// table (src/shared/protocol.ts). A crashing engine is restarted a bounded number of
// times; the index is then loaded from its saved file, not rebuilt.
import * as path from "node:path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type NotificationType,
  type ServerOptions,
} from "vscode-languageclient/node";
import { redactingLog } from "./redactingLog.js";
import { DEFAULT_INCLUDE } from "../shared/defaults.js";
import {
  engineNotifications,
  engineRequests,
  extensionNotifications,
  type AskEventParams,
  type EngineNotificationName,
  type EngineRequestName,
  type EngineSettings,
  type EngineStatus,
  type InitializationOptions,
  type NotificationParams,
  type RequestParams,
  type RequestResult,
} from "../shared/protocol.js";
import { Disposable } from "./disposable.js";

const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 3 * 60 * 1000;
/** Connection errors tolerated before the client shuts the connection down. */
const MAX_CONNECTION_ERRORS = 3;

export interface EngineClientOptions {
  extensionPath: string;
  roots: string[];
  storageDir: string;
  modelsDir: string;
  /** Where Enable CUDA puts node-llama-cpp's CUDA binaries (global storage). */
  gpuPackagesDir?: string;
  /** Read on every (re)start of the engine process, so a restarted engine has the current settings. */
  settings: () => EngineSettings;
  /** The model server's API key, read on every (re)start (kept in SecretStorage, sent in memory). */
  serverApiKey?: () => string | undefined;
  /** Include globs for the file watchers (fixed for this client's life: a change restarts the engine). */
  include: string[];
  log: vscode.LogOutputChannel;
}

/** Restarts a crashed engine up to MAX_RESTARTS times within RESTART_WINDOW_MS, then gives up and says so. */
class RestartLimiter implements ErrorHandler {
  private restarts: number[] = [];
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly onGiveUp: () => void,
    private readonly onRestart: () => void,
  ) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.log.error(`Engine connection error: ${error.message}`);
    return { action: (count ?? 0) <= MAX_CONNECTION_ERRORS ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.log.error(`The Docent engine stopped ${MAX_RESTARTS + 1} times in ${RESTART_WINDOW_MS / 60000} minutes; not restarting it again.`);
      this.onGiveUp();
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.restarts.push(now);
    this.log.warn(`The Docent engine stopped unexpectedly; restarting it (${this.restarts.length} of ${MAX_RESTARTS}).`);
    this.onRestart();
    return { action: CloseAction.Restart, handled: true };
  }
}

export class EngineClient extends Disposable {
  readonly client: LanguageClient;
  private readonly statusEmitter = this.register(new vscode.EventEmitter<EngineStatus>());
  private readonly askEventEmitter = this.register(new vscode.EventEmitter<AskEventParams>());
  private readonly stoppedEmitter = this.register(new vscode.EventEmitter<"restarting" | "gave-up">());
  readonly onStatus = this.statusEmitter.event;
  readonly onAskEvent = this.askEventEmitter.event;
  readonly onStopped = this.stoppedEmitter.event;
  private lastStatus: EngineStatus = { state: "starting", files: 0, sections: 0, warnings: [] };

  constructor(private readonly options: EngineClientOptions) {
    super();
    const module = path.join(options.extensionPath, "dist", "engineProcess.js");
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { execArgv: [] } },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--inspect=6019"] } },
    };
    // A function, not a value: the client calls it on every start, restarts after a crash included.
    const initializationOptions = (): InitializationOptions => ({
      roots: options.roots,
      storageDir: options.storageDir,
      modelsDir: options.modelsDir,
      gpuPackagesDir: options.gpuPackagesDir,
      settings: options.settings(),
      serverApiKey: options.serverApiKey?.(),
    });
    const watchers = options.roots.flatMap((root) =>
      (options.include.length ? options.include : DEFAULT_INCLUDE).map((glob) =>
        this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), glob))),
      ),
    );
    const clientOptions: LanguageClientOptions = {
      // No documents are synchronised: the engine reads the docs from disk, and hovers ask it by name.
      documentSelector: [],
      synchronize: { fileEvents: watchers },
      // The API key rides in initialize and docent/setServerApiKey: a verbose trace must not show it.
      outputChannel: redactingLog(options.log, () => [options.serverApiKey?.()]),
      initializationOptions,
      errorHandler: new RestartLimiter(
        options.log,
        () => this.stoppedEmitter.fire("gave-up"),
        () => {
          // The stopped engine's status (its pid, "ready") no longer holds until the new one reports.
          this.lastStatus = { state: "starting", files: 0, sections: 0, warnings: [] };
          this.statusEmitter.fire(this.lastStatus);
          this.stoppedEmitter.fire("restarting");
        },
      ),
    };
    this.client = new LanguageClient("docent", "Docent Engine", serverOptions, clientOptions);
    this.register(
      this.client.onNotification(engineNotifications.status, (s) => {
        this.lastStatus = s;
        this.statusEmitter.fire(s);
      }),
    );
    this.register(this.client.onNotification(engineNotifications.askEvent, (e) => this.askEventEmitter.fire(e)));
  }

  get status(): EngineStatus {
    return this.lastStatus;
  }

  async start(): Promise<void> {
    await this.client.start();
  }

  /**
   * Sends a request of the protocol table; cancelling `token` sends `$/cancelRequest`, which the
   * engine process turns into an AbortSignal (what was done so far comes back as the result).
   */
  request<K extends EngineRequestName>(name: K, params: RequestParams<K>, token?: vscode.CancellationToken): Promise<RequestResult<K>> {
    const type = engineRequests[name];
    // A request without params (RequestType0) is sent without any, as its type says.
    const args: unknown[] = type.numberOfParams === 0 ? [] : [params];
    if (token) args.push(token);
    return (this.client.sendRequest as (type: unknown, ...args: unknown[]) => Promise<RequestResult<K>>).call(this.client, type, ...args);
  }

  /** `request(name, params, token)` while the engine's progress notifications of `progress` go to `onProgress`. */
  async requestWithProgress<K extends EngineRequestName, N extends EngineNotificationName>(
    name: K,
    params: RequestParams<K>,
    token: vscode.CancellationToken,
    progress: N,
    onProgress: (p: NotificationParams<N>) => void,
  ): Promise<RequestResult<K>> {
    const sub = this.client.onNotification(engineNotifications[progress] as NotificationType<NotificationParams<N>>, onProgress);
    try {
      return await this.request(name, params, token);
    } finally {
      sub.dispose();
    }
  }

  cancelIndexing(): Promise<void> {
    return this.client.sendNotification(extensionNotifications.cancelIndexing);
  }

  async refreshStatus(): Promise<EngineStatus> {
    const s = await this.request("status", undefined);
    if (s) this.lastStatus = s;
    return this.lastStatus;
  }

  override dispose(): void {
    void this.client.dispose(2000).catch(() => undefined);
    super.dispose();
  }
}
