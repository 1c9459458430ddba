// How many prompt tokens the sources may take so that the first answer word comes within the
// user's target time (`docent.answer.firstTokenSeconds`), from the model's measured reading speed
// on this device (model/speed.ts); never fewer than a floor that keeps the facts (docs/models.md).
import type { ModelSpeed } from "../model/speed.js";

/**
 * The fewest tokens the sources get, whatever the time: a compact context of 1,200 tokens still
 * holds 0.81 of the reference answers' words on anthropic_docs (0.86 whole; 600 tokens: 0.75).
 */
export const SOURCE_TOKENS_FLOOR = 1200;

export interface SourceBudget {
  /** Tokens the sources may take. */
  tokens: number;
  /** What set it: the target time, the floor, or the room the context leaves (no speed measured, or fast enough). */
  limitedBy: "time" | "floor" | "context";
  /** Seconds the whole prompt (frame and sources) is expected to take to read, with the first token. */
  expectedSeconds?: number;
}

/**
 * The sources' budget: what reads within `seconds` at the measured speed, less the prompt's frame
 * (system prompt, question, template) and the first token's own time; at least `floor`, at most
 * `room` (what the context leaves them).
 */
export function timedSourceBudget(input: { seconds: number; speed: ModelSpeed | undefined; frameTokens: number; room: number; floor?: number }): SourceBudget {
  const { seconds, speed, frameTokens, room } = input;
  const floor = Math.min(input.floor ?? SOURCE_TOKENS_FLOOR, room);
  if (!speed || !(seconds > 0)) return { tokens: room, limitedBy: "context" };
  const firstToken = speed.generationTokensPerSecond > 0 ? 1 / speed.generationTokensPerSecond : 0;
  const within = Math.floor((seconds - firstToken) * speed.promptTokensPerSecond) - frameTokens;
  const [tokens, limitedBy] = within >= room ? [room, "context" as const] : within <= floor ? [floor, "floor" as const] : [within, "time" as const];
  return { tokens, limitedBy, expectedSeconds: (tokens + frameTokens) / speed.promptTokensPerSecond + firstToken };
}

/** Seconds to read `promptTokens` and write the first token at the measured speed. */
export function readingSeconds(promptTokens: number, speed: ModelSpeed): number {
  return promptTokens / speed.promptTokensPerSecond + (speed.generationTokensPerSecond > 0 ? 1 / speed.generationTokensPerSecond : 0);
}
