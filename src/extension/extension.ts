// Docent's extension entry point. `activate` builds one DocentExtension, the context everything
// hangs off (context.ts); the commands are factories over it (commands.ts), the tests' API is
// testApi.ts. Two disposal scopes: the extension's own (view, commands, status bar) and the
// engine's, which is torn down and rebuilt when the engine is restarted or its watchers must change.
import * as path from "node:path";
import * as vscode from "vscode";
import type { EngineSettings, EngineStatus, ModelFailure } from "../shared/protocol.js";
import { DocentAgents } from "./agents.js";
import { affectsDocent, affectsWatcher, engineSettings } from "./config.js";
import { ChatViewProvider } from "./chat/chatViewProvider.js";
import { CodeCheck } from "./code/codeCheck.js";
import { registerCommands } from "./commands.js";
import type { DocentContext } from "./context.js";
import { Disposable } from "./disposable.js";
import { EngineClient } from "./engineClient.js";
import { ExplainContext } from "./hover/explainContext.js";
import { registerDefinitionHover } from "./hover/hover.js";
import { FailedDownloads, settingLabel, type FailedDownload } from "./model/modelFailures.js";
import { chooseModelFile } from "./model/models.js";
import { registerModelStatusDocument } from "./model/modelStatus.js";
import { registerHighlightReset } from "./chat/openSource.js";
import { ServerApiKey } from "./model/serverKey.js";
import { StatusBar } from "./statusBar.js";
import { testApi, type DocentApi, type TestedExtension } from "./testApi.js";

export type { DocentApi } from "./testApi.js";

const WELCOMED_KEY = "docent.welcomed";

class DocentExtension extends Disposable implements DocentContext, TestedExtension {
  private client?: EngineClient;
  private engineScope?: vscode.Disposable[];
  private readonly statusBar = this.register(new StatusBar());
  readonly chat: ChatViewProvider;
  readonly agents: DocentAgents;
  private readonly statusWaiters: ((s: EngineStatus) => void)[] = [];
  private indexingProgress?: { resolve: () => void; report: (done: number, total: number) => void };
  private reindexing = false;
  readonly serverKey: ServerApiKey;
  private readonly downloadFailures: FailedDownloads;
  private readonly explain: ExplainContext;
  private readonly codeCheck: CodeCheck;
  private startSettings?: EngineSettings;
  /** The model failure last shown (one notification per failure). */
  private shownFailure = "";
  private indexKey = "";

  constructor(
    readonly extensionContext: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.serverKey = this.register(new ServerApiKey(extensionContext.secrets));
    this.register(
      this.serverKey.onDidChange(
        (key) =>
          void this.client?.request("setServerApiKey", { apiKey: key }).catch((err) => this.reportFailure("Passing the new server API key to the engine", err)),
      ),
    );
    this.chat = this.register(new ChatViewProvider(extensionContext, () => this.client, log));
    this.register(vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, this.chat, { webviewOptions: { retainContextWhenHidden: true } }));
    this.register(registerDefinitionHover(() => this.client));
    this.register(registerHighlightReset());
    this.register(registerModelStatusDocument());
    this.downloadFailures = new FailedDownloads(extensionContext.globalState);
    this.explain = this.register(new ExplainContext(() => this.client));
    this.codeCheck = this.register(new CodeCheck(() => this.client, log));
    this.agents = this.register(new DocentAgents({ context: extensionContext, log, engine: () => this.client, roots: () => this.roots() }));
    for (const d of registerCommands(this)) this.register(d);
    this.register(
      vscode.workspace.onDidChangeConfiguration(
        (e) => void this.onConfigurationChanged(e).catch((err) => this.reportFailure("Applying the new settings", err)),
      ),
    );
    this.register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.restartEngine().catch((err) => this.reportFailure("Restarting the engine", err))),
    );
  }

  /** A failure: logged with its stack, and shown with Show Logs (`shown` is what the user reads first). */
  reportFailure(what: string, err: unknown, shown = `${what} failed: `): void {
    this.log.error(`${what} failed: ${(err as Error).stack ?? err}`);
    void vscode.window.showErrorMessage(`Docent: ${shown}${(err as Error).message}`, "Show Logs").then((a) => a && this.log.show());
  }

  engine(): EngineClient | undefined {
    return this.client;
  }

  async whileReindexing<T>(work: () => Promise<T>): Promise<T> {
    this.reindexing = true;
    try {
      return await work();
    } finally {
      this.reindexing = false;
    }
  }

  // What only the test API reads (testApi.ts).
  statusBarTooltip(): string {
    return this.statusBar.tooltip;
  }

  async explainable(): Promise<{ value: boolean; name: string | undefined }> {
    return { value: await this.explain.update(), name: this.explain.name };
  }

  failedDownloads(): FailedDownload[] {
    return this.downloadFailures.list();
  }

  startedWith(): EngineSettings | undefined {
    return this.startSettings;
  }

  get storageDir(): string {
    return (this.extensionContext.storageUri ?? this.extensionContext.globalStorageUri).fsPath;
  }

  private roots(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  }

  async startEngine(): Promise<void> {
    const roots = this.roots();
    if (roots.length === 0) {
      this.statusBar.show({ state: "ready", files: 0, sections: 0, warnings: [], message: "Open a folder to index its docs" });
      return;
    }
    await this.serverKey.load();
    const engine = new EngineClient({
      extensionPath: this.extensionContext.extensionPath,
      roots,
      serverApiKey: () => this.serverKey.current,
      storageDir: this.storageDir,
      modelsDir: path.join(this.extensionContext.globalStorageUri.fsPath, "models"),
      gpuPackagesDir: this.extensionContext.globalStorageUri.fsPath,
      // Read on every (re)start: a reference whose download failed before is left out (and said so).
      settings: () => this.settingsForStart(),
      include: engineSettings().include,
      log: this.log,
    });
    const scope: vscode.Disposable[] = [engine];
    scope.push(engine.onStatus((s) => this.onStatus(s)));
    scope.push(
      engine.onStopped((what) => {
        if (what === "restarting") {
          void vscode.window
            .showWarningMessage("Docent's engine stopped unexpectedly and is restarting; the saved index is reloaded.", "Show Logs")
            .then((a) => a && this.log.show());
        } else {
          void vscode.window.showErrorMessage("Docent's engine keeps stopping, so it was not restarted again.", "Show Logs", "Retry").then((a) => {
            if (a === "Show Logs") this.log.show();
            if (a === "Retry") void this.restartEngine().catch((err) => this.reportFailure("Restarting the engine", err));
          });
        }
      }),
    );
    this.client = engine;
    this.engineScope = scope;
    const t0 = Date.now();
    await engine.start();
    this.log.info(`Engine process started in ${Date.now() - t0} ms`);
    this.onStatus(await engine.refreshStatus());
  }

  /** The settings without the downloads that failed before; the user hears which were left out, once per start. */
  private settingsForStart(): EngineSettings {
    const { settings, skipped } = this.downloadFailures.apply(engineSettings());
    this.startSettings = settings;
    for (const f of skipped) {
      this.log.warn(`Not downloading the ${settingLabel(f.setting)} ${f.ref} again: it failed at ${f.at} (${f.message}). Retry from the notification.`);
      void this.offerModelFix(
        { setting: f.setting, ref: f.ref, message: f.message, download: true },
        `Docent did not download the ${settingLabel(f.setting)} again (${f.ref}): it failed before (${f.message}).`,
      );
    }
    return settings;
  }

  /** A model that failed: an error with Retry (downloads) and Choose File, and Show Logs. */
  private async offerModelFix(failure: ModelFailure, text: string): Promise<void> {
    const actions = failure.download ? ["Retry", "Choose File", "Show Logs"] : ["Choose File", "Show Logs"];
    const action = await vscode.window.showErrorMessage(text, ...actions);
    if (action === "Retry") await this.retryModel(failure.setting).catch((err) => this.reportFailure("Retrying the model", err));
    else if (action === "Choose File") await chooseModelFile(failure.setting).catch((err) => this.reportFailure("Choosing a model file", err));
    else if (action === "Show Logs") this.log.show();
  }

  /** Retry: the failure is forgotten and the engine started again, which downloads it again. */
  async retryModel(setting: ModelFailure["setting"]): Promise<void> {
    await this.downloadFailures.forget(setting);
    this.shownFailure = "";
    await this.restartEngine();
  }

  private onModelFailure(failure: ModelFailure | undefined): void {
    const key = failure ? JSON.stringify(failure) : "";
    if (!failure || key === this.shownFailure) return;
    this.shownFailure = key;
    void this.downloadFailures.record(failure);
    const what = settingLabel(failure.setting);
    const text = failure.download
      ? `Docent could not download the ${what} (${failure.ref}): ${failure.message}`
      : `Docent could not load the ${what} (${failure.ref}): ${failure.message}`;
    void this.offerModelFix(failure, text);
  }

  /** The first time a workspace's docs are indexed: say so, and offer to ask. */
  private welcome(status: EngineStatus): void {
    if (status.state !== "ready" || status.files === 0 || this.extensionContext.workspaceState.get<boolean>(WELCOMED_KEY)) return;
    void this.extensionContext.workspaceState.update(WELCOMED_KEY, true);
    void vscode.window
      .showInformationMessage(`Docent indexed ${status.files.toLocaleString("en-US")} files of docs. Ask it about them.`, "Ask a question")
      .then((a) => a && this.chat.focus());
  }

  async restartEngine(): Promise<void> {
    this.stopEngine();
    await this.startEngine();
  }

  private stopEngine(): void {
    for (const d of this.engineScope ?? []) d.dispose();
    this.engineScope = undefined;
    this.client = undefined;
  }

  private onStatus(status: EngineStatus): void {
    this.statusBar.show(status);
    if (status.state === "ready") void this.refreshModelStatus();
    this.chat.statusChanged(status);
    // Reindex shows its own progress; any other indexing (start-up, settings) gets this one.
    if (status.state === "indexing" && !this.reindexing) {
      this.showIndexingProgress();
      if (status.indexed) this.indexingProgress?.report(status.indexed.done, status.indexed.total);
    } else this.indexingProgress?.resolve();
    this.onModelFailure(status.modelFailure);
    if (status.state === "ready") {
      const key = `${status.pid}/${status.files}/${status.sections}`;
      if (key !== this.indexKey) {
        this.indexKey = key;
        this.explain.indexChanged();
      }
      this.codeCheck.indexChanged();
      this.welcome(status);
      for (const w of this.statusWaiters.splice(0)) w(status);
    }
  }

  /** Model Status for the status bar tooltip, asked for whenever the engine reports "ready" (after each answer too). */
  private async refreshModelStatus(): Promise<void> {
    const engine = this.client;
    const status = await engine?.request("modelStatus", undefined).catch((err: unknown) => {
      this.log.warn(`Model status not available: ${(err as Error).message}`);
      return null;
    });
    if (engine === this.client) this.statusBar.showModelStatus(status ?? undefined);
  }

  /** Indexing shows a cancellable notification with files done of total; Cancel keeps what was indexed so far. */
  private showIndexingProgress(): void {
    if (this.indexingProgress) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Docent: indexing the workspace docs", cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let shown = 0;
          const report = (done: number, total: number) => {
            const pct = total ? (100 * done) / total : 0;
            progress.report({ message: `${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} files`, increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
          };
          this.indexingProgress = { resolve, report };
          token.onCancellationRequested(() => void this.client?.cancelIndexing());
        }).finally(() => (this.indexingProgress = undefined)),
    );
  }

  whenReady(timeoutMs = 120_000): Promise<EngineStatus> {
    const s = this.client?.status;
    if (s?.state === "ready") return Promise.resolve(s);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Docent was not ready after ${timeoutMs} ms`)), timeoutMs);
      this.statusWaiters.push((st) => {
        clearTimeout(timer);
        resolve(st);
      });
    });
  }

  private async onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!affectsDocent(e)) return;
    // A model setting changed: its earlier failed download no longer holds it back.
    for (const setting of ["chatModel", "embeddingModel", "loraAdapters"] as const)
      if (e.affectsConfiguration(`docent.${setting}`)) await this.downloadFailures.forget(setting);
    if (!this.client) return;
    if (affectsWatcher(e)) {
      this.log.info("The docs globs changed: restarting the engine");
      await this.restartEngine();
    } else {
      await this.client.request("configure", this.downloadFailures.apply(engineSettings()).settings);
    }
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<DocentApi> {
  const t0 = Date.now();
  const log = vscode.window.createOutputChannel("Docent", { log: true });
  context.subscriptions.push(log);
  const docent = new DocentExtension(context, log);
  context.subscriptions.push(docent);
  const start = async (): Promise<void> => {
    try {
      await docent.startEngine();
    } catch (err) {
      log.error(`Docent could not start its engine: ${(err as Error).stack ?? err}`);
      const action = await vscode.window.showErrorMessage(`Docent could not start: ${(err as Error).message}`, "Show Logs", "Retry");
      if (action === "Show Logs") log.show();
      if (action === "Retry") await docent.restartEngine().catch(() => undefined);
    }
  };
  // The engine starts in the background: activation itself stays cheap.
  void start();
  const activationMs = Date.now() - t0;
  log.info(`Docent activated in ${activationMs} ms`);
  return testApi(docent, activationMs);
}

export function deactivate(): void {
  // Disposables registered on the context stop the engine.
}
