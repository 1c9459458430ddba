// The one channel to the extension host: typed postMessage, and the only state the view keeps
// across reloads (the unsent question).
import { MAX_QUESTION_CHARS, type WebviewToHost } from "../src/shared/webviewMessages.js";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called once per page.
const api = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

/** The unsent question, kept by VS Code while the view is hidden or reloaded; nothing else is stored. */
export function loadDraft(): string {
  const state = api.getState();
  const draft = typeof state === "object" && state !== null ? (state as { draft?: unknown }).draft : undefined;
  return typeof draft === "string" ? draft.slice(0, MAX_QUESTION_CHARS) : "";
}

export function saveDraft(draft: string): void {
  api.setState({ draft });
}
