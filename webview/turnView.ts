// One question and its answer in the conversation: built once, then updated in place as the
// host streams events (draft, stages, sources, answer) and finally the result. Its cards, sources,
// progress and footer are built by definitionCard.ts, sourceList.ts, stageProgress.ts, turnFooter.ts;
// the line shown while the model reads its prompt by readingView.ts.
import type { AnswerEvent, AnswerResult, AnswerSource as Source, BestLines, SpellingNote, Stage } from "../src/shared/answer.js";
import type { DefinitionCard } from "../src/shared/cards.js";
import { bestLinesOf, sourcePlaces, type ChatTurn } from "../src/shared/webviewMessages.js";
import { createButton } from "./components.js";
import { h, setChildren, uniqueId, type Children } from "./dom.js";
import { Icons } from "./icons.js";
import { createReasoningView, type ReasoningView } from "./reasoningView.js";
import { parseMarkdown } from "./markdown/blocks.js";
import { clipText, renderMarkdown, type CitedSource } from "./markdown/render.js";
import { asksForAttributes } from "./cardFocus.js";
import { cardElement } from "./definitionCard.js";
import { sourceItem } from "./sourceList.js";
import { showStageLine, stageItem } from "./stageProgress.js";
import { ReadingView } from "./readingView.js";
import { TurnFooter } from "./turnFooter.js";
import type { Rating, TurnHost } from "./turnHost.js";

export class TurnView {
  readonly element: HTMLElement;
  private readonly resolved: HTMLElement;
  private readonly spelling: HTMLElement;
  private readonly cardsBox: HTMLElement;
  private readonly draftDetails: HTMLDetailsElement;
  private readonly draftBody: HTMLElement;
  private readonly reasoning: ReasoningView = createReasoningView();
  private readonly stages: HTMLElement;
  private readonly reading = new ReadingView();
  private readonly answer: HTMLElement;
  private readonly note: HTMLElement;
  private readonly bestLinesDetails: HTMLDetailsElement;
  private readonly bestLinesBody: HTMLElement;
  private readonly sourcesSection: HTMLElement;
  private readonly sourceList: HTMLElement;
  private readonly error: HTMLElement;
  private readonly footer: TurnFooter;

  private draftText = "";
  private answerText = "";
  private sources: Source[] = [];
  private cards: DefinitionCard[] = [];
  /** The best lines of the docs, shown while the model reads and kept under its answer. */
  private bestLines: BestLines | undefined;
  /** Whether the model is answering (its stage started): a retrieval-only answer lists its sources itself. */
  private modelAnswering = false;
  private mode: AnswerResult["mode"] | undefined;
  private cited: Set<number> | undefined;
  private frame = 0;
  private running = false;

  constructor(
    readonly id: string,
    private readonly question: string,
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
    this.bestLinesBody = h("div", { class: "md best-lines-body" });
    this.bestLinesDetails = h(
      "details",
      { class: "best-lines", hidden: true, open: true },
      h("summary", { title: "The best-matching lines of the docs, found before the model answered" }, "Best lines from the docs"),
      this.bestLinesBody,
    );
    this.sourceList = h("ol", { class: "source-list" });
    const sourcesTitle = uniqueId("sources");
    this.sourcesSection = h(
      "section",
      { class: "sources", "aria-labelledby": sourcesTitle, hidden: true },
      h("h3", { class: "sources-title", id: sourcesTitle }, "Sources"),
      this.sourceList,
    );
    this.error = h("div", { class: "turn-error", role: "alert", hidden: true });
    this.footer = new TurnFooter(id, host);

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
      this.reading.element,
      this.answer,
      this.note,
      this.bestLinesDetails,
      this.sourcesSection,
      this.error,
      this.footer.element,
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
      // A citation inside the best lines is one of theirs: they are numbered apart from the model's sources.
      const sources = target.closest(".best-lines") ? (this.bestLines?.sources ?? []) : this.sources;
      const source = sources.find((s) => String(s.n) === target.dataset.n);
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
    if (!this.stages.childElementCount) this.stages.append(stageItem("starting", "Starting", true));
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
        this.modelWrites();
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
        if (event.stage === "answer") this.modelWrites();
        this.host.update(() => this.reasoning.append(event.text));
        break;
      case "reading":
        this.host.update(() => {
          this.bestLines = bestLinesOf(event.bestLines);
          this.renderBestLines(true);
          this.reading.start({ promptTokens: event.promptTokens, ...(event.seconds !== undefined ? { seconds: event.seconds } : {}) });
        });
        break;
    }
  }

  /** The model's first word: the reading line goes, and the best lines fold away under the answer (still reachable). */
  private modelWrites(): void {
    if (!this.reading.active) return;
    this.host.update(() => {
      this.reading.stop();
      this.bestLinesDetails.open = false;
    });
  }

  /** Stop was asked: while the model reads, the turn says it is stopping until the engine's result says Stopped. */
  stopping(): void {
    if (this.running) this.host.update(() => this.reading.showStopping());
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
    // The log is scrolled, never scrollIntoView: that scrolls every ancestor that can scroll, and
    // moved the page under the header by the header's height (issue 23 item 6).
    const above = this.element.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    if (above < 0) scroller.scrollTop += above;
  }

  private showResult(result: AnswerResult, rating?: Rating): void {
    this.stopRunning();
    this.draftText = result.draft;
    this.answerText = result.answer;
    this.sources = result.sources;
    this.cards = Array.isArray(result.cards) ? result.cards : [];
    this.mode = result.mode;
    this.bestLines = bestLinesOf(result.bestLines);
    this.cited = result.mode === "model" ? new Set(result.citations.map((c) => c.n)) : undefined;
    this.host.update(() => {
      this.renderCards(result.resolvedQuestion, result.spelling);
      this.stages.hidden = true;
      this.stages.replaceChildren();
      this.renderDraft();
      this.reasoning.showFinal(result.reasoning);
      this.renderAnswer();
      // Stopped at any moment: what was shown stays (cards, best lines, the answer so far), and the turn says so.
      if (result.aborted) this.answer.append(h("p", { class: "stopped" }, "Stopped"));
      this.answer.hidden = !this.answerText && !result.aborted;
      // Open while there is no answer to read (stopped while the model read); under an answer they
      // stay as the reader left them while it streamed, else folded.
      const live = !this.bestLinesDetails.hidden;
      this.renderBestLines(!this.answerText.trim() || (live && this.bestLinesDetails.open));
      this.note.hidden = !result.note;
      this.note.replaceChildren(Icons.info(), h("span", {}, result.note ?? ""));
      this.renderSources();
      this.footer.render(result, rating);
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
    this.host.update(() => this.footer.showThanks(rating));
  }

  private stopRunning(): void {
    this.running = false;
    this.reading.stop();
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

  /** The best lines, when a model answers (a retrieval-only answer is made of them already). */
  private renderBestLines(open: boolean): void {
    const best = this.bestLines;
    const show = best !== undefined && best.answer.trim().length > 0 && (this.mode === undefined || this.mode === "model");
    this.bestLinesDetails.hidden = !show;
    if (!show) return;
    this.bestLinesDetails.open = open;
    renderMarkdownInto(this.bestLinesBody, best.answer, (n) => best.sources.find((s) => s.n === n), UNRENDERABLE_ANSWER);
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
      // A question about attributes ("And which attributes does it have?") gets them open.
      this.cards.map((card, i) => cardElement(card, i, { openAttributes: asksForAttributes(resolvedQuestion ?? this.question) })),
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
        return sourceItem(s, uncited);
      }),
    );
  }

  private showStage(stage: Stage, ms: number | undefined): void {
    if (stage === "answer") this.modelAnswering = true;
    showStageLine(this.stages, stage, ms);
  }
}

const UNRENDERABLE_ANSWER = "This answer could not be displayed as formatted text.";

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
