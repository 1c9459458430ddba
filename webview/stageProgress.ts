// The turn's progress while it runs: a line per stage of the answer, with a spinner while it runs
// and its time once it is done.
import type { Stage } from "../src/shared/answer.js";
import { createProgressRing } from "./components.js";
import { formatMs, h } from "./dom.js";
import { Icons } from "./icons.js";

const STAGE_LABELS: Record<Stage, { running: string; done: string }> = {
  terms: { running: "Matching exact terms", done: "Terms" },
  draft: { running: "Drafting", done: "Draft" },
  retrieve: { running: "Searching the docs", done: "Search" },
  answer: { running: "Answering from the docs", done: "Answer" },
};

export function stageItem(key: string, text: string, running: boolean, ms?: number): HTMLElement {
  return h(
    "li",
    { class: running ? "stage running" : "stage done", "data-stage": key },
    running ? createProgressRing() : Icons.check(),
    h("span", {}, running ? `${text}…` : text),
    ms !== undefined ? h("span", { class: "stage-ms" }, formatMs(ms)) : null,
  );
}

/** Shows `stage` in the list as running or (with its time) done, in place of its earlier line and of "Starting". */
export function showStageLine(stages: HTMLElement, stage: Stage, ms: number | undefined): void {
  stages.querySelector('[data-stage="starting"]')?.remove();
  const label = STAGE_LABELS[stage];
  const item = ms === undefined ? stageItem(stage, label.running, true) : stageItem(stage, label.done, false, ms);
  const existing = stages.querySelector(`[data-stage="${stage}"]`);
  if (existing) existing.replaceWith(item);
  else stages.append(item);
}
