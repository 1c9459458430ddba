// Follow-up questions: "And what is its unit?" after a question about a metric is about that
// metric. A question that refers back and names nothing itself carries the previous turn's
// names (or, when it had none, the previous question) into the question that is searched.

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
