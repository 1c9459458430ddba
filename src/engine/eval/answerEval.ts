// Answer-level evaluation on a question set with reference answers: overlap with the reference
// (token F1, ROUGE-L), citation precision and recall against the relevant files, the share of
// abstentions, and time per answer; with or without the draft stage.
import type { DocsIndex } from "../index/docsIndex.js";
import type { EvalQuestion } from "./retrievalEval.js";
import { percentile } from "./retrievalEval.js";
import { answerQuestion, NOT_COVERED } from "../answer/pipeline.js";
import type { ChatGenerator } from "../model/modelInterface.js";
import { citationScores, rougeL, tokenF1 } from "./answerMetrics.js";

export interface AnswerEvalOptions {
  draft: boolean;
  maxTokens: number;
  onProgress?: (done: number, total: number) => void;
}

export interface AnswerEvalReport {
  questions: number;
  mode: "model" | "retrieval-only";
  draft: boolean;
  token_f1: number;
  rouge_l: number;
  citation_precision: number;
  citation_recall: number;
  abstention_rate: number;
  /** Share of answers whose sources include a relevant file (retrieval seen from the answer). */
  sources_hit_rate: number;
  mean_answer_ms: number;
  p95_answer_ms: number;
  mean_draft_ms: number;
  answer_tokens_per_second: number;
}

/** An answer that says the docs do not cover the question. */
export function isAbstention(answer: string, mode: string): boolean {
  return mode === "not-covered" || answer.trim() === NOT_COVERED || /\b(documentation|docs) (does|do) not (seem to )?cover\b/i.test(answer);
}

/**
 * Ids of the questions whose answer without a model is "not covered" (the coverage check found too
 * little of the question in the best section). No model is run, so every retrieval eval reports it.
 */
export async function notCoveredQuestions(index: DocsIndex, questions: EvalQuestion[]): Promise<string[]> {
  const ids: string[] = [];
  for (const q of questions) {
    const r = await answerQuestion(index, undefined, q.question, { settings: { draft: false } });
    if (r.mode === "not-covered") ids.push(q.id);
  }
  return ids;
}

export async function evaluateAnswers(
  index: DocsIndex,
  chat: ChatGenerator | undefined,
  questions: EvalQuestion[],
  options: AnswerEvalOptions,
): Promise<AnswerEvalReport> {
  let f1 = 0,
    rouge = 0,
    precision = 0,
    recall = 0,
    abstained = 0,
    sourcesHit = 0,
    draftMs = 0,
    tps = 0,
    tpsCount = 0;
  const times: number[] = [];
  for (const [i, q] of questions.entries()) {
    if (!q.answer) throw new Error(`question ${q.id} has no reference "answer"`);
    const r = await answerQuestion(index, chat, q.question, { settings: { draft: options.draft, answerMaxTokens: options.maxTokens } });
    times.push(r.timings.total);
    draftMs += r.timings.draft;
    f1 += tokenF1(r.answer, q.answer);
    rouge += rougeL(r.answer, q.answer);
    // Retrieval-only answers list their sources as [n]: those count as what the answer cites.
    const cited = r.citations.map((c) => c.path);
    const c = citationScores(cited, q.relevant);
    precision += c.precision;
    recall += c.recall;
    if (isAbstention(r.answer, r.mode)) abstained++;
    if (r.sources.some((s) => q.relevant.includes(s.path))) sourcesHit++;
    if (r.tokensPerSecond.answer > 0) {
      tps += r.tokensPerSecond.answer;
      tpsCount++;
    }
    options.onProgress?.(i + 1, questions.length);
  }
  const n = questions.length || 1;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    questions: questions.length,
    mode: chat ? "model" : "retrieval-only",
    draft: Boolean(chat) && options.draft,
    token_f1: r3(f1 / n),
    rouge_l: r3(rouge / n),
    citation_precision: r3(precision / n),
    citation_recall: r3(recall / n),
    abstention_rate: r3(abstained / n),
    sources_hit_rate: r3(sourcesHit / n),
    mean_answer_ms: Math.round(times.reduce((a, b) => a + b, 0) / n),
    p95_answer_ms: Math.round(percentile(times, 95)),
    mean_draft_ms: Math.round(draftMs / n),
    answer_tokens_per_second: tpsCount ? Math.round((tps / tpsCount) * 10) / 10 : 0,
  };
}
