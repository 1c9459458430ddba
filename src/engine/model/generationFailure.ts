// A generation that failed part-way for a reason outside Docent (a model server that went away,
// refused the key, stalled): it carries what was written before the failure, so the answer
// pipeline keeps that text and says what happened instead of dropping the turn.
import type { Generation } from "./llm.js";

export class GenerationFailure extends Error {
  constructor(
    message: string,
    /** What was generated before the failure (text may be empty). */
    readonly partial: Generation,
  ) {
    super(message);
    this.name = "GenerationFailure";
  }
}

export function emptyGeneration(ms = 0): Generation {
  return { text: "", tokens: 0, firstTokenMs: 0, ms, tokensPerSecond: 0, aborted: false, stopReason: "error" };
}
