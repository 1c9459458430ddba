// What a turn's view needs of the chat around it, and a reader's rating of an answer.
import type { WebviewToHost } from "../src/shared/webviewMessages.js";

export type Rating = "up" | "down";

export interface TurnHost {
  post(message: WebviewToHost): void;
  /**
   * Runs a change to the turn's content. The chat runs it as it is, without scrolling: a new
   * question is pinned to the top of the view and its answer grows below it (main.ts, pinTurn).
   */
  update(change: () => void): void;
}
