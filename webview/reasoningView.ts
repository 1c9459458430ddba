// The model's reasoning (`<think>…</think>`, thought segments): collapsed and labelled like the
// draft, shown as plain text, never part of the answer and never searched for citations.
import { h } from "./dom.js";

export interface ReasoningView {
  readonly element: HTMLDetailsElement;
  /** Appends a streamed chunk of reasoning. */
  append(text: string): void;
  /** Shows the reasoning of a finished answer when none streamed (a turn from history). */
  showFinal(text: string | undefined): void;
}

export function createReasoningView(): ReasoningView {
  const body = h("div", { class: "reasoning-body" });
  const element = h(
    "details",
    { class: "draft reasoning", hidden: true },
    h("summary", { title: "What the model wrote while reasoning, before its answer: not part of the answer" }, "Reasoning (not part of the answer)"),
    body,
  );
  let text = "";
  const show = () => {
    body.textContent = text.trim();
    element.hidden = !text.trim();
  };
  return {
    element,
    append(chunk) {
      text += chunk;
      show();
    },
    showFinal(final) {
      if (text.trim() || !final) return;
      text = final;
      show();
    },
  };
}
