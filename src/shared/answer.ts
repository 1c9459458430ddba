// What an answer is, as the engine sends it to its clients (the extension, the webview, the CLI's
// JSON): stages, sources, citations, the streamed events and the final result. The engine builds
// these; this file imports only other shared types, so every side can use it.

import type { DefinitionCard } from "./cards.js";

/** How a section was found: an exact defined term, full text, or vectors. */
export type MatchSource = "term" | "text" | "vector";

/** The pipeline's steps, in order. */
export type Stage = "terms" | "draft" | "retrieve" | "answer";

/** One place a source's text is in: a file and its lines. */
export interface SourceLocation {
  /** Path relative to its docs folder. */
  path: string;
  /** Absolute path. */
  file: string;
  startLine: number;
  endLine: number;
}

/** The most other places one source lists (the same text copied more often than that is rare, and a list that long says nothing more). */
export const MAX_OTHER_LOCATIONS = 8;

/** A numbered section the answer draws on. The engine's own copy also holds the text (see AnswerSourceWithText). */
export interface AnswerSource {
  /** The number the answer cites it by. */
  n: number;
  /** Path relative to its docs folder. */
  path: string;
  /** Absolute path. */
  file: string;
  heading: string;
  /** The section's most specific heading as plain text ("Metric: http.server.request.duration"): what a source list leads with. */
  label?: string;
  startLine: number;
  endLine: number;
  matchedBy: MatchSource[];
  /** The defined term that matched exactly, when there was one. */
  term?: string;
  /**
   * Hash of the file's lines startLine..endLine when the answer was written: feedback given
   * later re-reads those lines and keeps them only if the file still holds them.
   */
  linesHash?: string;
  /**
   * Other places that hold the same or nearly the same text (a page copied into two folders, a
   * sample repeated per language tab): shown once, as this source, with every place listed. At
   * most MAX_OTHER_LOCATIONS.
   */
  also?: SourceLocation[];
}

/** A source with the text the model was given (a whole section when the budget allowed). */
export interface AnswerSourceWithText extends AnswerSource {
  text: string;
}

/** Where a citation in the answer points: its source's number and location. */
export type Citation = Pick<AnswerSource, "n" | "path" | "file" | "heading" | "startLine" | "endLine">;

export type AnswerMode = "model" | "retrieval-only" | "not-covered";

/** How the question was read against the docs' own words ("did you mean"). */
export interface SpellingNote {
  /** Words the docs never use, read as the docs' nearest words (`duraton` → `duration`). */
  corrected: { from: string; to: string }[];
  /** Words of the question found in the docs under no correction. */
  notFound: string[];
}

export type AnswerTimings = {
  terms: number;
  draft: number;
  retrieve: number;
  answer: number;
  total: number;
  firstAnswerTokenMs: number;
};

/** The finished answer. `S` is AnswerSource on the wire and AnswerSourceWithText inside the engine. */
export interface AnswerResult<S extends AnswerSource = AnswerSource> {
  question: string;
  draft: string;
  answer: string;
  /** The answer's reasoning segments (`<think>…</think>`): shown collapsed, never parsed for citations. */
  reasoning?: string;
  mode: AnswerMode;
  /** Why the answer is not a model answer, when it is not. */
  note?: string;
  sources: S[];
  /** Definition cards of the names the question gives (shown above the answer, and given to the model). */
  cards?: DefinitionCard[];
  /**
   * The question as it was answered, when it differs from the one asked: a follow-up ("and its
   * unit?") carries the names the previous turn was about.
   */
  resolvedQuestion?: string;
  /** Set when the question has words the docs never use: how they were read, and those not found. */
  spelling?: SpellingNote;
  citations: Citation[];
  /** Citation numbers in the answer that match no source. */
  invalidCitations: number[];
  draftWeight: number;
  /** Why no draft was written although drafts are on (the question names a defined term). */
  draftSkipped?: string;
  /** The tokens the sources were given and what set them (the time to the first word, its floor, or the context). */
  sourceBudget?: SourceBudgetInfo;
  /** The best lines of the docs shown while the model read (a model answer only). */
  bestLines?: BestLines;
  aborted: boolean;
  timings: AnswerTimings;
  /** answerPromptCached: of the answer's prompt, the tokens a local model held from the last answer and did not read again. */
  tokens: { draft: number; answer: number; answerPrompt: number; answerPromptCached?: number };
  tokensPerSecond: { draft: number; answer: number };
}

/** What streams while an answer is written, before its result. */
export type AnswerEvent<S extends AnswerSource = AnswerSource> =
  | { type: "stage"; stage: Stage; status: "started" }
  | { type: "stage"; stage: Stage; status: "finished"; ms: number }
  | { type: "draft-chunk"; text: string }
  | { type: "cards"; cards: DefinitionCard[]; resolvedQuestion?: string; spelling?: SpellingNote }
  | { type: "sources"; sources: S[] }
  | { type: "answer-chunk"; text: string }
  /** Why the answer waits (a busy model server, retrying): shown while it waits, then replaced. */
  | { type: "notice"; text: string }
  /** Reasoning the model wrote before its draft or answer: never part of their text. */
  | { type: "reasoning-chunk"; stage: "draft" | "answer"; text: string }
  /**
   * The model starts reading its prompt, before its first word: how many tokens, about how many
   * seconds at the speed measured on this device (absent where none is measured: a model server),
   * and the best lines of the docs to read meanwhile.
   */
  | { type: "reading"; promptTokens: number; seconds?: number; bestLines?: BestLines };

/**
 * The best-matching lines of the docs, as the retrieval-only answer gives them (cited [n] against
 * their own sources, not the model's): shown while the model reads, then kept under its answer.
 */
export interface BestLines {
  answer: string;
  sources: AnswerSource[];
}

/** The wire form of a source: the text stays in the engine (the client opens the file). */
export function withoutText<S extends AnswerSource>({ text: _text, ...source }: S & { text?: string }): AnswerSource {
  return source;
}

/** The spelling note in one line: "Searched for duration (not duraton); not in the docs: sourdough". */
export function spellingText(spelling: SpellingNote): string {
  const parts: string[] = [];
  if (spelling.corrected.length) parts.push(`Searched for ${spelling.corrected.map((c) => `${c.to} (not ${c.from})`).join(", ")}`);
  if (spelling.notFound.length) parts.push(`not in the docs: ${spelling.notFound.join(", ")}`);
  return parts.join("; ");
}

/** How many prompt tokens an answer's sources had, and why (answer/timeBudget.ts). */
export interface SourceBudgetInfo {
  tokens: number;
  limitedBy: "time" | "floor" | "context";
  /** Expected seconds to read the prompt, from the measured speed. */
  expectedSeconds?: number;
}

/** Below this many seconds of expected reading the wait is not announced at once: it would only flicker. */
export const READING_SHOWN_SECONDS = 2;

/** What a turn says while the model reads: "Reading 1,259 tokens of docs… about 36 s" (no seconds: none measured). */
export function readingText(promptTokens: number, seconds?: number): string {
  const tokens = `Reading ${promptTokens.toLocaleString("en-US")} tokens of docs…`;
  return seconds === undefined ? tokens : `${tokens} about ${Math.max(1, Math.round(seconds))} s`;
}
