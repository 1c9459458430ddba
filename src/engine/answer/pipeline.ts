// The answer pipeline: exact terms -> draft -> retrieve -> answer, streamed as events.
// The model drafts from its own knowledge, the draft and the question retrieve the docs, and the
// model answers from the numbered sections only, citing them as [n]. What the model is told is in
// answerPrompts.ts, whether the docs cover the question in coverage.ts.
import type { DocsIndex, TermHit } from "../index/docsIndex.js";
import { GenerationFailure, type ChatGenerator } from "../model/modelInterface.js";
import { retrieve } from "./retrieval.js";
import type { SearchHit } from "../index/types.js";
import { cardsForTerms } from "../cards/cardsForTerms.js";
import { excerptQuery } from "./excerptQuery.js";
import { modelSources, readerAnswer, readerSources, type ContextRequest } from "./context.js";
import { condenseFollowUp, resolveFollowUp, type PreviousTurn } from "./followUp.js";
import { followUpSources } from "./followUpSources.js";
import { ANSWER_SYSTEM_PROMPT, DRAFT_SYSTEM_PROMPT, answerPrompt, contextBudget, sourceBlock } from "./answerPrompts.js";
import { notCoveredNote, questionCoverage, spellingNote } from "./coverage.js";
import { DocLines, fileLinesOf } from "../index/search/fileLines.js";
import { readingSeconds, timedSourceBudget } from "./timeBudget.js";
import { DEFAULT_PIPELINE, type PipelineSettings } from "../../shared/pipelineSettings.js";
import { withoutText, type AnswerEvent, type AnswerResult, type AnswerSourceWithText, type Citation, type Stage } from "../../shared/answer.js";

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
  /** The most prompt tokens the sources may take (below what the context leaves them): `eval --context --source-tokens`. */
  sourceTokens?: number;
}

/** How many ranked hits the model's context is filled from (the budget usually ends it first). */
export const CONTEXT_HITS = 30;

export const NOT_COVERED = "The documentation does not seem to cover this.";

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
  const fileLines = new DocLines(index);

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

  // 2. Draft, when it can change what is retrieved: a question that names a defined term gets that
  // term's section first whatever a draft says (retrieval pins it), and on a CPU the draft costs
  // seconds before the docs are even searched.
  const skipped = chat && settings.draft && options.draft === undefined && !settings.draftForNamedTerms ? draftNotNeeded(terms) : undefined;
  if (skipped) result.draftSkipped = skipped;
  const useModelDraft = chat && settings.draft && options.draft === undefined && !skipped;
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
          side: true,
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
    delete result.bestLines;
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
    const room = await contextBudget(asked, count, chat.contextSize, settings.answerMaxTokens, chat.countPromptTokens?.bind(chat));
    // The sources read within the target time at the model's measured speed (contextBudget's frame: the context less room, answer and margin).
    const frameTokens = chat.contextSize - settings.answerMaxTokens - room - 64;
    result.sourceBudget =
      options.sourceTokens !== undefined
        ? { tokens: Math.min(room, options.sourceTokens), limitedBy: "context" }
        : timedSourceBudget({ seconds: settings.firstTokenSeconds, speed: chat.speed?.(), frameTokens, room });
    const budget = result.sourceBudget.tokens;
    result.sources = await modelSources(context, count, budget, sourceBlock);
    // A follow-up over the sources the answer before it was given keeps them as they were: the model
    // holds them and reads only what follows (what the follow-up's selection adds comes after them).
    const kept = options.previous?.sources && followUpSources(options.previous.sources, result.sources);
    if (kept && (await sourcesCost(kept, count)) <= room) result.sources = kept;
    emit({ type: "sources", sources: result.sources });
    if (aborted()) return;
    const prompt = answerPrompt(asked, result.sources);
    result.tokens.answerPrompt = await chat.countTokens(prompt, signal);
    // What the model holds from the last answer it does not read again: the held part starts with
    // the system prompt and the template's tokens, then the message's (a follow-up's same sources).
    const held = chat.cachedPromptTokens?.(ANSWER_SYSTEM_PROMPT, prompt) ?? 0;
    const frame = held ? (chat.countPromptTokens?.(ANSWER_SYSTEM_PROMPT, prompt) ?? result.tokens.answerPrompt) - result.tokens.answerPrompt : 0;
    const toRead = result.tokens.answerPrompt - Math.min(result.tokens.answerPrompt, Math.max(0, held - frame));
    // Honest progress: while the model reads, the best lines of the docs, and the wait before the
    // first word at the measured speed (clients say it, and draw it as a bar).
    const speed = chat.speed?.();
    const best = await readerSources(context, settings.sources);
    result.bestLines = { answer: retrievalOnlyAnswer(best), sources: best.map(withoutText) };
    emit({
      type: "reading",
      promptTokens: toRead,
      ...(speed ? { seconds: readingSeconds(toRead, speed) } : {}),
      bestLines: result.bestLines,
    });
    if (aborted()) return;
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
    if (generation.cachedPromptTokens) result.tokens.answerPromptCached = generation.cachedPromptTokens;
    result.tokensPerSecond.answer = generation.tokensPerSecond;
    if (generation.aborted) result.aborted = true;
    const { citations, invalid } = parseCitations(result.answer, result.sources);
    result.citations = citations;
    result.invalidCitations = invalid;
  });
  aborted();
  return finish();
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

/** Tokens the sources take in the prompt (as modelSources counts them). */
async function sourcesCost(sources: Source[], count: (t: string) => number | Promise<number>): Promise<number> {
  let total = 0;
  for (const s of sources) total += await count(sourceBlock(s) + "\n\n");
  return total;
}

/**
 * Why a draft cannot help this question, or undefined: it names a term the docs define (exactly or
 * as "did you mean"), whose defining section retrieval puts first without one.
 */
export function draftNotNeeded(termHits: readonly TermHit[]): string | undefined {
  const named = termHits[0];
  return named ? `the question names ${named.term}, which the docs define` : undefined;
}
