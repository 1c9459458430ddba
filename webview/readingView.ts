// The line a turn shows while the model reads its prompt: "Reading 1,150 tokens of docs… about
// 12 s" over a progress bar that fills against the clock (readingProgress.ts). The bar is a
// role=progressbar with its value for screen readers; with reduced motion it moves in steps, unanimated.
import { h } from "./dom.js";
import { readingProgress, type Reading } from "./readingProgress.js";

/** How often the bar is redrawn (a CSS transition smooths the steps, unless motion is reduced). */
const TICK_MS = 250;
const REDUCED_TICK_MS = 1000;

export class ReadingView {
  readonly element: HTMLElement;
  private readonly text = h("span", { class: "reading-text" });
  private readonly fill = h("div", { class: "reading-fill" });
  private readonly bar = h(
    "div",
    { class: "reading-bar", role: "progressbar", "aria-label": "Reading the docs", "aria-valuemin": 0, "aria-valuemax": 100 },
    this.fill,
  );
  private reading: Reading | undefined;
  private started = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastText = "";

  constructor(private readonly now: () => number = () => performance.now()) {
    this.element = h("div", { class: "reading", hidden: true }, this.text, this.bar);
  }

  get active(): boolean {
    return this.reading !== undefined;
  }

  /** The model started reading: shown at once when the wait is long enough to say, else once it has lasted a second. */
  start(reading: Reading): void {
    this.stop();
    this.reading = reading;
    this.started = this.now();
    this.bar.hidden = false;
    const reduced = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.timer = setInterval(() => this.draw(), reduced ? REDUCED_TICK_MS : TICK_MS);
    this.draw();
  }

  /**
   * Stop was asked while the model reads: llama.cpp stops only between batches of the prompt (512
   * tokens: up to about 15 s on a CPU), so the line says so until the engine's result comes.
   */
  showStopping(): void {
    if (!this.reading) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.element.hidden = false;
    this.bar.hidden = true;
    this.text.textContent = this.lastText = "Stopping…";
  }

  /** The first word came, or the turn ended: the line goes. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.reading = undefined;
    this.element.hidden = true;
  }

  private draw(): void {
    if (!this.reading) return;
    const p = readingProgress(this.reading, this.now() - this.started);
    this.element.hidden = !p.shown;
    // The text changes rarely (start, then "taking longer"): the log is a live region, and each change is read out.
    if (p.text !== this.lastText) this.text.textContent = this.lastText = p.text;
    this.bar.classList.toggle("indeterminate", p.percent === undefined);
    this.bar.classList.toggle("overdue", p.overdue);
    if (p.percent === undefined) this.bar.removeAttribute("aria-valuenow");
    else this.bar.setAttribute("aria-valuenow", String(p.percent));
    this.bar.setAttribute("aria-valuetext", p.valueText);
    this.fill.style.width = p.percent === undefined ? "" : `${p.percent}%`;
  }
}
