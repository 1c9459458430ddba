// One question and its answer in the conversation: built once, then updated in place as the
// host streams events (draft, stages, sources, answer) and finally the result.
import type { AnswerEvent, AnswerResult, AnswerSource as Source, SpellingNote, Stage } from "../src/shared/answer.js";
import type { DefinitionCard } from "../src/shared/cards.js";
import { MAX_COMMENT_CHARS, MAX_CORRECTION_CHARS, sourcePlaces, type ChatTurn, type WebviewToHost } from "../src/shared/webviewMessages.js";
import { createButton, createProgressRing, createTextArea, setButtonIcon, setDisabled } from "./components.js";
import { formatMs, h, plural, setChildren, uniqueId, type Children } from "./dom.js";
import { Icons } from "./icons.js";
import { createReasoningView, type ReasoningView } from "./reasoningView.js";
import { parseMarkdown } from "./markdown/blocks.js";
import { citationLabel, clipText, MAX_PATH_CHARS, renderInlineMarkdown, renderMarkdown, type CitedSource } from "./markdown/render.js";

type Rating = "up" | "down";

const STAGE_LABELS: Record<Stage, { running: string; done: string }> = {
  terms: { running: "Matching exact terms", done: "Terms" },
  draft: { running: "Drafting", done: "Draft" },
  retrieve: { running: "Searching the docs", done: "Search" },
  answer: { running: "Answering from the docs", done: "Answer" },
};

export interface TurnHost {
  post(message: WebviewToHost): void;
  /**
   * Runs a change to the turn's content. The chat runs it as it is, without scrolling: a new
   * question is pinned to the top of the view and its answer grows below it (main.ts, pinTurn).
   */
  update(change: () => void): void;
}

export class TurnView {
  readonly element: HTMLElement;
  private readonly resolved: HTMLElement;
  private readonly spelling: HTMLElement;
  private readonly cardsBox: HTMLElement;
  private readonly draftDetails: HTMLDetailsElement;
  private readonly draftBody: HTMLElement;
  private readonly reasoning: ReasoningView = createReasoningView();
  private readonly stages: HTMLElement;
  private readonly answer: HTMLElement;
  private readonly note: HTMLElement;
  private readonly sourcesSection: HTMLElement;
  private readonly sourceList: HTMLElement;
  private readonly error: HTMLElement;
  private readonly footer: HTMLElement;

  private draftText = "";
  private answerText = "";
  private sources: Source[] = [];
  private cards: DefinitionCard[] = [];
  /** Whether the model is answering (its stage started): a retrieval-only answer lists its sources itself. */
  private modelAnswering = false;
  private mode: AnswerResult["mode"] | undefined;
  private cited: Set<number> | undefined;
  private frame = 0;
  private running = false;

  constructor(
    readonly id: string,
    question: string,
    private readonly host: TurnHost,
  ) {
    const questionId = uniqueId("question");
    this.resolved = h("p", { class: "resolved-question", hidden: true });
    this.spelling = h("p", { class: "spelling", hidden: true });
    this.cardsBox = h("div", { class: "cards", hidden: true });
    this.draftBody = h("div", { class: "md draft-body" });
    this.draftDetails = h(
      "details",
      { class: "draft", hidden: true },
      h("summary", { title: "What the model wrote from its own knowledge, used only to search the docs" }, "Draft (unverified)"),
      this.draftBody,
    );
    this.stages = h("ul", { class: "stages", "aria-label": "Progress", hidden: true });
    this.answer = h("div", { class: "md answer", "aria-label": "Answer", role: "region", hidden: true });
    this.note = h("p", { class: "note", hidden: true });
    this.sourceList = h("ol", { class: "source-list" });
    const sourcesTitle = uniqueId("sources");
    this.sourcesSection = h(
      "section",
      { class: "sources", "aria-labelledby": sourcesTitle, hidden: true },
      h("h3", { class: "sources-title", id: sourcesTitle }, "Sources"),
      this.sourceList,
    );
    this.error = h("div", { class: "turn-error", role: "alert", hidden: true });
    this.footer = h("div", { class: "turn-footer", hidden: true });

    this.element = h(
      "article",
      { class: "turn", "aria-labelledby": questionId },
      h("div", { class: "question", id: questionId }, h("span", { class: "visually-hidden" }, "Question: "), question),
      this.resolved,
      this.spelling,
      this.cardsBox,
      this.draftDetails,
      this.reasoning.element,
      this.stages,
      this.answer,
      this.note,
      this.sourcesSection,
      this.error,
      this.footer,
    );
    // Citations and source items are re-rendered while streaming, so their clicks are handled here.
    this.element.addEventListener("click", (event) => {
      const target = (event.target as Element | null)?.closest<HTMLElement>("button.cite, button.source, button.source-place, button.card-source");
      if (!target || !this.element.contains(target)) return;
      const card = target.dataset.card !== undefined ? this.cards[Number(target.dataset.card)] : undefined;
      if (card) {
        this.host.post({ type: "openSource", file: card.file, startLine: card.line, endLine: card.line });
        return;
      }
      const source = this.sources.find((s) => String(s.n) === target.dataset.n);
      // One of the other places the source's text is in, else the source itself.
      const place = source && target.dataset.place !== undefined ? sourcePlaces(source)[Number(target.dataset.place)] : source;
      if (place) this.host.post({ type: "openSource", file: place.file, startLine: place.startLine, endLine: place.endLine });
    });
  }

  /**
   * A turn from history or a new one. A turn that cannot be shown (a malformed result, say) shows its
   * text plainly with a note instead, so one bad turn never stops the view.
   */
  static fromTurn(turn: ChatTurn, host: TurnHost): TurnView {
    const view = new TurnView(String(turn.id), typeof turn.question === "string" ? turn.question : "", host);
    try {
      if (turn.result) view.showResult(turn.result, turn.rating);
      else if (turn.error) view.fail(String(turn.error));
      else view.start();
    } catch (err) {
      view.showUnrenderable(turn, err);
    }
    return view;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.element.setAttribute("aria-busy", "true");
    this.stages.hidden = false;
    if (!this.stages.childElementCount) this.stages.append(this.stageItem("starting", "Starting", true));
  }

  applyEvent(event: AnswerEvent): void {
    if (!this.running) return;
    switch (event.type) {
      case "stage":
        this.host.update(() => this.showStage(event.stage, event.status === "finished" ? event.ms : undefined));
        break;
      case "draft-chunk":
        this.draftText += event.text;
        this.scheduleRender();
        break;
      case "cards":
        this.cards = Array.isArray(event.cards) ? event.cards : [];
        this.host.update(() => this.renderCards(event.resolvedQuestion, event.spelling));
        break;
      case "sources":
        this.sources = event.sources;
        this.host.update(() => {
          this.renderSources();
          this.renderAnswer();
        });
        break;
      case "answer-chunk":
        this.answerText += event.text;
        this.scheduleRender();
        break;
      case "notice":
        // Why the answer waits (a busy model server): shown until the result replaces the note.
        this.host.update(() => {
          this.note.hidden = false;
          this.note.replaceChildren(Icons.info(), h("span", { class: "notice" }, event.text));
        });
        break;
      case "reasoning-chunk":
        this.host.update(() => this.reasoning.append(event.text));
        break;
    }
  }

  /** The answer has come: shown, and the turn's top (question and cards, the facts asked for) brought into view. */
  finish(result: AnswerResult, rating?: Rating): void {
    this.showResult(result, rating);
    this.revealTop();
  }

  /**
   * Brings the turn's top into view when following the answer to its end has scrolled it away: the
   * reader sees the question, its cards and the start of the answer first, not the last source.
   */
  private revealTop(): void {
    const scroller = this.element.parentElement;
    if (!scroller || this.element !== scroller.lastElementChild) return;
    const top = this.element.getBoundingClientRect().top;
    if (top < scroller.getBoundingClientRect().top) this.element.scrollIntoView({ block: "start" });
  }

  private showResult(result: AnswerResult, rating?: Rating): void {
    this.stopRunning();
    this.draftText = result.draft;
    this.answerText = result.answer;
    this.sources = result.sources;
    this.cards = Array.isArray(result.cards) ? result.cards : [];
    this.mode = result.mode;
    this.cited = result.mode === "model" ? new Set(result.citations.map((c) => c.n)) : undefined;
    this.host.update(() => {
      this.renderCards(result.resolvedQuestion, result.spelling);
      this.stages.hidden = true;
      this.stages.replaceChildren();
      this.renderDraft();
      this.reasoning.showFinal(result.reasoning);
      this.renderAnswer();
      if (result.aborted) this.answer.append(h("p", { class: "stopped" }, "(stopped)"));
      this.answer.hidden = !this.answerText && !result.aborted;
      this.note.hidden = !result.note;
      this.note.replaceChildren(Icons.info(), h("span", {}, result.note ?? ""));
      this.renderSources();
      this.renderFooter(result, rating);
    });
  }

  fail(message: string): void {
    this.stopRunning();
    this.host.update(() => {
      this.stages.hidden = true;
      this.stages.replaceChildren();
      this.renderDraft();
      this.renderAnswer();
      this.error.hidden = false;
      this.error.replaceChildren(
        Icons.error(),
        h("span", { class: "turn-error-message" }, message || "Something went wrong."),
        createButton({
          label: "Show logs",
          text: "Show logs",
          appearance: "secondary",
          className: "small",
          onClick: () => this.host.post({ type: "showLogs" }),
        }),
      );
    });
  }

  feedbackSaved(rating: Rating): void {
    this.host.update(() => this.showThanks(rating));
  }

  private stopRunning(): void {
    this.running = false;
    this.element.removeAttribute("aria-busy");
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  // Streaming re-parses the whole text at most once a frame: cheap for answers of a few KB.
  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.host.update(() => {
        this.renderDraft();
        this.renderAnswer();
      });
    });
  }

  private renderDraft(): void {
    const draft = this.draftText.trim();
    this.draftDetails.hidden = !draft;
    renderMarkdownInto(this.draftBody, draft, () => undefined, "This draft could not be displayed as formatted text.");
  }

  private renderAnswer(): void {
    this.answer.hidden = !this.answerText;
    renderMarkdownInto(this.answer, this.answerText, (n) => this.sources.find((s) => s.n === n), UNRENDERABLE_ANSWER);
  }

  /** Shows a turn whose result could not be rendered: its answer as plain text, with a note. */
  private showUnrenderable(turn: ChatTurn, err: unknown): void {
    console.error("Docent: a turn could not be displayed", err);
    this.stopRunning();
    const result = turn.result as Partial<AnswerResult> | undefined;
    const text = typeof result?.answer === "string" ? result.answer : typeof turn.error === "string" ? turn.error : "";
    this.stages.hidden = true;
    this.stages.replaceChildren();
    this.answer.hidden = false;
    setChildren(this.answer, plainFallback(text, UNRENDERABLE_ANSWER));
  }

  /** The definition cards on top of the turn (the facts the question asked for), and the question as it was answered. */
  private renderCards(resolvedQuestion: string | undefined, spelling: SpellingNote | undefined): void {
    this.resolved.hidden = !resolvedQuestion;
    this.resolved.textContent = resolvedQuestion ? `Answered as: ${resolvedQuestion}` : "";
    const line = spellingLine(spelling);
    this.spelling.hidden = line.length === 0;
    setChildren(this.spelling, line);
    this.cardsBox.hidden = this.cards.length === 0;
    setChildren(
      this.cardsBox,
      this.cards.map((card, i) => cardElement(card, i)),
    );
  }

  /**
   * A retrieval-only answer is its sources (label, location and best lines, cited [n]): the list
   * below it would say the same again. Sources from before labels existed keep their list.
   */
  private sourcesListedInAnswer(): boolean {
    if (!this.sources.length || this.sources.some((s) => typeof s.label !== "string")) return false;
    return this.mode !== undefined ? this.mode === "retrieval-only" : !this.modelAnswering;
  }

  private renderSources(): void {
    this.sourcesSection.hidden = this.sources.length === 0 || this.sourcesListedInAnswer();
    setChildren(
      this.sourceList,
      this.sources.map((s) => {
        const uncited = this.cited !== undefined && !this.cited.has(s.n);
        const range = s.startLine === s.endLine ? `${s.startLine}` : `${s.startLine}-${s.endLine}`;
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: uncited ? "source uncited" : "source",
              "data-n": s.n,
              "aria-label": citationLabel(s) + (uncited ? " (not cited in the answer)" : ""),
              title: `${clipText(s.file, MAX_PATH_CHARS)}:${range}${uncited ? "\nNot cited in the answer" : ""}`,
            },
            h("span", { class: "source-n" }, String(s.n)),
            // The most specific heading first: at a narrow width the outer headings all read alike.
            typeof s.label === "string" && s.label
              ? h("span", { class: "source-heading" }, clipText(s.label, MAX_LABEL_CHARS))
              : h("span", { class: "source-heading" }, renderInlineMarkdown(document, s.heading || s.path)),
            h("span", { class: "source-path" }, `${clipText(baseName(s.path), MAX_PATH_CHARS)}:${range}`),
          ),
          placesElement(s),
        );
      }),
    );
  }

  private stageItem(key: string, text: string, running: boolean, ms?: number): HTMLElement {
    return h(
      "li",
      { class: running ? "stage running" : "stage done", "data-stage": key },
      running ? createProgressRing() : Icons.check(),
      h("span", {}, running ? `${text}…` : text),
      ms !== undefined ? h("span", { class: "stage-ms" }, formatMs(ms)) : null,
    );
  }

  private showStage(stage: Stage, ms: number | undefined): void {
    if (stage === "answer") this.modelAnswering = true;
    this.stages.querySelector('[data-stage="starting"]')?.remove();
    const label = STAGE_LABELS[stage];
    const item = ms === undefined ? this.stageItem(stage, label.running, true) : this.stageItem(stage, label.done, false, ms);
    const existing = this.stages.querySelector(`[data-stage="${stage}"]`);
    if (existing) existing.replaceWith(item);
    else this.stages.append(item);
  }

  private renderFooter(result: AnswerResult, rating: Rating | undefined): void {
    this.footer.hidden = false;
    const copy = createButton({
      label: "Copy answer",
      icon: Icons.copy(),
      onClick: () => {
        this.host.post({ type: "copy", id: this.id });
        setButtonIcon(copy, Icons.check(), "Copied");
        window.setTimeout(() => setButtonIcon(copy, Icons.copy(), "Copy answer"), 1500);
      },
    });
    const feedback = h("div", { class: "feedback" });
    const meta = h("span", { class: "meta", title: timingDetail(result) }, summary(result));
    this.footer.replaceChildren(h("div", { class: "actions", role: "group", "aria-label": "Answer actions" }, copy, feedback, meta));
    if (rating) this.showThanks(rating);
    else if (!result.aborted || result.answer) this.showRating(feedback);
  }

  private showRating(feedback: HTMLElement): void {
    const send = (rating: Rating, comment?: string, correction?: string) => {
      for (const b of feedback.querySelectorAll<HTMLElement>(".btn")) setDisabled(b, true);
      this.host.post({ type: "feedback", id: this.id, rating, ...(comment ? { comment } : {}), ...(correction ? { correction } : {}) });
    };
    const up = createButton({ label: "Helpful", icon: Icons.thumbsUp(), onClick: () => send("up") });
    const down = createButton({ label: "Not helpful", icon: Icons.thumbsDown(), onClick: () => this.openComment(down, send) });
    feedback.replaceChildren(up, down);
  }

  private openComment(down: HTMLElement, send: (rating: Rating, comment?: string, correction?: string) => void): void {
    if (this.footer.querySelector(".comment-form")) return;
    down.setAttribute("aria-pressed", "true");
    const area = createTextArea({
      label: "What was wrong or missing? (optional)",
      placeholder: "What was wrong or missing? (optional)",
      rows: 2,
      maxLength: MAX_COMMENT_CHARS,
    });
    // A corrected answer becomes a preference pair for the next fine-tune.
    const correction = createTextArea({
      label: "The right answer (optional, used for fine-tuning)",
      placeholder: "The right answer (optional, used for fine-tuning)",
      rows: 2,
      maxLength: MAX_CORRECTION_CHARS,
    });
    const close = () => {
      form.remove();
      down.removeAttribute("aria-pressed");
      down.focus();
    };
    const submit = () => {
      form.remove();
      send("down", area.value.trim() || undefined, correction.value.trim() || undefined);
    };
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    const form = h(
      "div",
      { class: "comment-form", role: "group", "aria-label": "Feedback" },
      area,
      correction,
      h(
        "div",
        { class: "row" },
        createButton({ label: "Send feedback", text: "Send feedback", appearance: "primary", className: "small", onClick: submit }),
        createButton({ label: "Cancel", text: "Cancel", appearance: "secondary", className: "small", onClick: close }),
      ),
    );
    this.host.update(() => this.footer.append(form));
    // Focus once the kit has upgraded and rendered the element.
    requestAnimationFrame(() => area.focus());
  }

  private showThanks(rating: Rating): void {
    const feedback = this.footer.querySelector(".feedback");
    this.footer.querySelector(".comment-form")?.remove();
    feedback?.replaceChildren(
      h("span", { class: "thanks", role: "status" }, rating === "up" ? Icons.thumbsUp() : Icons.thumbsDown(), "Thanks for the feedback"),
    );
  }
}

const UNRENDERABLE_ANSWER = "This answer could not be displayed as formatted text.";

/** The most characters of a source's heading label shown. */
const MAX_LABEL_CHARS = 200;

/** "Also in" with a button per other place of the source's text (opens it), or nothing. */
function placesElement(source: Source): HTMLElement | null {
  const places = sourcePlaces(source);
  if (!places.length) return null;
  return h(
    "div",
    { class: "source-places" },
    h("span", { class: "source-places-label" }, "Also in"),
    ...places.map((p, i) => {
      const range = p.startLine === p.endLine ? `${p.startLine}` : `${p.startLine}-${p.endLine}`;
      return h(
        "button",
        {
          type: "button",
          class: "source-place",
          "data-n": source.n,
          "data-place": i,
          "aria-label": `The same text, also in ${clipText(p.path, MAX_PATH_CHARS)}, lines ${range}`,
          title: `${clipText(p.file, MAX_PATH_CHARS)}:${range}`,
        },
        // The whole relative path: a copy often has the same file name in another folder.
        `${clipText(p.path, MAX_PATH_CHARS)}:${range}`,
      );
    }),
  );
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1) || p;
}

/** "Searched for duration (not duraton) · Not in the docs: sourdough", as text and code spans. */
function spellingLine(spelling: SpellingNote | undefined): Children[] {
  const text = (v: unknown) => (typeof v === "string" ? clipText(v, 120) : "");
  const corrected = Array.isArray(spelling?.corrected) ? spelling.corrected.slice(0, 8) : [];
  const notFound = Array.isArray(spelling?.notFound) ? spelling.notFound.slice(0, 8) : [];
  const parts: Children[] = [];
  if (corrected.length) {
    parts.push("Searched for ");
    corrected.forEach((c, i) => {
      if (i) parts.push(", ");
      parts.push(h("code", { class: "spelling-to" }, text(c.to)), ` (not ${text(c.from)})`);
    });
  }
  if (notFound.length) {
    if (parts.length) parts.push(" · ");
    parts.push(`Not in the docs: ${notFound.map(text).join(", ")}`);
  }
  return parts;
}

/** The most attributes a card lists; the rest are counted. */
const MAX_CARD_ATTRIBUTES = 40;

/** A definition card: the name, its facts (instrument or type, unit, ...), description, attributes and where it is defined. Text only. */
function cardElement(card: DefinitionCard, index: number): HTMLElement {
  const text = (v: unknown) => (typeof v === "string" ? clipText(v, 400) : "");
  const facts: [string, string, string][] = [];
  if (card.kind) facts.push([text(card.kindLabel) || "Kind", text(card.kind), "card-kind"]);
  if (card.unit) facts.push(["Unit", text(card.unit), "card-unit"]);
  if (card.requirement) facts.push(["Requirement", text(card.requirement), "card-requirement"]);
  if (card.stability) facts.push(["Stability", text(card.stability), "card-stability"]);
  const attributes = Array.isArray(card.attributes) ? card.attributes.slice(0, MAX_CARD_ATTRIBUTES) : [];
  const extra = Array.isArray(card.attributes) ? card.attributes.length - attributes.length : 0;
  return h(
    "section",
    { class: "card", "aria-label": `Definition of ${text(card.term)}` },
    card.askedAs ? h("p", { class: "card-asked" }, "Did you mean ", h("code", {}, text(card.term)), "?") : null,
    h("div", { class: "card-term" }, h("code", {}, text(card.term))),
    facts.length
      ? h("dl", { class: "card-facts" }, ...facts.map(([label, value, cls]) => h("div", { class: `card-fact ${cls}` }, h("dt", {}, label), h("dd", {}, value))))
      : null,
    card.description ? h("p", { class: "card-description" }, text(card.description)) : null,
    attributes.length
      ? h(
          "details",
          { class: "card-attributes" },
          h("summary", {}, `Attributes (${attributes.length + extra})`),
          h("ul", {}, ...attributes.map((a) => h("li", {}, h("code", {}, text(a.name)), a.requirement ? ` ${text(a.requirement)}` : ""))),
        )
      : null,
    h(
      "button",
      {
        type: "button",
        class: "card-source",
        "data-card": index,
        title: `${clipText(String(card.file), MAX_PATH_CHARS)}:${card.line}`,
        "aria-label": `Open the definition of ${text(card.term)}`,
      },
      `${clipText(baseName(String(card.path)), MAX_PATH_CHARS)}:${card.line}`,
    ),
  );
}

/**
 * Renders Markdown into `target`; if that throws (no known input does, but an answer is untrusted
 * text), the text is shown plainly with `note`, so one answer never stops the view.
 */
function renderMarkdownInto(target: HTMLElement, text: string, sourceFor: (n: number) => CitedSource | undefined, note: string): void {
  try {
    setChildren(target, renderMarkdown(document, parseMarkdown(text), sourceFor));
  } catch (err) {
    console.error("Docent: Markdown could not be rendered", err);
    setChildren(target, plainFallback(text, note));
  }
}

function plainFallback(text: string, note: string): HTMLElement[] {
  return [h("p", { class: "note render-failed" }, Icons.warning(), h("span", {}, note)), h("pre", { class: "md-code plain-text" }, h("code", {}, text))];
}

function summary(result: AnswerResult): string {
  const parts: string[] = [];
  if (result.mode === "retrieval-only") parts.push("Best-matching sections");
  else if (result.mode === "not-covered") parts.push("Not in the docs");
  if (result.timings.total > 0) parts.push(formatMs(result.timings.total));
  if (result.mode === "model" && result.tokensPerSecond.answer > 0) parts.push(`${Math.round(result.tokensPerSecond.answer)} tok/s`);
  return parts.join(" · ");
}

function timingDetail(result: AnswerResult): string {
  const t = result.timings;
  const lines = [`Terms ${formatMs(t.terms)}`, `Draft ${formatMs(t.draft)}`, `Search ${formatMs(t.retrieve)}`, `Answer ${formatMs(t.answer)}`];
  if (t.firstAnswerTokenMs > 0) lines.push(`First answer token after ${formatMs(t.firstAnswerTokenMs)}`);
  if (result.tokens.answer > 0) lines.push(`${plural(result.tokens.answer, "answer token")}, ${plural(result.tokens.answerPrompt, "prompt token")}`);
  return lines.join("\n");
}
