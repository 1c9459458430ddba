// Follow-up questions: "And what is its unit?" after a question about a metric is about that
// metric. A question that refers back and names nothing itself carries the previous turn's
// names (or, when it had none, the previous question) into the question that is searched; with a
// model, the follow-up and the turn before become one standalone question (condenseFollowUp).
import { GenerationFailure, type ChatGenerator } from "../model/modelInterface.js";
import { tokenize } from "../index/search/tokenizer.js";

/** What a follow-up needs of the turn before it. */
export interface PreviousTurn {
  question: string;
  /** The names the previous answer was about (its definition cards). */
  terms?: string[];
}

const REFERS_BACK = /\b(it|its|it's|itself|that|this|these|those|they|them|their|theirs|the same|above|previous|mentioned)\b/i;
const CONTINUES = /^\s*(and|also|what about|how about|then|but|same for|and what|what else)\b/i;

/** Whether a question leans on the turn before it (a pronoun, or "and…", "what about…"). */
export function refersBack(question: string): boolean {
  return REFERS_BACK.test(question) || CONTINUES.test(question);
}

/**
 * The question to answer: the one asked, or for a follow-up that names nothing itself, the one
 * asked with what it refers to. `namesIn` gives the defined names a text holds.
 */
export function resolveFollowUp(question: string, previous: PreviousTurn | undefined, namesIn: (text: string) => string[]): string {
  if (!previous?.question.trim() || !refersBack(question) || namesIn(question).length > 0) return question;
  const carried = previous.terms?.length ? previous.terms : namesIn(previous.question);
  const about = carried.length ? carried.join(", ") : previous.question.trim().replace(/\s+/g, " ").slice(0, 300);
  return `${question.trim()} (about ${about})`;
}

export const CONDENSE_SYSTEM_PROMPT =
  "Rewrite the follow-up question as one standalone question that names what it refers to, using the previous question. " + "Write only the question.";

/**
 * The follow-up as a standalone question written by the model, or undefined when the model's
 * question drops a name the carried question holds (or it writes nothing usable).
 */
export async function condenseFollowUp(
  chat: ChatGenerator,
  question: string,
  previous: PreviousTurn,
  carried: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const generation = await chat
    .generate({
      system: CONDENSE_SYSTEM_PROMPT,
      user: `Previous question: ${previous.question}\nFollow-up: ${question}`,
      maxTokens: 64,
      temperature: 0,
      signal,
    })
    // A model server that fails here leaves the carried question; the draft and answer say what failed.
    .catch((err: unknown) => {
      if (err instanceof GenerationFailure) return undefined;
      throw err;
    });
  if (!generation) return undefined;
  const condensed = generation.text.trim().split("\n")[0]!.trim();
  if (generation.aborted || condensed.length < 3 || condensed.length > 400) return undefined;
  const names = previous.terms ?? [];
  if (names.length) return names.every((n) => condensed.toLowerCase().includes(n.toLowerCase())) ? condensed : undefined;
  // No names to check: it must at least share a word with the previous question.
  const before = new Set(tokenize(previous.question));
  return condensed !== carried && tokenize(condensed).some((t) => before.has(t)) ? condensed : undefined;
}
