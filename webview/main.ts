// The chat view's browser side: builds the page, talks to the host only through postMessage, and
// shows nothing from the host before `init` has arrived.
import type { EngineStatus } from "../src/shared/protocol.js";
import { MAX_QUESTION_CHARS, type ChatTurn, type HostToWebview } from "../src/shared/webviewMessages.js";
import { createButton, createProgressRing, createTextArea, registerComponents, setDisabled } from "./components.js";
import { append, h, plural, setChildren } from "./dom.js";
import { Icons } from "./icons.js";
import { TurnView, type TurnHost } from "./turnView.js";
import { loadDraft, post, saveDraft } from "./vscodeApi.js";

class ChatView {
  private readonly statusText = h("span", { class: "status-text" });
  private readonly statusDetail = h("span", { class: "status-detail" });
  private readonly statusRing = createProgressRing();
  private readonly statusActions = h("span", { class: "status-actions" });
  private readonly banner = h("div", { class: "banner", role: "alert", hidden: true });
  private readonly hint = h("span", { class: "hint", "aria-hidden": "true" }, "Enter to send, Shift+Enter for a new line");
  private readonly clearButton = createButton({ label: "Clear history", icon: Icons.clear(), onClick: () => post({ type: "clearHistory" }) });
  private readonly log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: 0 });
  private readonly empty = h("section", { class: "empty", "aria-label": "About Docent", hidden: true });
  private readonly input = createTextArea({
    label: "Question about the docs",
    placeholder: "Ask a question about the docs",
    rows: 3,
    maxLength: MAX_QUESTION_CHARS,
    className: "question-input",
  });
  private readonly sendButton = createButton({ label: "Send (Enter)", text: "Send", icon: Icons.send(), appearance: "primary", onClick: () => this.send() });
  private readonly stopButton = createButton({
    label: "Stop answering",
    text: "Stop",
    icon: Icons.stop(),
    appearance: "secondary",
    onClick: () => post({ type: "stop" }),
  });

  private readonly turns = new Map<string, TurnView>();
  private initialized = false;
  private hasModel = true;
  /** The hasModel value the empty state was built for (rebuilt only when it changes). */
  private emptyRenderedFor: boolean | undefined;
  private statusKey = "";

  private readonly turnHost: TurnHost = {
    post,
    update: (change) => this.keepingScroll(change),
  };

  mount(root: HTMLElement): void {
    this.statusRing.hidden = true;
    this.stopButton.hidden = true;
    this.statusText.textContent = "Starting…";
    this.input.value = loadDraft();
    this.input.addEventListener("input", () => {
      saveDraft(this.input.value);
      this.updateComposer();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });

    root.replaceChildren(
      h(
        "header",
        { class: "status-bar" },
        h(
          "div",
          { class: "status", role: "status", "aria-live": "polite", "aria-label": "Engine status" },
          this.statusRing,
          this.statusText,
          this.statusDetail,
        ),
        this.statusActions,
        h("div", { class: "toolbar", role: "group", "aria-label": "Chat actions" }, this.clearButton),
      ),
      this.banner,
      h("main", { class: "conversation" }, this.empty, this.log),
      h(
        "section",
        { class: "composer", "aria-label": "Ask Docent" },
        this.input,
        h("div", { class: "composer-row" }, this.hint, this.stopButton, this.sendButton),
      ),
    );
    this.updateComposer();
    window.addEventListener("message", (event: MessageEvent<unknown>) => this.receive(event.data));
    post({ type: "ready" });
  }

  private receive(data: unknown): void {
    if (typeof data !== "object" || data === null || typeof (data as { type?: unknown }).type !== "string") return;
    const message = data as HostToWebview;
    // Before init nothing the host sends is shown; focusing the input shows nothing, so it may come early.
    if (!this.initialized && message.type !== "init" && message.type !== "focusInput") return;
    // A message that cannot be shown is logged and dropped: the input, Stop and Clear keep working.
    try {
      this.apply(message);
    } catch (err) {
      console.error(`Docent: the view could not show a "${message.type}" message`, err);
    } finally {
      this.updateComposer();
      this.updateEmptyState();
    }
  }

  private apply(message: HostToWebview): void {
    switch (message.type) {
      case "init":
        this.init(message.turns, message.status, message.hasModel);
        break;
      case "status":
        this.showStatus(message.status, message.hasModel);
        break;
      case "turnStarted": {
        const view = TurnView.fromTurn(message.turn, this.turnHost);
        this.turns.get(view.id)?.element.remove();
        this.turns.set(view.id, view);
        this.keepingScroll(() => this.log.append(view.element), true);
        break;
      }
      case "event":
        this.turns.get(message.id)?.applyEvent(message.event);
        break;
      case "turnDone":
        this.turns.get(message.id)?.finish(message.result);
        break;
      case "turnError":
        this.turns.get(message.id)?.fail(message.message);
        break;
      case "feedbackSaved":
        this.turns.get(message.id)?.feedbackSaved(message.rating);
        break;
      case "historyCleared":
        this.turns.clear();
        this.log.replaceChildren();
        break;
      case "focusInput":
        this.input.focus();
        break;
    }
  }

  /** Shows the history and the status. Each turn is shown on its own: a bad one is skipped, never the rest. */
  private init(turns: ChatTurn[], status: EngineStatus, hasModel: boolean): void {
    this.initialized = true;
    this.turns.clear();
    const views: TurnView[] = [];
    for (const turn of Array.isArray(turns) ? turns : []) {
      try {
        const view = TurnView.fromTurn(turn, this.turnHost);
        this.turns.get(view.id)?.element.remove();
        this.turns.set(view.id, view);
        views.push(view);
      } catch (err) {
        console.error("Docent: a turn from history could not be shown", err);
      }
    }
    setChildren(
      this.log,
      views.filter((v) => this.turns.get(v.id) === v).map((v) => v.element),
    );
    try {
      this.showStatus(status, hasModel);
    } catch (err) {
      console.error("Docent: the engine status could not be shown", err);
      this.statusText.textContent = "Status unavailable";
    }
    this.log.scrollTop = this.log.scrollHeight;
  }

  private showStatus(status: EngineStatus, hasModel: boolean): void {
    this.hasModel = hasModel;
    const { text, detail, busy } = describeStatus(status, hasModel);
    this.statusText.textContent = text;
    this.statusDetail.textContent = detail;
    this.statusRing.hidden = !busy;
    this.statusText.classList.toggle("error", status.state === "error");
    this.statusText.title = text;
    this.statusDetail.title = detail.replace(/^ · /, "");

    // Status arrives often while indexing: rebuild the controls only when they change, so focus stays.
    const key = JSON.stringify([status.state === "error" ? (status.message ?? "") : null, status.warnings, hasModel]);
    if (key === this.statusKey) return this.updateEmptyState();
    this.statusKey = key;

    // An engine error gets a banner with the whole message; the status line stays one line.
    this.banner.hidden = status.state !== "error";
    this.banner.replaceChildren();
    if (status.state === "error") {
      this.banner.append(
        Icons.error(),
        h("span", { class: "banner-message" }, status.message ?? "The engine stopped with an error."),
        createButton({ label: "Show logs", text: "Show logs", appearance: "secondary", className: "small", onClick: () => post({ type: "showLogs" }) }),
      );
    }

    const actions: HTMLElement[] = [];
    if (status.warnings.length > 0) {
      actions.push(
        linkButton(
          h("span", { class: "warnings" }, Icons.warning(), String(status.warnings.length)),
          `${plural(status.warnings.length, "warning")}: show logs`,
          () => post({ type: "showLogs" }),
          status.warnings.join("\n"),
        ),
      );
    }
    if (!hasModel && status.state !== "error") actions.push(linkButton("Select model", "Select a chat model", () => post({ type: "selectModel" })));
    setChildren(this.statusActions, actions);
    this.updateEmptyState();
  }

  private updateEmptyState(): void {
    const show = this.initialized && this.turns.size === 0;
    this.empty.hidden = !show;
    this.log.hidden = show;
    setDisabled(this.clearButton, this.turns.size === 0 || this.running());
    if (!show || this.emptyRenderedFor === this.hasModel) return;
    this.emptyRenderedFor = this.hasModel;
    const noModel = this.hasModel
      ? null
      : h(
          "div",
          { class: "empty-model" },
          h("p", {}, "No chat model is selected yet, so Docent answers with the best-matching sections of the docs until you select one."),
          createButton({ label: "Select model", text: "Select model", appearance: "primary", onClick: () => post({ type: "selectModel" }) }),
        );
    this.empty.replaceChildren();
    append(
      this.empty,
      h("div", { class: "empty-icon" }, Icons.docent()),
      h("h2", {}, "Ask your docs"),
      h(
        "p",
        {},
        "Docent answers questions from this workspace's documentation with a local model. Every claim cites the docs it comes from, and each citation opens the section.",
      ),
      noModel,
    );
  }

  private running(): boolean {
    for (const view of this.turns.values()) if (view.isRunning) return true;
    return false;
  }

  private updateComposer(): void {
    const running = this.running();
    this.stopButton.hidden = !running;
    this.hint.hidden = running;
    setDisabled(this.sendButton, !this.initialized || running || this.input.value.trim().length === 0);
    setDisabled(this.clearButton, this.turns.size === 0 || running);
  }

  private send(): void {
    const question = this.input.value.trim();
    if (!this.initialized || !question || this.running()) return;
    post({ type: "ask", question: question.slice(0, MAX_QUESTION_CHARS) });
    this.input.value = "";
    saveDraft("");
    this.updateComposer();
  }

  /** Applies a change; if the conversation was scrolled to its end (or `force`), it stays there. */
  private keepingScroll(change: () => void, force = false): void {
    const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    change();
    if (atEnd || force) this.log.scrollTop = this.log.scrollHeight;
  }
}

function describeStatus(s: EngineStatus, hasModel: boolean): { text: string; detail: string; busy: boolean } {
  const percent = s.progress !== undefined ? ` ${Math.round(s.progress * 100)}%` : "";
  switch (s.state) {
    case "starting":
      return { text: "Starting…", detail: "", busy: true };
    case "indexing":
      return { text: s.files > 0 ? `Indexing ${plural(s.files, "file")}…${percent}` : `Indexing the docs…${percent}`, detail: "", busy: true };
    case "loading-model":
      return { text: `Loading ${s.model ?? "the model"}…`, detail: "", busy: true };
    case "downloading-model":
      return { text: `Downloading ${s.model ?? "the model"}…${percent}`, detail: "", busy: true };
    case "ready": {
      const model = hasModel ? [s.model, s.device].filter(Boolean).join(" · ") : "no model";
      return { text: `Ready: ${plural(s.files, "file")}, ${plural(s.sections, "section")}`, detail: model ? ` · ${model}` : "", busy: false };
    }
    case "error":
      return { text: "Error", detail: s.files > 0 ? ` · ${plural(s.files, "file")}, ${plural(s.sections, "section")}` : "", busy: false };
  }
}

/** A text action inside the status line: a native button that looks like a link. */
function linkButton(content: string | HTMLElement, label: string, onClick: () => void, title = label): HTMLButtonElement {
  const button = h("button", { type: "button", class: "link-button", "aria-label": label, title }, content);
  button.addEventListener("click", onClick);
  return button;
}

registerComponents();
new ChatView().mount(document.getElementById("root") ?? document.body);
