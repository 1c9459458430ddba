// The answer pipeline: exact terms -> draft -> retrieve -> answer, streamed as events.
// The model drafts from its own knowledge, the draft and the question retrieve the docs, and the
// model answers from the numbered sections only, citing them as [n].
import type { DocsIndex } from "../index/docsIndex.js";
import type { Generation, GenerateRequest } from "../model/llm.js";
import { GenerationFailure } from "../model/generationFailure.js";
import { retrieve } from "./retrieval.js";
import { contentHash } from "../index/hash.js";
import { readLines } from "../index/text.js";
import { tokenize } from "../index/tokenizer.js";
import { headingLabel, type SearchHit } from "../index/types.js";
import { DEFAULT_PIPELINE, type PipelineSettings } from "../../shared/pipelineSettings.js";
import type { AnswerEvent, AnswerResult, AnswerSourceWithText, Citation, Stage } from "../../shared/answer.js";

/**
 * What the pipeline needs of a chat model: ChatModel (in process) and ServerChat (an
 * OpenAI-compatible server, whose tokenizer is a request away) implement it. contextSize is read
 * after a countTokens call, by which time a server's has been asked for.
 */
export interface ChatGenerator {
  readonly contextSize: number;
  countTokens(text: string): number | Promise<number>;
  /** May throw GenerationFailure (a model server that failed): the pipeline keeps what was written. */
  /** Tokens of the whole prompt with the model's chat template, when the backend can tell. */
  countPromptTokens?(system: string, user: string): number;
  generate(request: GenerateRequest): Promise<Generation>;
}

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
}

export const ANSWER_SYSTEM_PROMPT =
  "You answer questions about a product's documentation. Use only the numbered documentation sections " +
  "you are given. Cite every section you use as [n], right after the claim it supports. If the sections " +
  "do not answer the question, say that the documentation does not cover it. Be concise and exact.";

export const DRAFT_SYSTEM_PROMPT =
  "You are an expert on this product and its documentation. Answer the question from what you know in two " +
  "or three sentences, naming the exact terms, settings or metric names involved. No preamble.";

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

  // 1. Exact terms, and the question's own ranking: ready before the draft is written.
  const { terms, questionRanking } = await stage("terms", async () => {
    const ranking = index.textRanking(question, 100);
    return { questionRanking: ranking, terms: index.exactTermHits(question, new Map(ranking.map((d) => [d.id, d.score])), settings.sources) };
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
          user: question,
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
    const found = await retrieve(index, question, { k: settings.sources, draft: result.draft, questionRanking, termHits: terms, signal });
    result.draftWeight = found.draftWeight;
    return found.hits;
  }).catch((err) => {
    if (signal?.aborted) return [] as SearchHit[];
    throw err;
  });
  if (aborted()) return finish();

  const covered = terms.length > 0 || (hits.length > 0 && questionCoverage(index, question, hits[0]!) >= settings.minCoverage);
  if (!covered) {
    result.mode = "not-covered";
    result.answer = NOT_COVERED;
    result.note = hits.length ? "No section matches enough of the question's words." : "No section matches the question.";
    emit({ type: "sources", sources: [] });
    emit({ type: "answer-chunk", text: result.answer });
    return finish();
  }

  // 4. Answer.
  /** The best-matching sections as the answer: without a model, or when the model failed. */
  const answerWithSections = (note: string) => {
    result.mode = "retrieval-only";
    result.note = note;
    result.answer = retrievalOnlyAnswer(result.sources);
    result.citations = parseCitations(result.answer, result.sources).citations;
    emit({ type: "answer-chunk", text: result.answer });
  };
  if (!chat || modelFailure !== undefined) {
    result.sources = await buildSources(hits, () => 0, Infinity, false);
    emit({ type: "sources", sources: result.sources });
    answerWithSections(
      modelFailure === undefined
        ? "No chat model is configured, so these are the best-matching sections of the docs."
        : `The model failed (${modelFailure}), so these are the best-matching sections of the docs.`,
    );
    return finish();
  }
  await stage("answer", async () => {
    const frame = answerPrompt(question, []);
    const overhead =
      (chat.countPromptTokens?.(ANSWER_SYSTEM_PROMPT, frame) ?? (await chat.countTokens(ANSWER_SYSTEM_PROMPT)) + (await chat.countTokens(frame))) + 64;
    const budget = chat.contextSize - settings.answerMaxTokens - overhead;
    result.sources = await buildSources(hits, (t) => chat.countTokens(t), budget, true);
    emit({ type: "sources", sources: result.sources });
    if (aborted()) return;
    const prompt = answerPrompt(question, result.sources);
    result.tokens.answerPrompt = await chat.countTokens(prompt);
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
      // Nothing was written: the sections are the answer (they were already sent).
      answerWithSections(`The model failed (${failure.message}), so these are the best-matching sections of the docs.`);
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
 * Share of the question's distinct words found in the hit, each word weighted by its rarity in
 * the docs (idf): a question whose distinctive words appear nowhere is not covered, whatever
 * common words it shares with a section.
 */
export function questionCoverage(index: DocsIndex, question: string, hit: SearchHit): number {
  const words = new Set(tokenize(question));
  if (words.size === 0) return 0;
  const inHit = new Set(tokenize(`${hit.chunk.title} ${hit.chunk.relPath} ${hit.chunk.headingPath.join(" ")} ${hit.chunk.text}`));
  let found = 0;
  let total = 0;
  for (const w of words) {
    const weight = index.bm25.idf(w);
    total += weight;
    if (inHit.has(w)) found += weight;
  }
  return total > 0 ? found / total : 0;
}

/** One numbered section as the model sees it. */
export function sourceBlock(s: Pick<Source, "n" | "path" | "heading" | "startLine" | "endLine" | "text">): string {
  return `[${s.n}] ${s.path} — ${s.heading} (lines ${s.startLine}-${s.endLine})\n${s.text}`;
}

export function answerPrompt(question: string, sources: Source[]): string {
  return `Documentation sections:\n\n${sources.map(sourceBlock).join("\n\n")}\n\nQuestion: ${question}\nAnswer with citations like [1]:`;
}

/**
 * Numbers the hits as sources that fit the token budget. A hit that is a small part of its
 * section is widened to the whole section when that fits; a source that does not fit whole is
 * cut at a line boundary; a hit already inside an earlier source is not repeated.
 */
export async function buildSources(hits: SearchHit[], countTokens: (t: string) => number | Promise<number>, budget: number, widen: boolean): Promise<Source[]> {
  const sources: Source[] = [];
  let left = budget;
  const fileLines = new Map<string, string[] | undefined>();
  for (const hit of hits) {
    if (left <= 0) break;
    const { chunk } = hit;
    if (sources.some((s) => s.file === chunk.file && s.startLine <= chunk.startLine && chunk.endLine <= s.endLine)) continue;
    const source: Source = {
      n: sources.length + 1,
      path: chunk.relPath,
      file: chunk.file,
      heading: headingLabel(chunk),
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      text: chunk.text,
      matchedBy: hit.matchedBy,
      ...(hit.term ? { term: hit.term } : {}),
    };
    // The block's tokens, with the header line and the blank line that separates blocks.
    const cost = async (s: Source) => countTokens(sourceBlock(s) + "\n\n");
    if (widen) {
      const section = await sectionAround(hit, fileLines);
      if (section && (await cost({ ...source, ...section })) <= left) Object.assign(source, section);
    }
    let tokens = await cost(source);
    if (tokens > left) {
      // Keep the most whole lines that fit (binary search: tokenizing is the expensive part).
      const lines = source.text.split("\n");
      // A chunk's text can hold fewer lines than its range (comments and blank runs dropped) or
      // more (a repeated table header): the range never grows past the original end.
      const withLines = (n: number): Source => ({ ...source, text: lines.slice(0, n).join("\n"), endLine: Math.min(source.endLine, source.startLine + n - 1) });
      let lo = 0;
      let hi = lines.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if ((await cost(withLines(mid))) <= left) lo = mid;
        else hi = mid - 1;
      }
      // Not even its first line fits (a line of a whole file, a long table row): this hit is left
      // out, and the smaller ones after it may still fit.
      if (lo === 0) continue;
      Object.assign(source, withLines(lo));
      tokens = await cost(source);
    }
    left -= tokens;
    const linesHash = await citedLinesHash(source, fileLines);
    sources.push(linesHash ? { ...source, linesHash } : source);
  }
  return sources;
}

/** The hash of a file's lines start..end (1-based, inclusive): what feedback checks the file still holds. */
export function linesHash(lines: string[], startLine: number, endLine: number): string {
  return contentHash(lines.slice(startLine - 1, endLine).join("\n"));
}

async function citedLinesHash(source: Source, cache: Map<string, string[] | undefined>): Promise<string | undefined> {
  const lines = await fileLinesOf(source.file, cache);
  return lines ? linesHash(lines, source.startLine, source.endLine) : undefined;
}

/** A file's lines, read once per cache (answers often cite several sections of one file). */
export async function fileLinesOf(file: string, cache: Map<string, string[] | undefined>): Promise<string[] | undefined> {
  if (!cache.has(file)) cache.set(file, await readLines(file));
  return cache.get(file);
}

/** The whole section a hit lies in, read from the file if it still has the indexed content. */
async function sectionAround(
  hit: SearchHit,
  cache: Map<string, string[] | undefined>,
): Promise<{ text: string; startLine: number; endLine: number } | undefined> {
  const { chunk } = hit;
  const lines = await fileLinesOf(chunk.file, cache);
  if (!lines) return undefined;
  const section = hit.section;
  if (!section || (section.startLine === chunk.startLine && section.endLine === chunk.endLine)) return undefined;
  // The file changed since it was indexed (the watcher has not caught up): keep the chunk.
  if (lines[chunk.startLine - 1] !== chunk.text.split("\n")[0]) return undefined;
  const text = lines.slice(section.startLine - 1, section.endLine).join("\n");
  return { text, startLine: section.startLine, endLine: section.endLine };
}

/** [n] references in the answer, mapped to sources; "[1, 2]" and "[1][3]" count too. */
export function parseCitations(answer: string, sources: Source[]): { citations: Citation[]; invalid: number[] } {
  const seen = new Set<number>();
  const invalid = new Set<number>();
  const citations: Citation[] = [];
  for (const m of answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
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
  if (sources.length === 0) return NOT_COVERED;
  const lines = sources.map((s) => {
    const excerpt = s.text.replace(/\s+/g, " ").trim().slice(0, 200);
    return `${s.n}. **${s.heading}** (${s.path}, lines ${s.startLine}-${s.endLine}) [${s.n}]\n   ${excerpt}${excerpt.length === 200 ? "…" : ""}`;
  });
  return `The best-matching sections of the docs:\n\n${lines.join("\n")}`;
}
