// The chat view's browser side: builds the page, talks to the host only through postMessage, and
// shows nothing from the host before `init` has arrived.
import type { EngineStatus } from "../src/shared/protocol.js";
import { recalledForm } from "../src/shared/explainQuestion.js";
import { MAX_QUESTION_CHARS, type ChatTurn, type HostToWebview } from "../src/shared/webviewMessages.js";
import { createButton, createProgressRing, createTextArea, registerComponents, setDisabled } from "./components.js";
import { QuestionRecall } from "./questionRecall.js";
import { append, h, plural, setChildren } from "./dom.js";
import { Icons } from "./icons.js";
import { TurnView } from "./turnView.js";
import type { TurnHost } from "./turnHost.js";
import { loadDraft, post, saveDraft } from "./vscodeApi.js";
import { WideTables } from "./wideTables.js";

class ChatView {
  private readonly statusText = h("span", { class: "status-text" });
  private readonly statusDetail = h("span", { class: "status-detail" });
  private readonly statusRing = createProgressRing();
  private readonly statusActions = h("span", { class: "status-actions" });
  private readonly banner = h("div", { class: "banner", role: "alert", hidden: true });
  private readonly hint = h("span", { class: "hint", "aria-hidden": "true" }, "Enter to send, Shift+Enter for a new line, Up for the last question");
  private readonly header = h("header", { class: "status-bar" });
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
  private readonly wideTables = new WideTables((markdown) => post({ type: "openTable", markdown }));
  private readonly recall = new QuestionRecall();
  /** Example questions for the empty state (from the names the docs define). */
  private examples: string[] = [];
  private initialized = false;
  private hasModel = true;
  /** The hasModel value the empty state was built for (rebuilt only when it changes). */
  private emptyRenderedFor: boolean | undefined;
  private statusKey = "";

  // A turn's updates never scroll: a new question is pinned to the top of the view (see pinTurn),
  // and its answer grows below it, to be read from its start.
  private readonly turnHost: TurnHost = {
    post,
    update: (change) => change(),
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
      } else if ((event.key === "ArrowUp" || event.key === "ArrowDown") && !event.shiftKey && !event.altKey && !event.isComposing) {
        // Up recalls the questions asked, newest first, while the box is empty or shows a recalled one.
        const recalled = this.recall.step(event.key === "ArrowUp" ? -1 : 1, this.input.value);
        if (recalled === undefined) return;
        event.preventDefault();
        this.input.value = recalled;
        saveDraft(recalled);
        this.updateComposer();
      }
    });
    // Focusing the view (its title, a keybinding, a command) puts the keyboard in the question box,
    // unless something inside the view already has it.
    window.addEventListener("focus", () => {
      if (document.activeElement === document.body || document.activeElement === null) this.input.focus();
    });
    // Links in answers and excerpts: handled before the turn's own handlers (a link inside a
    // source opens the link, not the source).
    this.log.addEventListener("click", (event) => this.onLinkActivated(event), true);
    this.log.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") this.onLinkActivated(event);
    });
    // The newest turn keeps at least the view's height, so it can be scrolled to the top.
    new ResizeObserver(() => this.sizeLatestTurn()).observe(this.log);
    // Tables as they are rendered (streamed answers render in animation frames): a wide one gets "Open table".
    let tablesPending = false;
    new MutationObserver(() => {
      if (tablesPending) return;
      tablesPending = true;
      requestAnimationFrame(() => {
        tablesPending = false;
        this.wideTables.watch(this.log);
      });
    }).observe(this.log, { childList: true, subtree: true });

    this.header.append(
      h("div", { class: "status", role: "status", "aria-live": "polite", "aria-label": "Engine status" }, this.statusRing, this.statusText, this.statusDetail),
      this.statusActions,
    );
    root.replaceChildren(
      this.header,
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
        const view = this.turnView(message.turn);
        this.turns.get(view.id)?.element.remove();
        this.turns.set(view.id, view);
        this.recall.add(recalledForm(message.turn.question));
        this.log.append(view.element);
        // The log is shown only now (it is hidden in the empty state): measure after it is.
        this.updateEmptyState();
        this.pinTurn(view);
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
      case "stopping":
        this.turns.get(message.id)?.stopping();
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
      case "examples":
        this.examples = Array.isArray(message.questions) ? message.questions.filter((q) => typeof q === "string").slice(0, 3) : [];
        this.emptyRenderedFor = undefined;
        break;
    }
  }

  /** A turn's view, tagged with its id (links inside it name their turn). */
  private turnView(turn: ChatTurn): TurnView {
    const view = TurnView.fromTurn(turn, this.turnHost);
    view.element.dataset.turnId = view.id;
    return view;
  }

  /** A click (or Enter) on a link in an answer or excerpt: the host opens it, after checking it. */
  private onLinkActivated(event: Event): void {
    const link = (event.target as Element | null)?.closest<HTMLElement>(".md-link.openable[data-href]");
    if (!link || !this.log.contains(link)) return;
    event.preventDefault();
    event.stopPropagation();
    const turnId = link.closest<HTMLElement>("[data-turn-id]")?.dataset.turnId;
    // The source an excerpt belongs to: an element marked with its number, or the source button in
    // the same list item.
    const marked = link.closest<HTMLElement>("[data-source-n]")?.dataset.sourceN;
    const inItem = link.closest("li")?.querySelector<HTMLElement>("button.source[data-n]")?.dataset.n;
    const n = Number(marked ?? inItem);
    post({ type: "openLink", href: link.dataset.href!, ...(turnId ? { turnId } : {}), ...(Number.isInteger(n) && n > 0 ? { n } : {}) });
  }

  /** Scrolls so that the turn's question is at the top of the view. */
  private pinTurn(view: TurnView): void {
    this.sizeLatestTurn();
    this.log.scrollTop += view.element.getBoundingClientRect().top - this.log.getBoundingClientRect().top;
  }

  private sizeLatestTurn(): void {
    const turns = this.log.querySelectorAll<HTMLElement>(".turn");
    turns.forEach((t, i) => (t.style.minHeight = i === turns.length - 1 ? `${this.log.clientHeight}px` : ""));
  }

  /** Shows the history and the status. Each turn is shown on its own: a bad one is skipped, never the rest. */
  private init(turns: ChatTurn[], status: EngineStatus, hasModel: boolean): void {
    this.initialized = true;
    this.turns.clear();
    const views: TurnView[] = [];
    for (const turn of Array.isArray(turns) ? turns : []) {
      try {
        const view = this.turnView(turn);
        if (typeof turn.question === "string") this.recall.add(recalledForm(turn.question));
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
    // The last question at the top, its answer below it.
    this.updateEmptyState();
    const last = views.at(-1);
    if (last) this.pinTurn(last);
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
    this.header.hidden = !text && !busy && status.warnings.length === 0 && hasModel;
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
    if (!show || this.emptyRenderedFor === this.hasModel) return;
    this.emptyRenderedFor = this.hasModel;
    // Without a model the view says what an answer is now, near the top where it is read first;
    // it promises nothing a model would do.
    const noModel = this.hasModel
      ? null
      : h(
          "div",
          { class: "empty-model" },
          h(
            "p",
            {},
            "No chat model is selected, so each answer is the best-matching sections of the docs, each opening where it is. Select a model for written answers that cite them.",
          ),
          createButton({ label: "Select model", text: "Select model", appearance: "primary", onClick: () => post({ type: "selectModel" }) }),
        );
    // Questions these docs can answer, from the names they define: one click asks.
    const examples = this.examples.length
      ? h(
          "div",
          { class: "examples", role: "group", "aria-label": "Example questions" },
          h("p", { class: "examples-title" }, "Try one of these:"),
          ...this.examples.map((q) => {
            const b = h("button", { type: "button", class: "example" }, q);
            b.addEventListener("click", () => this.askExample(q));
            return b;
          }),
        )
      : null;
    this.empty.replaceChildren();
    append(
      this.empty,
      h("div", { class: "empty-icon" }, Icons.docent()),
      h("h2", {}, "Ask your docs"),
      this.hasModel
        ? h(
            "p",
            { class: "empty-about" },
            "Docent answers questions from this workspace's documentation with a local model. Every claim cites the docs it comes from, and each citation opens the section.",
          )
        : h("p", { class: "empty-about" }, "Docent answers questions from this workspace's documentation."),
      noModel,
      examples,
      h("p", { class: "shortcut-hint" }, "Ctrl+Alt+D (⌃⌘D on macOS) brings you back to this box from anywhere."),
    );
  }

  private askExample(question: string): void {
    if (!this.initialized || this.running()) return;
    post({ type: "ask", question });
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
  }

  private send(): void {
    const question = this.input.value.trim();
    if (!this.initialized || !question || this.running()) return;
    post({ type: "ask", question: question.slice(0, MAX_QUESTION_CHARS) });
    this.input.value = "";
    this.recall.reset();
    saveDraft("");
    this.updateComposer();
  }
}

/**
 * The view's status line says what the status bar does not: progress while busy (files done of
 * total, download percent), and the model once ready. The index counts stay in the status bar.
 */
function describeStatus(s: EngineStatus, hasModel: boolean): { text: string; detail: string; busy: boolean } {
  const percent = s.progress !== undefined ? ` ${Math.round(s.progress * 100)}%` : "";
  switch (s.state) {
    case "starting":
      return { text: "Starting…", detail: "", busy: true };
    case "indexing":
      return {
        text: s.indexed ? `Indexing the docs: ${s.indexed.done.toLocaleString("en-US")} / ${plural(s.indexed.total, "file")}` : "Indexing the docs…",
        detail: "",
        busy: true,
      };
    case "loading-model":
      return { text: "Loading the model…", detail: s.message ? ` · ${s.message}` : "", busy: true };
    case "downloading-model":
      return { text: `Downloading…${percent}`, detail: s.message ? ` · ${s.message}` : "", busy: true };
    case "ready":
      return hasModel ? { text: s.model ?? "", detail: s.device ? ` · ${s.device}` : "", busy: false } : { text: "No chat model", detail: "", busy: false };
    case "error":
      return { text: "Error", detail: "", busy: false };
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
