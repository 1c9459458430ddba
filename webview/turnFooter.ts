// The footer under an answer: copy, the reader's rating (with a comment and the right answer when
// it is "Not helpful"), and the answer's time and speed.
import type { AnswerResult } from "../src/shared/answer.js";
import { MAX_COMMENT_CHARS, MAX_CORRECTION_CHARS } from "../src/shared/webviewMessages.js";
import { createButton, createTextArea, setButtonIcon, setDisabled } from "./components.js";
import { formatMs, h, plural } from "./dom.js";
import { Icons } from "./icons.js";
import type { Rating, TurnHost } from "./turnHost.js";

export class TurnFooter {
  readonly element: HTMLElement = h("div", { class: "turn-footer", hidden: true });

  constructor(
    private readonly id: string,
    private readonly host: TurnHost,
  ) {}

  render(result: AnswerResult, rating: Rating | undefined): void {
    this.element.hidden = false;
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
    this.element.replaceChildren(h("div", { class: "actions", role: "group", "aria-label": "Answer actions" }, copy, feedback, meta));
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
    if (this.element.querySelector(".comment-form")) return;
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
    this.host.update(() => this.element.append(form));
    // Focus once the kit has upgraded and rendered the element.
    requestAnimationFrame(() => area.focus());
  }

  showThanks(rating: Rating): void {
    const feedback = this.element.querySelector(".feedback");
    this.element.querySelector(".comment-form")?.remove();
    feedback?.replaceChildren(
      h("span", { class: "thanks", role: "status" }, rating === "up" ? Icons.thumbsUp() : Icons.thumbsDown(), "Thanks for the feedback"),
    );
  }
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
