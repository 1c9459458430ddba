// What the model is told: the system prompts of the draft and the answer, the numbered sections
// with the question, and how many tokens of its context those sections may fill.
import type { AnswerSourceWithText } from "../../shared/answer.js";

type Source = AnswerSourceWithText;

export const ANSWER_SYSTEM_PROMPT =
  "You answer questions about a product's documentation. Use only the numbered documentation sections " +
  "you are given. Cite every section you use as [n], right after the claim it supports. If the sections " +
  "do not answer the question, say that the documentation does not cover it. Be concise and exact.";

export const DRAFT_SYSTEM_PROMPT =
  "You are an expert on this product and its documentation. Answer the question from what you know in two " +
  "or three sentences, naming the exact terms, settings or metric names involved. No preamble.";

/**
 * Tokens the sources may use: the context less the answer, the prompt's frame (the system prompt and
 * the question's prompt without sources) and a margin of 64. With `countPromptTokens` the frame is
 * counted as the model's chat template renders it (special tokens included); without it, as the
 * tokens of the system prompt and of the question's prompt, counted apart.
 */
export async function contextBudget(
  question: string,
  countTokens: (t: string) => number | Promise<number>,
  contextSize: number,
  answerMaxTokens: number,
  countPromptTokens?: (system: string, user: string) => number,
): Promise<number> {
  const frame = answerPrompt(question, []);
  const overhead = (countPromptTokens?.(ANSWER_SYSTEM_PROMPT, frame) ?? (await countTokens(ANSWER_SYSTEM_PROMPT)) + (await countTokens(frame))) + 64;
  return contextSize - answerMaxTokens - overhead;
}

/** One numbered section as the model sees it (with the other places its text is in, so the model cites it once). */
export function sourceBlock(s: Pick<Source, "n" | "path" | "heading" | "startLine" | "endLine" | "text" | "also">): string {
  const also = s.also?.length ? `; the same text is also in ${s.also.map((a) => `${a.path} lines ${a.startLine}-${a.endLine}`).join(", ")}` : "";
  return `[${s.n}] ${s.path} — ${s.heading} (lines ${s.startLine}-${s.endLine}${also})\n${s.text}`;
}

export function answerPrompt(question: string, sources: Source[]): string {
  return `Documentation sections:\n\n${sources.map(sourceBlock).join("\n\n")}\n\nQuestion: ${question}\nAnswer with citations like [1]:`;
}
