// The answer pipeline: exact terms -> draft -> retrieve -> answer, streamed as events.
// The model drafts from its own knowledge, the draft and the question retrieve the docs, and the
// model answers from the numbered sections only, citing them as [n].
import type { DocsIndex } from "../index/docsIndex.js";
import { GenerationFailure, type ChatGenerator } from "../model/modelInterface.js";
import { retrieve } from "./retrieval.js";
import { correctedStems, type QuerySpelling } from "../index/search/correction.js";
import { tokenize } from "../index/search/tokenizer.js";
import type { SearchHit } from "../index/types.js";
import { cardsForTerms } from "../cards/cardsForTerms.js";
import { excerptQuery } from "./excerptQuery.js";
import { modelSources, readerAnswer, readerSources, type ContextRequest } from "./context.js";
import { resolveFollowUp, type PreviousTurn } from "./followUp.js";
import { fileLinesOf } from "../index/search/fileLines.js";
import { DEFAULT_PIPELINE, type PipelineSettings } from "../../shared/pipelineSettings.js";
import type { AnswerEvent, AnswerResult, AnswerSourceWithText, Citation, SpellingNote, Stage } from "../../shared/answer.js";

/** A source as the engine holds it: with the text the model was given. */
export type Source = AnswerSourceWithText;

/** The pipeline's result: sources keep their texts (the engine strips them before they go out). */
export type PipelineResult = AnswerResult<Source>;

export type PipelineEvent = AnswerEvent<Source> | { type: "done"; result: PipelineResult };

export interface AskOptions {
  settings?: Partial<PipelineSettings>;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** Use this draft instead of generating one (evaluation, and tests of the fusion). */
  draft?: string;
  /** The turn before this one, for follow-ups ("and its unit?"). */
  previous?: PreviousTurn;
}

/** How many ranked hits the model's context is filled from (the budget usually ends it first). */
export const CONTEXT_HITS = 30;

export const ANSWER_SYSTEM_PROMPT =
  "You answer questions about a product's documentation. Use only the numbered documentation sections " +
  "you are given. Cite every section you use as [n], right after the claim it supports. If the sections " +
  "do not answer the question, say that the documentation does not cover it. Be concise and exact.";

export const DRAFT_SYSTEM_PROMPT =
  "You are an expert on this product and its documentation. Answer the question from what you know in two " +
  "or three sentences, naming the exact terms, settings or metric names involved. No preamble.";

export const NOT_COVERED = "The documentation does not seem to cover this.";

export const CONDENSE_SYSTEM_PROMPT =
  "Rewrite the follow-up question as one standalone question that names what it refers to, using the previous question. " + "Write only the question.";

/**
 * The follow-up as a standalone question written by the model, or undefined when the model's
 * question drops a name the carried question holds (or it writes nothing usable).
 */
async function condenseFollowUp(
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

export async function answerQuestion(index: DocsIndex, chat: ChatGenerator | undefined, question: string, options: AskOptions = {}): Promise<PipelineResult> {
  const settings = { ...DEFAULT_PIPELINE, ...options.settings };
  const { signal } = options;
  const emit = options.onEvent ?? (() => {});
  const started = performance.now();
  const timings = { terms: 0, draft: 0, retrieve: 0, answer: 0, total: 0, firstAnswerTokenMs: 0 };
  const result: PipelineResult = {
    question,
    draft: "",
    answer: "",
    mode: "model",
    sources: [],
    citations: [],
    invalidCitations: [],
    draftWeight: 0,
    aborted: false,
    timings,
    tokens: { draft: 0, answer: 0, answerPrompt: 0 },
    tokensPerSecond: { draft: 0, answer: 0 },
  };
  const finish = (): PipelineResult => {
    timings.total = performance.now() - started;
    emit({ type: "done", result });
    return result;
  };
  const stage = async <T>(name: Stage, run: () => Promise<T>): Promise<T> => {
    emit({ type: "stage", stage: name, status: "started" });
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      timings[name] = performance.now() - t0;
      emit({ type: "stage", stage: name, status: "finished", ms: timings[name] });
    }
  };
  const aborted = () => {
    if (signal?.aborted) result.aborted = true;
    return result.aborted;
  };
  /** Set when the model failed (a server that went away): later steps answer without it. */
  let modelFailure: string | undefined;
  const onNotice = (text: string) => emit({ type: "notice", text });

  // 0. A follow-up that names nothing itself is about what the previous turn was about.
  const definedNames = (text: string) => [...new Set(index.exactTermHits(text, undefined, 4).map((d) => d.term))];
  let asked = resolveFollowUp(question, options.previous, definedNames);
  if (asked !== question && chat && options.previous) {
    // With a model, the follow-up and the turn before become one standalone question; it is kept
    // only if it still names what the carry found (a small model can lose the subject).
    asked = (await condenseFollowUp(chat, question, options.previous, asked, signal)) ?? asked;
  }
  if (asked !== question) result.resolvedQuestion = asked;
  const fileLines = new Map<string, string[] | undefined>();

  // 1. Exact terms and their cards, and the question's own ranking: ready before the draft is written.
  const { terms, questionRanking } = await stage("terms", async () => {
    const ranking = index.textRanking(asked, 100);
    const found = index.exactTermHits(asked, new Map(ranking.map((d) => [d.id, d.score])), settings.sources);
    result.cards = await cardsForTerms(index, found, fileLines);
    result.spelling = spellingNote(index.spellingOf(asked), found);
    return { questionRanking: ranking, terms: found };
  });
  if (result.cards?.length || result.resolvedQuestion || result.spelling)
    emit({
      type: "cards",
      cards: result.cards ?? [],
      ...(result.resolvedQuestion ? { resolvedQuestion: asked } : {}),
      ...(result.spelling ? { spelling: result.spelling } : {}),
    });
  if (aborted()) return finish();

  // 2. Draft.
  const useModelDraft = chat && settings.draft && options.draft === undefined;
  if (options.draft !== undefined || useModelDraft) {
    await stage("draft", async () => {
      if (options.draft !== undefined) {
        result.draft = options.draft;
        emit({ type: "draft-chunk", text: options.draft });
        return;
      }
      const generation = await chat!
        .generate({
          system: DRAFT_SYSTEM_PROMPT,
          user: asked,
          maxTokens: settings.draftMaxTokens,
          temperature: settings.draftTemperature,
          signal,
          onTextChunk: (text) => emit({ type: "draft-chunk", text }),
          onNotice,
          onReasoningChunk: (text) => emit({ type: "reasoning-chunk", stage: "draft", text }),
        })
        .catch((err: unknown) => {
          // The draft written so far still helps retrieval; the answer falls back to the sections.
          if (!(err instanceof GenerationFailure)) throw err;
          modelFailure = err.message;
          return err.partial;
        });
      result.draft = generation.text.trim();
      result.tokens.draft = generation.tokens;
      result.tokensPerSecond.draft = generation.tokensPerSecond;
      if (generation.aborted) result.aborted = true;
    });
    if (aborted()) return finish();
  }

  // 3. Retrieve.
  const hits = await stage("retrieve", async () => {
    // Deeper than the sources shown: hits of one section become one source, and the model's context is filled to its budget.
    const k = chat ? Math.max(CONTEXT_HITS, settings.sources) : settings.sources * 3;
    const found = await retrieve(index, asked, { k, draft: result.draft, questionRanking, termHits: terms, signal });
    result.draftWeight = found.draftWeight;
    return found.hits;
  }).catch((err) => {
    if (signal?.aborted) return [] as SearchHit[];
    throw err;
  });
  if (aborted()) return finish();

  const covered = terms.length > 0 || (hits.length > 0 && questionCoverage(index, asked, hits[0]!) >= settings.minCoverage);
  if (!covered) {
    result.mode = "not-covered";
    result.answer = NOT_COVERED;
    result.note = notCoveredNote(result.spelling, hits.length > 0, index.embedder !== undefined);
    emit({ type: "sources", sources: [] });
    emit({ type: "answer-chunk", text: result.answer });
    return finish();
  }

  // 4. Answer.
  const context: ContextRequest = {
    hits,
    query: excerptQuery(
      asked,
      (t) => index.bm25.idf(t),
      terms.map((t) => t.term),
    ),
    cards: result.cards ?? [],
    cache: fileLines,
  };
  /** The best-matching lines of the docs as the answer: without a model, or when the model failed. */
  const answerWithSections = async (note: string) => {
    result.sources = await readerSources(context, settings.sources);
    emit({ type: "sources", sources: result.sources });
    result.mode = "retrieval-only";
    result.note = note;
    result.answer = retrievalOnlyAnswer(result.sources);
    result.citations = parseCitations(result.answer, result.sources).citations;
    emit({ type: "answer-chunk", text: result.answer });
  };
  if (!chat || modelFailure !== undefined) {
    await answerWithSections(
      modelFailure === undefined
        ? "No chat model is configured, so these are the best-matching lines of the docs."
        : `The model failed (${modelFailure}), so these are the best-matching lines of the docs.`,
    );
    return finish();
  }
  await stage("answer", async () => {
    const count = (t: string) => chat.countTokens(t, signal);
    const budget = await contextBudget(asked, count, chat.contextSize, settings.answerMaxTokens, chat.countPromptTokens?.bind(chat));
    result.sources = await modelSources(context, count, budget, sourceBlock);
    emit({ type: "sources", sources: result.sources });
    if (aborted()) return;
    const prompt = answerPrompt(asked, result.sources);
    result.tokens.answerPrompt = await chat.countTokens(prompt, signal);
    let failure: GenerationFailure | undefined;
    const generation = await chat
      .generate({
        system: ANSWER_SYSTEM_PROMPT,
        user: prompt,
        maxTokens: settings.answerMaxTokens,
        temperature: 0,
        signal,
        onTextChunk: (text) => emit({ type: "answer-chunk", text }),
        onNotice,
        onReasoningChunk: (text) => emit({ type: "reasoning-chunk", stage: "answer", text }),
      })
      .catch((err: unknown) => {
        if (!(err instanceof GenerationFailure)) throw err;
        failure = err;
        return err.partial;
      });
    if (failure && !generation.text.trim()) {
      // Nothing was written: the best-matching lines are the answer (they replace the sources sent above).
      await answerWithSections(`The model failed (${failure.message}), so these are the best-matching lines of the docs.`);
      return;
    }
    // What was written before a failure is kept, with a note saying where it stopped and why.
    if (failure) result.note = `The answer stopped early: ${failure.message}`;
    timings.firstAnswerTokenMs = performance.now() - started - (generation.ms - generation.firstTokenMs);
    result.answer = generation.text.trim();
    if (generation.reasoning) result.reasoning = generation.reasoning.trim();
    result.tokens.answer = generation.tokens;
    result.tokensPerSecond.answer = generation.tokensPerSecond;
    if (generation.aborted) result.aborted = true;
    const { citations, invalid } = parseCitations(result.answer, result.sources);
    result.citations = citations;
    result.invalidCitations = invalid;
  });
  aborted();
  return finish();
}

/**
 * Share of the question's words found in the hit, each weighted by its rarity in the docs (idf),
 * read as the docs spell them (correction.ts): a misspelt word counts as its correction. A word
 * the docs never use under any correction weighs as much as the average of the question's other
 * words (not as the rarest word there is: one word the docs do not use must not hide a section
 * that matches the rest), and short ones ("teh") not at all. A question must also match the
 * section by at least one word as written, or by the correction of a word of six letters or more:
 * "bake bread" is one edit from "make read", and no evidence that the docs cover baking.
 */
export function questionCoverage(index: DocsIndex, question: string, hit: SearchHit): number {
  const spelling = index.spellingOf(question);
  const inHit = new Set(tokenize(`${hit.chunk.title} ${hit.chunk.relPath} ${hit.chunk.headingPath.join(" ")} ${hit.chunk.text}`));
  let found = 0;
  let total = 0;
  let anchored = false;
  let known = 0;
  for (const w of new Set(tokenize(question))) {
    // Unknown words (misspelt or not) are weighed below, through their corrections; names through
    // their parts (misspelt ones through their corrected parts).
    if (index.bm25.docFrequency(w) === 0) continue;
    const weight = index.bm25.idf(w);
    total += weight;
    known++;
    if (inHit.has(w)) {
      found += weight;
      anchored = true;
    }
  }
  for (const correction of spelling.words) {
    const stems = [...correctedStems(correction)];
    // Weighed as the best reading would be (a rarer second reading must not make it count more).
    const weight = Math.max(...tokenize(correction.to[0]!).map((t) => index.bm25.idf(t)));
    total += weight;
    known++;
    if (stems.some((t) => inHit.has(t))) {
      found += weight;
      if (correction.from.length >= 6) anchored = true;
    }
  }
  if (known === 0 || !anchored) return 0;
  total += spelling.unknown.length * (total / known);
  return total > 0 ? found / total : 0;
}

const MAX_NOTED_WORDS = 8;

/** How the question was read, for the reader: undefined when every word is as the docs spell it. */
export function spellingNote(spelling: QuerySpelling, termHits: readonly { askedAs?: string }[]): SpellingNote | undefined {
  // A misspelt name is shown by its card or hit ("Did you mean"), and so are its parts' corrections;
  // a name that got neither is listed here.
  const carded = new Set(termHits.map((t) => t.askedAs));
  const cardedParts = new Set([...carded].flatMap((name) => name?.split(/[._\-/:]/) ?? []));
  const corrected = spelling.words.filter((c) => !cardedParts.has(c.from)).map((c) => ({ from: c.from, to: c.to[0]! }));
  for (const c of spelling.names) if (!carded.has(c.from)) corrected.push({ from: c.from, to: c.to[0]! });
  if (corrected.length === 0 && spelling.unknown.length === 0) return undefined;
  // A note, not a list: a pasted page of made-up words is named by its first few.
  return { corrected: corrected.slice(0, MAX_NOTED_WORDS), notFound: spelling.unknown.slice(0, MAX_NOTED_WORDS) };
}

/** Why the docs do not seem to cover a question, naming the words they never use. */
export function notCoveredNote(spelling: SpellingNote | undefined, anyHit: boolean, hasEmbedder: boolean): string {
  const notFound = spelling?.notFound ?? [];
  if (notFound.length === 0) return anyHit ? "No section matches enough of the question's words." : "No section matches the question.";
  const words = notFound.map((w) => `"${w}"`).join(", ");
  const hint = hasEmbedder ? "" : " An embedding model (Docent: Select Model) also finds sections that say it in other words.";
  return `The docs never use ${words}${anyHit ? ", and no section matches enough of the rest" : ""}.${hint}`;
}

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

export { linesHash } from "./context.js";
export { fileLinesOf };

/** [n] references in the answer, mapped to sources; "[1, 2]" and "[1][3]" count too, "\[1]" (the docs' own brackets, escaped) does not. */
export function parseCitations(answer: string, sources: Source[]): { citations: Citation[]; invalid: number[] } {
  const seen = new Set<number>();
  const invalid = new Set<number>();
  const citations: Citation[] = [];
  for (const m of answer.matchAll(/(?<!\\)\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const part of m[1]!.split(",")) {
      const n = Number(part.trim());
      const source = sources.find((s) => s.n === n);
      if (!source) {
        invalid.add(n);
        continue;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      citations.push({ n, path: source.path, file: source.file, heading: source.heading, startLine: source.startLine, endLine: source.endLine });
    }
  }
  return { citations, invalid: [...invalid] };
}

export function retrievalOnlyAnswer(sources: Source[]): string {
  return sources.length === 0 ? NOT_COVERED : readerAnswer(sources);
}
