// Follow-up questions: "And what is its unit?" after a question about a metric is about that
// metric. A question that refers back and names nothing itself carries the previous turn's
// names (or, when it had none, the previous question) into the question that is searched; with a
// model, the follow-up and the turn before become one standalone question (condenseFollowUp).
import { GenerationFailure, type ChatGenerator } from "../model/modelInterface.js";
import { tokenize } from "../index/search/tokenizer.js";
import type { AnswerSourceWithText } from "../../shared/answer.js";

/** What a follow-up needs of the turn before it. */
export interface PreviousTurn {
  question: string;
  /** The names the previous answer was about (its definition cards). */
  terms?: string[];
  /** The sources the previous answer's model was given, with their texts (the engine keeps them): a follow-up over them keeps them. */
  sources?: AnswerSourceWithText[];
}

const REFERS_BACK = /\b(it|its|it's|itself|that|this|these|those|they|them|their|theirs|the same|above|previous|mentioned)\b/i;
const CONTINUES = /^\s*(and|also|what about|how about|then|but|same for|and what|what else)\b/i;

/** Whether a question leans on the turn before it (a pronoun, or "and…", "what about…"). */
export function refersBack(question: string): boolean {
  return REFERS_BACK.test(question) || CONTINUES.test(question);
}

/**
 * The question to answer: the one asked, or for a follow-up that names nothing itself, the one
 * asked about what it refers to. With names to carry, the pronoun becomes the names ("And which
 * attributes does it have?" -> "Which attributes does http.server.request.duration have?"), which
 * the chat shows as "Answered as"; a follow-up with no pronoun to replace, or about a previous
 * question that named nothing, gets "(about ...)" after it. `namesIn` gives the defined names a text holds.
 */
export function resolveFollowUp(question: string, previous: PreviousTurn | undefined, namesIn: (text: string) => string[]): string {
  if (!previous?.question.trim() || !refersBack(question) || namesIn(question).length > 0) return question;
  const carried = previous.terms?.length ? previous.terms : namesIn(previous.question);
  if (carried.length) {
    const standalone = withNames(question, carried);
    if (standalone) return standalone;
  }
  const about = carried.length ? carried.join(", ") : previous.question.trim().replace(/\s+/g, " ").slice(0, 300);
  return `${question.trim()} (about ${about})`;
}

/** "And", "also", "then", "but" or "so" opening a follow-up, with the comma after it. */
const OPENING = /^\s*(?:and|also|then|but|so)\b[\s,]*/i;
/** A pronoun that points back: "it's", "its"/"their", "it"/"they"/"them". */
const PRONOUN = /\b(?:(it's|it is)|(its|their)|(it|itself|they|them))\b/i;
/** Else a demonstrative, with the noun after it ("this metric"); "that" is often a relative pronoun, so it comes second. */
const DEMONSTRATIVE =
  /\b(?:this|that|these|those)(?:\s+(?:metric|metrics|attribute|attributes|name|names|one|ones|value|values|instrument|event|events|span|spans|setting|settings|option|options|field|fields))?\b/i;

/**
 * The follow-up with its first pointer replaced by the names, and its opening "and" dropped; undefined
 * when it has no pointer ("What about the unit?", "same for the previous one").
 */
function withNames(question: string, names: string[]): string | undefined {
  const about = names.length <= 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const text = question.trim().replace(/\s+/g, " ").replace(OPENING, "");
  const m = PRONOUN.exec(text) ?? DEMONSTRATIVE.exec(text);
  if (!m) return undefined;
  const after = text.slice(m.index + m[0].length);
  // "its unit?" reads best as "the unit of <name>?"; a longer phrase keeps its order ("<name>'s default value").
  const oneNoun = m[2] ? /^ ([\p{L}-]+)(?=\s*[?.!,;:]|$)/u.exec(after) : null;
  const out = oneNoun
    ? `${text.slice(0, m.index)}the ${oneNoun[1]} of ${about}${after.slice(oneNoun[0].length)}`
    : text.slice(0, m.index) + (m[1] ? `${about} is` : m[2] ? `${about}'s` : about) + after;
  // Only the sentence's first letter is raised: a name at the start keeps its own case.
  return m.index === 0 ? out : out[0]!.toUpperCase() + out.slice(1);
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
      side: true,
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
