// The sidebar chat: owns the conversation (kept per workspace), relays questions to the engine,
// streams its events to the webview, and acts on the webview's messages after validating them.
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { AnswerResult } from "../../shared/answer.js";
import { expandedForm } from "../../shared/explainQuestion.js";
import type { EngineStatus } from "../../shared/protocol.js";
import { parseSavedHistory, parseWebviewMessage, type ChatTurn, type HostToWebview } from "../../shared/webviewMessages.js";
import { chatHtml } from "./chatHtml.js";
import { Disposable } from "../disposable.js";
import type { EngineClient } from "../engineClient.js";
import { openLink, openSource } from "./openSource.js";
import { TableDocuments } from "./tableDocument.js";

const HISTORY_KEY = "docent.chatHistory";
const HISTORY_LIMIT = 50;

export class ChatViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = "docent.chat";
  private view?: vscode.WebviewView;
  private ready = false;
  private queued: HostToWebview[] = [];
  private turns: ChatTurn[];
  /** The running turn: its Stop, and the files its streamed sources and best lines name (openable before it ends). */
  private current?: { id: string; cancel: vscode.CancellationTokenSource; files: Set<string> };
  /** Focus the question box as soon as the view is ready (a command asked before it was). */
  private focusPending = false;
  /** The index (files, sections) the example questions were built from. */
  private examplesFor = "";
  /** Tables opened in editor tabs ("Open table" on a wide table). */
  private readonly tables: TableDocuments;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: () => EngineClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.turns = parseSavedHistory(context.workspaceState.get<unknown>(HISTORY_KEY, []));
    this.tables = this.register(new TableDocuments());
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
    if (status.state === "ready") void this.refreshExamples(status);
  }

  /** Example questions for the empty state, fetched again only when the index changed. */
  private async refreshExamples(status: EngineStatus | undefined = this.engine()?.status, force = false): Promise<void> {
    const engine = this.engine();
    if (!engine || !status || status.state !== "ready" || !this.view || !this.ready) return;
    const key = `${status.files}/${status.sections}`;
    if (key === this.examplesFor && !force) return;
    this.examplesFor = key;
    const examples = await engine.request("exampleQuestions", { count: 3 }).catch((err: unknown) => {
      this.log.warn(`Example questions unavailable: ${(err as Error).message}`);
      return [];
    });
    this.post({ type: "examples", questions: examples.map((e) => e.question) });
  }

  /** Opens the view, puts the keyboard in its question box and asks; used by the Ask and Explain commands. */
  async askFromCommand(question: string): Promise<AnswerResult | undefined> {
    await this.focus();
    return this.ask(question);
  }

  /** Opens and focuses the chat view with the keyboard in its question box. */
  async focus(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    this.focusInput();
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
    const files = new Set<string>();
    this.current = { id: turn.id, cancel, files };
    void vscode.commands.executeCommand("setContext", "docent.answering", true);
    const sub = engine.onAskEvent((e) => {
      if (e.id !== turn.id) return;
      if (e.event.type === "sources") for (const s of e.event.sources) files.add(s.file);
      if (e.event.type === "reading") for (const s of e.event.bestLines?.sources ?? []) files.add(s.file);
      this.post({ type: "event", id: turn.id, event: e.event });
    });
    try {
      const result = await engine.request("ask", { id: turn.id, question, ...(previous ? { previous } : {}) }, cancel.token);
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

  /**
   * Stops the running answer by cancelling its request (`$/cancelRequest`, which the engine process
   * turns into an AbortSignal): the engine answers with what was written so far, shown as stopped;
   * an answer that fails once stopped reads "Stopped.".
   */
  stop(): void {
    const current = this.current;
    if (!current || current.cancel.token.isCancellationRequested) return;
    current.cancel.cancel();
    this.post({ type: "stopping", id: current.id });
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
        if (this.focusPending) this.focusInput();
        this.examplesFor = "";
        void this.refreshExamples();
        break;
      }
      case "ask":
        // "Explain `name`" (the short form Up recalls) asks the whole Explain question.
        await this.ask(expandedForm(message.question));
        break;
      case "stop":
        this.stop();
        break;
      case "openSource":
        // Only a file that some answer in this conversation cited, and only inside the workspace.
        if (!this.cites(message.file)) {
          this.log.warn(`Refused to open ${message.file}: no answer cited it`);
          break;
        }
        await openSource(message.file, message.startLine, message.endLine, this.log);
        break;
      case "openLink":
        await openLink(message.href, this.linkBases(message.turnId, message.n), this.log);
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
      case "openTable":
        await this.tables.open(message.markdown);
        break;
    }
  }

  /** Whether a turn of this conversation showed `file` as a source or among its best lines (the running turn too). */
  private cites(file: string): boolean {
    if (this.current?.files.has(file)) return true;
    return this.turns.some((t) => t.result?.sources.some((s) => s.file === file) || t.result?.bestLines?.sources.some((s) => s.file === file));
  }

  private async feedback(id: string, rating: "up" | "down", comment?: string, correction?: string): Promise<void> {
    const turn = this.turns.find((t) => t.id === id);
    const engine = this.engine();
    if (!turn?.result || !engine) return;
    try {
      await engine.request("feedback", { id, rating, comment, correction, result: turn.result });
      turn.rating = rating;
      await this.saveHistory();
      this.post({ type: "feedbackSaved", id, rating });
    } catch (err) {
      this.log.error(`Saving feedback failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Docent could not save your feedback: ${(err as Error).message}`, "Show Logs").then((a) => a && this.log.show());
    }
  }

  /**
   * The files a relative link may be relative to: the source whose excerpt holds it, then the
   * turn's other sources (an answer's links come from its sources). Only files an answer cited.
   */
  private linkBases(turnId: string | undefined, n: number | undefined): string[] {
    const turn = this.turns.find((t) => t.id === turnId) ?? this.turns.at(-1);
    const sources = turn?.result?.sources ?? [];
    const first = sources.filter((s) => s.n === n);
    return [...new Set([...first, ...sources, ...(turn?.result?.bestLines?.sources ?? [])].map((s) => s.file))];
  }

  /** Puts the keyboard in the question box (when the view is shown; else as soon as it is ready). */
  focusInput(): void {
    if (this.view && this.ready) {
      this.focusPending = false;
      void this.view.webview.postMessage({ type: "focusInput" } satisfies HostToWebview);
    } else this.focusPending = true;
  }
}
