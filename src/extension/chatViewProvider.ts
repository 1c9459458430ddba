// The sidebar chat: owns the conversation (kept per workspace), relays questions to the engine,
// streams its events to the webview, and acts on the webview's messages after validating them.
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { AnswerResult } from "../shared/answer.js";
import type { EngineStatus } from "../shared/protocol.js";
import { relativeInside } from "../shared/paths.js";
import { parseSavedHistory, parseWebviewMessage, type ChatTurn, type HostToWebview } from "../shared/webviewMessages.js";
import { chatHtml } from "./chatHtml.js";
import { Disposable } from "./disposable.js";
import type { EngineClient } from "./engineClient.js";

const HISTORY_KEY = "docent.chatHistory";
const HISTORY_LIMIT = 50;

export class ChatViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = "docent.chat";
  private view?: vscode.WebviewView;
  private ready = false;
  private queued: HostToWebview[] = [];
  private turns: ChatTurn[];
  private current?: { id: string; cancel: vscode.CancellationTokenSource };

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: () => EngineClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.turns = parseSavedHistory(context.workspaceState.get<unknown>(HISTORY_KEY, []));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, "media")] };
    view.webview.html = chatHtml(view.webview, this.context.extensionUri);
    this.register(view.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)));
    // Showing the view puts the keyboard in its question box.
    this.register(view.onDidChangeVisibility(() => view.visible && this.focusInput()));
    this.register(
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  private post(message: HostToWebview): void {
    if (this.view && this.ready) void this.view.webview.postMessage(message);
    // Until the view is ready only a running turn's events are kept: `init` carries the rest.
    else if (message.type === "event") this.queued.push(message);
  }

  statusChanged(status: EngineStatus): void {
    this.post({ type: "status", status, hasModel: Boolean(status.model) });
  }

  /** Opens the view and asks; used by the Ask and Explain commands. */
  async askFromCommand(question: string): Promise<AnswerResult | undefined> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    return this.ask(question);
  }

  async ask(question: string): Promise<AnswerResult | undefined> {
    const engine = this.engine();
    if (!engine) {
      void vscode.window.showErrorMessage("Docent's engine is not running.", "Show Logs").then((a) => a && this.log.show());
      return undefined;
    }
    this.stop();
    // A follow-up ("and its unit?") is answered about what the turn before was about.
    const before = this.turns.at(-1);
    const previous = before?.result ? { question: before.question, terms: before.result.cards?.map((c) => c.term) ?? [] } : undefined;
    const turn: ChatTurn = { id: randomUUID(), question };
    this.turns.push(turn);
    this.post({ type: "turnStarted", turn });
    const cancel = new vscode.CancellationTokenSource();
    this.current = { id: turn.id, cancel };
    void vscode.commands.executeCommand("setContext", "docent.answering", true);
    const sub = engine.onAskEvent((e) => {
      if (e.id === turn.id) this.post({ type: "event", id: turn.id, event: e.event });
    });
    try {
      const result = await engine.ask({ id: turn.id, question, ...(previous ? { previous } : {}) }, cancel.token);
      turn.result = result;
      this.post({ type: "turnDone", id: turn.id, result });
      return result;
    } catch (err) {
      const message = cancel.token.isCancellationRequested ? "Stopped." : (err as Error).message;
      turn.error = message;
      this.log.error(`Ask failed: ${message}`);
      this.post({ type: "turnError", id: turn.id, message });
      return undefined;
    } finally {
      sub.dispose();
      cancel.dispose();
      if (this.current?.id === turn.id) {
        this.current = undefined;
        void vscode.commands.executeCommand("setContext", "docent.answering", false);
      }
      await this.saveHistory();
    }
  }

  /** Stops the running answer: the engine keeps what was written so far. */
  stop(): void {
    if (!this.current) return;
    void this.engine()?.cancel(this.current.id);
  }

  async clearHistory(): Promise<void> {
    this.turns = [];
    await this.saveHistory();
    this.post({ type: "historyCleared" });
  }

  private async saveHistory(): Promise<void> {
    this.turns = this.turns.slice(-HISTORY_LIMIT);
    await this.context.workspaceState.update(HISTORY_KEY, this.turns);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn(`Ignored a malformed message from the chat view: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case "ready": {
        this.ready = true;
        const status = this.engine()?.status ?? { state: "starting", files: 0, sections: 0, warnings: [] };
        void this.view?.webview.postMessage({ type: "init", turns: this.turns, status, hasModel: Boolean(status.model) } satisfies HostToWebview);
        // `init` holds the turns and the latest status; the queue holds the streamed events of a
        // turn still running.
        for (const m of this.queued.splice(0)) void this.view?.webview.postMessage(m);
        break;
      }
      case "ask":
        await this.ask(message.question);
        break;
      case "stop":
        this.stop();
        break;
      case "openSource":
        // Only a file that some answer in this conversation cited, and only inside the workspace.
        if (!this.turns.some((t) => t.result?.sources.some((s) => s.file === message.file))) {
          this.log.warn(`Refused to open ${message.file}: no answer cited it`);
          break;
        }
        await openSource(message.file, message.startLine, message.endLine, this.log);
        break;
      case "feedback":
        await this.feedback(message.id, message.rating, message.comment, message.correction);
        break;
      case "copy": {
        const turn = this.turns.find((t) => t.id === message.id);
        if (turn?.result) await vscode.env.clipboard.writeText(turn.result.answer);
        break;
      }
      case "clearHistory":
        await this.clearHistory();
        break;
      case "showLogs":
        this.log.show();
        break;
      case "selectModel":
        await vscode.commands.executeCommand("docent.selectModel");
        break;
    }
  }

  private async feedback(id: string, rating: "up" | "down", comment?: string, correction?: string): Promise<void> {
    const turn = this.turns.find((t) => t.id === id);
    const engine = this.engine();
    if (!turn?.result || !engine) return;
    try {
      await engine.feedback({ id, rating, comment, correction, result: turn.result });
      turn.rating = rating;
      await this.saveHistory();
      this.post({ type: "feedbackSaved", id, rating });
    } catch (err) {
      this.log.error(`Saving feedback failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Docent could not save your feedback: ${(err as Error).message}`, "Show Logs").then((a) => a && this.log.show());
    }
  }

  /** Puts the keyboard in the question box (when the view is shown). */
  focusInput(): void {
    this.post({ type: "focusInput" });
  }
}

/** Opens a cited file at its lines, only if it lies inside a workspace folder. */
export async function openSource(file: string, startLine: number, endLine: number, log: vscode.LogOutputChannel): Promise<boolean> {
  const uri = vscode.Uri.file(file);
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder || relativeInside(folder.uri.fsPath, uri.fsPath) === undefined) {
    log.warn(`Refused to open ${file}: it is outside the workspace`);
    void vscode.window.showWarningMessage(`Docent only opens files inside the workspace (${file}).`);
    return false;
  }
  // The cited lines are selected with the cursor on the first one, so the editor shows it first.
  const editor = await vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.One });
  const start = editor.document.validatePosition(new vscode.Position(startLine - 1, 0));
  const end = editor.document.validatePosition(new vscode.Position(Math.max(startLine - 1, endLine - 1), Number.MAX_SAFE_INTEGER));
  editor.selection = new vscode.Selection(end, start);
  editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.AtTop);
  return true;
}
