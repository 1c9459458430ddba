// Docent's extension entry point. `activate` builds one DocentExtension; everything hangs off it.
// Two disposal scopes: the extension's own (view, commands, status bar) and the engine's, which
// is torn down and rebuilt when the engine is restarted or its watchers must change.
import * as path from "node:path";
import * as vscode from "vscode";
import type { AnswerResult } from "../shared/answer.js";
import type { EngineSettings, EngineStatus, ModelFailure } from "../shared/protocol.js";
import { FEEDBACK_FILE } from "../shared/defaults.js";
import { DocentAgents, type McpStdioServerDefinition } from "./agents.js";
import { affectsDocent, affectsWatcher, engineSettings } from "./config.js";
import { ChatViewProvider } from "./chatViewProvider.js";
import { Disposable } from "./disposable.js";
import { EngineClient } from "./engineClient.js";
import { ExplainContext, nameInEditor } from "./explainContext.js";
import { registerDefinitionHover } from "./hover.js";
import { explainQuestion } from "./metricName.js";
import { enableCuda } from "./cuda.js";
import { FailedDownloads, settingLabel, type FailedDownload } from "./modelFailures.js";
import { chooseModelFile, modelPickItems, selectModel, type ModelPickItem } from "./models.js";
import { showModelStatus, type ShownModelStatus } from "./modelStatus.js";
import { lastHighlight, openSource, registerHighlightReset, resolveLink, type LinkTarget } from "./openSource.js";
import { ServerApiKey } from "./serverKey.js";
import { StatusBar } from "./statusBar.js";

/** What the extension returns from activate(): used by the integration tests. */
export interface DocentApi {
  /** Resolves when the engine reports "ready" (index loaded or built). */
  whenReady(timeoutMs?: number): Promise<EngineStatus>;
  status(): EngineStatus | undefined;
  ask(question: string): Promise<AnswerResult | undefined>;
  /** Exports the dataset to a file without asking where (tests). */
  exportDataset(file: string, limit?: number): Promise<unknown>;
  /** The engine process id, for tests that kill it. */
  enginePid(): number | undefined;
  feedbackFile(): string;
  /** The status bar item's tooltip (Model Status lines included once the engine reported them). */
  statusBarTooltip(): string;
  /** Runs "Docent: Show Model Status" and returns what it showed. */
  showModelStatus(): Promise<ShownModelStatus | undefined>;
  /** Docent in the editor's AI features: what was registered, the MCP definitions, @docent's handler. */
  agents: {
    registered: { tools: string[]; mcpServerDefinitionProvider: boolean; chatParticipant: boolean };
    mcpServerDefinitions(): McpStdioServerDefinition[];
    chatHandler: vscode.ChatRequestHandler;
  };
  activationMs: number;
  /** The first-ten-minutes UX, for the integration tests. */
  ux: {
    /** Looks up the name in the active editor and returns the `docent.explainable` context key's value. */
    explainable(): Promise<{ value: boolean; name: string | undefined }>;
    modelPickItems(): ModelPickItem[];
    failedDownloads(): FailedDownload[];
    /** What Retry does in the failure notification. */
    retryModel(setting: ModelFailure["setting"]): Promise<void>;
    /** The settings the engine was last started with (failed downloads left out). */
    startedWith(): EngineSettings | undefined;
    restartEngine(): Promise<void>;
    lastHighlight(): { file: string; startLine: number; endLine: number } | undefined;
    /** What a click on a source in the chat does. */
    openSource(file: string, startLine: number, endLine: number): Promise<boolean>;
    /** Where a link in the chat leads (what a click would open), without opening it. */
    resolveLink(href: string, bases: string[]): LinkTarget;
  };
}

const WELCOMED_KEY = "docent.welcomed";

class DocentExtension extends Disposable {
  private engine?: EngineClient;
  private engineScope?: vscode.Disposable[];
  private readonly statusBar = this.register(new StatusBar());
  readonly chat: ChatViewProvider;
  readonly agents: DocentAgents;
  private readonly statusWaiters: ((s: EngineStatus) => void)[] = [];
  private indexingProgress?: { resolve: () => void; report: (done: number, total: number) => void };
  private reindexing = false;
  private readonly serverKey: ServerApiKey;
  private readonly failedDownloads: FailedDownloads;
  private readonly explain: ExplainContext;
  private startSettings?: EngineSettings;
  /** The model failure last shown (one notification per failure). */
  private shownFailure = "";
  private indexKey = "";

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.serverKey = this.register(new ServerApiKey(context.secrets));
    this.register(
      this.serverKey.onDidChange(
        (key) =>
          void this.engine?.request("setServerApiKey", { apiKey: key }).catch((err) => this.reportFailure("Passing the new server API key to the engine", err)),
      ),
    );
    this.chat = this.register(new ChatViewProvider(context, () => this.engine, log));
    this.register(vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, this.chat, { webviewOptions: { retainContextWhenHidden: true } }));
    this.register(registerDefinitionHover(() => this.engine));
    this.register(registerHighlightReset());
    this.failedDownloads = new FailedDownloads(context.globalState);
    this.explain = this.register(new ExplainContext(() => this.engine));
    this.agents = this.register(new DocentAgents({ context, log, engine: () => this.engine, roots: () => this.roots() }));
    this.registerCommands();
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
  private reportFailure(what: string, err: unknown, shown = `${what} failed: `): void {
    this.log.error(`${what} failed: ${(err as Error).stack ?? err}`);
    void vscode.window.showErrorMessage(`Docent: ${shown}${(err as Error).message}`, "Show Logs").then((a) => a && this.log.show());
  }

  get storageDir(): string {
    return (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
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
      extensionPath: this.context.extensionPath,
      roots,
      serverApiKey: () => this.serverKey.current,
      storageDir: this.storageDir,
      modelsDir: path.join(this.context.globalStorageUri.fsPath, "models"),
      gpuPackagesDir: this.context.globalStorageUri.fsPath,
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
    this.engine = engine;
    this.engineScope = scope;
    const t0 = Date.now();
    await engine.start();
    this.log.info(`Engine process started in ${Date.now() - t0} ms`);
    this.onStatus(await engine.refreshStatus());
  }

  /** The settings without the downloads that failed before; the user hears which were left out, once per start. */
  private settingsForStart(): EngineSettings {
    const { settings, skipped } = this.failedDownloads.apply(engineSettings());
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
    await this.failedDownloads.forget(setting);
    this.shownFailure = "";
    await this.restartEngine();
  }

  private onModelFailure(failure: ModelFailure | undefined): void {
    const key = failure ? JSON.stringify(failure) : "";
    if (!failure || key === this.shownFailure) return;
    this.shownFailure = key;
    void this.failedDownloads.record(failure);
    const what = settingLabel(failure.setting);
    const text = failure.download
      ? `Docent could not download the ${what} (${failure.ref}): ${failure.message}`
      : `Docent could not load the ${what} (${failure.ref}): ${failure.message}`;
    void this.offerModelFix(failure, text);
  }

  /** The first time a workspace's docs are indexed: say so, and offer to ask. */
  private welcome(status: EngineStatus): void {
    if (status.state !== "ready" || status.files === 0 || this.context.workspaceState.get<boolean>(WELCOMED_KEY)) return;
    void this.context.workspaceState.update(WELCOMED_KEY, true);
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
    this.engine = undefined;
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
      this.welcome(status);
      for (const w of this.statusWaiters.splice(0)) w(status);
    }
  }

  /** Model Status for the status bar tooltip, asked for whenever the engine reports "ready" (after each answer too). */
  private async refreshModelStatus(): Promise<void> {
    const engine = this.engine;
    const status = await engine?.request("modelStatus", undefined).catch((err: unknown) => {
      this.log.warn(`Model status not available: ${(err as Error).message}`);
      return null;
    });
    if (engine === this.engine) this.statusBar.showModelStatus(status ?? undefined);
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
          token.onCancellationRequested(() => void this.engine?.cancelIndexing());
        }).finally(() => (this.indexingProgress = undefined)),
    );
  }

  whenReady(timeoutMs = 120_000): Promise<EngineStatus> {
    const s = this.engine?.status;
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
      if (e.affectsConfiguration(`docent.${setting}`)) await this.failedDownloads.forget(setting);
    if (!this.engine) return;
    if (affectsWatcher(e)) {
      this.log.info("The docs globs changed: restarting the engine");
      await this.restartEngine();
    } else {
      await this.engine.request("configure", this.failedDownloads.apply(engineSettings()).settings);
    }
  }

  private registerCommands(): void {
    const command = (id: string, run: (...args: unknown[]) => unknown) =>
      this.register(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          try {
            return await run(...args);
          } catch (err) {
            this.reportFailure(id, err, "");
            return undefined;
          }
        }),
      );
    // Ask with a question asks it; without one it opens the chat with the keyboard in its question box.
    command("docent.ask", async (question?: unknown) => {
      if (typeof question === "string" && question.trim()) return this.chat.askFromCommand(question.trim());
      return this.chat.focus();
    });
    command("docent.focusChat", () => this.chat.focus());
    command("docent.explainMetric", async (name?: unknown) => {
      const metric = typeof name === "string" ? name : nameInEditor(vscode.window.activeTextEditor);
      if (!metric) {
        void vscode.window.showInformationMessage("Select a metric name, or put the cursor on one, to explain it.");
        return undefined;
      }
      return this.chat.askFromCommand(explainQuestion(metric));
    });
    command("docent.reindex", () => this.reindex());
    command("docent.selectModel", () => selectModel());
    command("docent.stopAnswer", () => this.chat.stop());
    command("docent.showLogs", () => this.log.show());
    command("docent.clearHistory", () => this.chat.clearHistory());
    command("docent.exportDataset", () => this.exportDataset());
    command("docent.showModelStatus", () => showModelStatus(this.engine));
    command("docent.enableCuda", (opts?: unknown) => enableCuda(this.engine, () => this.restartEngine(), (opts as { confirm?: boolean }) ?? {}));
    command("docent.setServerApiKey", async (key?: unknown) => {
      // A key passed as an argument (tests, other extensions) is stored without asking.
      if (typeof key === "string") await this.serverKey.set(key);
      else if (!(await this.serverKey.prompt())) return;
      await this.engine?.request("setServerApiKey", { apiKey: this.serverKey.current });
    });
  }

  private async reindex(): Promise<unknown> {
    const engine = this.engine;
    if (!engine) {
      void vscode.window.showWarningMessage("Docent has no workspace folder to index.");
      return undefined;
    }
    this.reindexing = true;
    const result = await Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Docent: reindexing the workspace docs", cancellable: true },
        (_p, token) => engine.request("reindex", undefined, token),
      ),
    ).finally(() => (this.reindexing = false));
    const skipped = result.skipped.length ? `, ${result.skipped.length} skipped (see logs)` : "";
    const what = result.cancelled ? "Reindex cancelled" : "Reindexed";
    void vscode.window.showInformationMessage(
      `Docent: ${what}: ${result.files} files, ${result.sections} sections in ${(result.ms / 1000).toFixed(1)} s${skipped}.`,
    );
    return result;
  }

  /** Writes fine-tuning data from the docs with the loaded model, with cancellable progress. */
  private async exportDataset(target?: vscode.Uri, limit?: number): Promise<unknown> {
    const engine = this.engine;
    if (!engine) throw new Error("Docent has no workspace folder to take the docs from");
    if (!engine.status.model) {
      const pick = await vscode.window.showWarningMessage(
        "Exporting a fine-tuning dataset needs a chat model to write the questions and answers.",
        "Select Model",
      );
      if (pick) await vscode.commands.executeCommand("docent.selectModel");
      return undefined;
    }
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: "Export Fine-Tuning Dataset",
        defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, "docent-dataset.jsonl"),
        filters: { "JSON Lines": ["jsonl"] },
      }));
    if (!uri) return undefined;
    let cancelled = false;
    const summary = await Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Docent: writing the fine-tuning dataset", cancellable: true },
        (progress, token) => {
          let last = 0;
          token.onCancellationRequested(() => (cancelled = true));
          return engine.requestWithProgress(
            "exportDataset",
            { out: uri.fsPath, perSection: 3, distractors: 3, seed: 1, limit },
            token,
            "datasetProgress",
            (p) => {
              const pct = (100 * p.done) / Math.max(1, p.total);
              progress.report({ increment: pct - last, message: `${p.done} of ${p.total} sections, ${p.records} records` });
              last = pct;
            },
          );
        },
      ),
    ).catch((err: unknown) => {
      if (!cancelled) throw err;
      void vscode.window.showInformationMessage("Docent: the dataset export stopped; what was written is kept, and running it again resumes.");
      return undefined;
    });
    if (!summary) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(summary.trainFile));
    await vscode.window.showTextDocument(doc, { preview: false });
    void vscode.window.showInformationMessage(
      `Docent: ${summary.records.train} training and ${summary.records.validation} validation records from ${summary.sections.covered} sections (validation: ${path.basename(summary.validationFile)}). Running it again resumes.`,
    );
    return summary;
  }

  api(activationMs: number): DocentApi {
    return {
      whenReady: (t) => this.whenReady(t),
      status: () => this.engine?.status,
      ask: (q) => this.chat.askFromCommand(q),
      exportDataset: (file, limit) => this.exportDataset(vscode.Uri.file(file), limit),
      enginePid: () => this.engine?.status.pid,
      feedbackFile: () => path.join(this.storageDir, FEEDBACK_FILE),
      statusBarTooltip: () => this.statusBar.tooltip,
      showModelStatus: () => showModelStatus(this.engine),
      agents: {
        registered: this.agents.registered,
        mcpServerDefinitions: () => this.agents.mcpServerDefinitions(),
        chatHandler: this.agents.chatHandler,
      },
      activationMs,
      ux: {
        explainable: async () => ({ value: await this.explain.update(), name: this.explain.name }),
        modelPickItems: () => modelPickItems(),
        failedDownloads: () => this.failedDownloads.list(),
        retryModel: (setting) => this.retryModel(setting),
        startedWith: () => this.startSettings,
        restartEngine: () => this.restartEngine(),
        lastHighlight: () => lastHighlight,
        openSource: (file, start, end) => openSource(file, start, end, this.log),
        resolveLink: (href, bases) => resolveLink(href, bases),
      },
    };
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
  return docent.api(activationMs);
}

export function deactivate(): void {
  // Disposables registered on the context stop the engine.
}
