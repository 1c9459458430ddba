// Docent's extension entry point. `activate` builds one DocentExtension; everything hangs off it.
// Two disposal scopes: the extension's own (view, commands, status bar) and the engine's, which
// is torn down and rebuilt when the engine is restarted or its watchers must change.
import * as path from "node:path";
import * as vscode from "vscode";
import type { AnswerResult } from "../shared/answer.js";
import type { EngineStatus } from "../shared/protocol.js";
import { FEEDBACK_FILE } from "../shared/defaults.js";
import { DocentAgents, type McpStdioServerDefinition } from "./agents.js";
import { affectsDocent, affectsWatcher, engineSettings } from "./config.js";
import { ChatViewProvider } from "./chatViewProvider.js";
import { Disposable } from "./disposable.js";
import { EngineClient } from "./engineClient.js";
import { registerDefinitionHover } from "./hover.js";
import { cleanSelection, explainQuestion, nameUnderCursor } from "./metricName.js";
import { selectModel } from "./models.js";
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
  /** Docent in the editor's AI features: what was registered, the MCP definitions, @docent's handler. */
  agents: {
    registered: { tools: string[]; mcpServerDefinitionProvider: boolean; chatParticipant: boolean };
    mcpServerDefinitions(): McpStdioServerDefinition[];
    chatHandler: vscode.ChatRequestHandler;
  };
  activationMs: number;
}

class DocentExtension extends Disposable {
  private engine?: EngineClient;
  private engineScope?: vscode.Disposable[];
  private readonly statusBar = this.register(new StatusBar());
  readonly chat: ChatViewProvider;
  readonly agents: DocentAgents;
  private readonly statusWaiters: ((s: EngineStatus) => void)[] = [];
  private indexingProgress?: { resolve: () => void };
  private reindexing = false;
  private readonly serverKey: ServerApiKey;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.serverKey = this.register(new ServerApiKey(context.secrets));
    this.register(
      this.serverKey.onDidChange(
        (key) => void this.engine?.setServerApiKey(key).catch((err) => this.reportFailure("Passing the new server API key to the engine", err)),
      ),
    );
    this.chat = this.register(new ChatViewProvider(context, () => this.engine, log));
    this.register(vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, this.chat, { webviewOptions: { retainContextWhenHidden: true } }));
    this.register(registerDefinitionHover(() => this.engine));
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
      settings: engineSettings,
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
    this.chat.statusChanged(status);
    // Reindex shows its own progress; any other indexing (start-up, settings) gets this one.
    if (status.state === "indexing" && !this.reindexing) this.showIndexingProgress();
    else this.indexingProgress?.resolve();
    if (status.state === "ready") for (const w of this.statusWaiters.splice(0)) w(status);
  }

  /** Indexing shows a cancellable notification; Cancel keeps what was indexed so far. */
  private showIndexingProgress(): void {
    if (this.indexingProgress) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Docent: indexing the workspace docs", cancellable: true },
      (_progress, token) =>
        new Promise<void>((resolve) => {
          this.indexingProgress = { resolve };
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
    if (!affectsDocent(e) || !this.engine) return;
    if (affectsWatcher(e)) {
      this.log.info("The docs globs changed: restarting the engine");
      await this.restartEngine();
    } else {
      await this.engine.configure(engineSettings());
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
    command("docent.ask", async (question?: unknown) => {
      const q =
        typeof question === "string" ? question : await vscode.window.showInputBox({ title: "Ask Docent", prompt: "A question about this workspace's docs" });
      if (q?.trim()) return this.chat.askFromCommand(q.trim());
      return undefined;
    });
    command("docent.explainMetric", async (name?: unknown) => {
      const metric = typeof name === "string" ? name : this.nameFromEditor();
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
    command("docent.setServerApiKey", async (key?: unknown) => {
      // A key passed as an argument (tests, other extensions) is stored without asking.
      if (typeof key === "string") await this.serverKey.set(key);
      else if (!(await this.serverKey.prompt())) return;
      await this.engine?.setServerApiKey(this.serverKey.current);
    });
  }

  private nameFromEditor(): string | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    if (!editor.selection.isEmpty) return cleanSelection(editor.document.getText(editor.selection)) || undefined;
    const pos = editor.selection.active;
    return nameUnderCursor(editor.document.lineAt(pos.line).text, pos.character);
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
        (_p, token) => engine.reindex(token),
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
          return engine.exportDataset({ out: uri.fsPath, perSection: 3, distractors: 3, seed: 1, limit }, token, (p) => {
            const pct = (100 * p.done) / Math.max(1, p.total);
            progress.report({ increment: pct - last, message: `${p.done} of ${p.total} sections, ${p.records} records` });
            last = pct;
          });
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
      agents: {
        registered: this.agents.registered,
        mcpServerDefinitions: () => this.agents.mcpServerDefinitions(),
        chatHandler: this.agents.chatHandler,
      },
      activationMs,
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
