// The view's UI kit, kept to this one module: @vscode/webview-ui-toolkit 1.4 (archived upstream; its
// successor is @vscode-elements/elements). The rest of the view creates controls only through these
// helpers and styles them by class, so moving to another kit changes this file alone.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeProgressRing, vsCodeTextArea } from "@vscode/webview-ui-toolkit";

export function registerComponents(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeProgressRing(), vsCodeTextArea());
}

export interface ButtonOptions {
  /** The accessible name (and tooltip when the button shows only an icon). */
  label: string;
  /** Visible text; left out for an icon-only button. */
  text?: string;
  icon?: SVGElement;
  appearance?: "primary" | "secondary" | "icon";
  className?: string;
  onClick: () => void;
}

export function createButton(options: ButtonOptions): HTMLElement {
  const button = document.createElement("vscode-button");
  // aria-label first: the kit labels an icon button "Icon Button" when it has none yet.
  button.setAttribute("aria-label", options.label);
  button.setAttribute("title", options.label);
  button.setAttribute("appearance", options.appearance ?? (options.text ? "secondary" : "icon"));
  button.className = ["btn", options.className].filter(Boolean).join(" ");
  if (options.icon) {
    if (options.text) options.icon.setAttribute("slot", "start");
    button.append(options.icon);
  }
  if (options.text) button.append(options.text);
  button.addEventListener("click", () => {
    if (!button.hasAttribute("disabled")) options.onClick();
  });
  return button;
}

export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute("disabled", disabled);
}

/** Swaps a button's icon (and label) in place, e.g. Copy -> Copied. */
export function setButtonIcon(button: HTMLElement, icon: SVGElement, label?: string): void {
  const old = button.querySelector("svg");
  if (old) old.replaceWith(icon);
  else button.prepend(icon);
  if (label) {
    button.setAttribute("aria-label", label);
    button.setAttribute("title", label);
  }
}

/** A multi-line input; `value` is the text, and `focus()` reaches the inner textarea. */
export interface TextAreaControl extends HTMLElement {
  value: string;
}

export interface TextAreaOptions {
  label: string;
  placeholder: string;
  rows: number;
  maxLength: number;
  className?: string;
}

export function createTextArea(options: TextAreaOptions): TextAreaControl {
  const area = document.createElement("vscode-text-area") as TextAreaControl;
  area.setAttribute("aria-label", options.label);
  area.setAttribute("placeholder", options.placeholder);
  area.setAttribute("rows", String(options.rows));
  area.setAttribute("maxlength", String(options.maxLength));
  area.setAttribute("resize", "none");
  area.className = ["input", options.className].filter(Boolean).join(" ");
  // Select all stays in the box. VS Code's webview frame forwards every keydown that reaches the
  // window to the workbench, whose Select All then posts a second select-all back to the view; the
  // browser has already selected the text. When the user types before that round trip lands, the
  // late select-all selects the first typed character, and the next one replaces it ("hat does
  // hw.gpu.io measure?", issue 23 item 9). Stopping the event here keeps the browser's own select-all only.
  area.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "a") event.stopPropagation();
  });
  return area;
}

/** An indeterminate spinner; `label` is announced, or it is hidden from assistive tech when empty. */
export function createProgressRing(label = ""): HTMLElement {
  const ring = document.createElement("vscode-progress-ring");
  ring.className = "ring";
  if (label) ring.setAttribute("aria-label", label);
  else ring.setAttribute("aria-hidden", "true");
  return ring;
}
