// Context recall without a model: how much of each reference answer's content (contentWords.ts)
// reaches the model (the sources the answer stage would give it) and the reader (the text a
// retrieval-only answer shows), with the relevant files' whole text beside them as a reference.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DocsIndex } from "../index/docsIndex.js";
import type { EvalQuestion } from "./retrievalEval.js";
import { answerQuestion, type PipelineResult } from "../answer/pipeline.js";
import { contextBudget, sourceBlock } from "../answer/answerPrompts.js";
import type { ChatGenerator } from "../model/modelInterface.js";
import { visibleAnswerText } from "../answer/visibleText.js";
import { contentRecall, contentWords } from "./contentWords.js";
import { DEFAULT_CONTEXT_SIZE } from "../model/local/llm.js";

/**
 * Tokens estimated from characters: four a token, the usual figure for English prose with the
 * tokenizers of current small chat models (Llama 3, Qwen 2.5). Only for measuring without a model;
 * the answer stage counts with the model's own tokenizer.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * A chat model that only takes the prompt: the real pipeline builds the context it would get
 * (same budget, same sources) and nothing is generated.
 */
export function contextProbe(contextSize: number): ChatGenerator {
  return {
    contextSize,
    countTokens: estimateTokens,
    generate: async () => ({ text: "", tokens: 0, ms: 0, firstTokenMs: 0, tokensPerSecond: 0, aborted: false, stopReason: "probe" }),
  };
}

/** How much of a retrieval-only answer counts as seen first: about what the chat view shows before a reader scrolls. */
export const FIRST_VISIBLE_CHARS = 600;

export interface ContextEvalOptions {
  contextSize?: number;
  answerMaxTokens?: number;
  /** The most prompt tokens the sources may take (`--source-tokens`); the context's room when absent. */
  sourceTokens?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ContextEvalReport {
  questions: number;
  /** Share of the reference answer's content words in the sources the model would get. */
  context_recall: number;
  /** The same for the text a retrieval-only answer shows (no model). */
  visible_recall: number;
  /** The same for the first 600 characters of that text (cards, then the answer): the fact should come first. */
  visible_recall_first_600: number;
  /** The same for the relevant files' whole text: what perfect retrieval of those files would give. */
  relevant_files_recall: number;
  /** Estimated tokens of the sources in the model's prompt, and the budget they had. */
  mean_context_tokens: number;
  mean_context_budget: number;
  mean_context_sources: number;
  /** Characters of the retrieval-only answer's visible text. */
  mean_visible_chars: number;
  /** Questions whose answer without a model is "not covered" (no sources, nothing shown but that sentence). */
  not_covered: number;
  context_size: number;
  /** The `--source-tokens` cap, when one was given. */
  source_tokens?: number;
}

export async function evaluateContext(
  index: DocsIndex,
  docsDir: string,
  questions: EvalQuestion[],
  options: ContextEvalOptions = {},
): Promise<ContextEvalReport> {
  const contextSize = options.contextSize ?? DEFAULT_CONTEXT_SIZE;
  const answerMaxTokens = options.answerMaxTokens ?? 512;
  const probe = contextProbe(contextSize);
  let context = 0,
    visible = 0,
    visibleFirst = 0,
    notCovered = 0,
    ceiling = 0,
    tokens = 0,
    budget = 0,
    sources = 0,
    visibleChars = 0;
  for (const [i, q] of questions.entries()) {
    if (!q.answer) throw new Error(`question ${q.id} has no reference "answer"`);
    const reference = contentWords(q.answer);
    const settings = { draft: false, answerMaxTokens };
    const modelRun = await answerQuestion(index, probe, q.question, { settings, sourceTokens: options.sourceTokens });
    const contextText = modelRun.sources.map(sourceBlock).join("\n\n");
    context += contentRecall(reference, contextText);
    tokens += modelRun.sources.reduce((sum, s) => sum + estimateTokens(sourceBlock(s) + "\n\n"), 0);
    const room = await contextBudget(q.question, estimateTokens, contextSize, answerMaxTokens);
    budget += Math.min(room, options.sourceTokens ?? room);
    sources += modelRun.sources.length;
    const plain: PipelineResult = await answerQuestion(index, undefined, q.question, { settings });
    const shown = visibleAnswerText(plain);
    visible += contentRecall(reference, shown);
    visibleFirst += contentRecall(reference, shown.slice(0, FIRST_VISIBLE_CHARS));
    if (plain.mode === "not-covered") notCovered++;
    visibleChars += shown.length;
    const files = await Promise.all(q.relevant.map((rel) => fs.readFile(path.join(docsDir, rel), "utf8").catch(() => "")));
    ceiling += contentRecall(reference, files.join("\n"));
    options.onProgress?.(i + 1, questions.length);
  }
  const n = questions.length || 1;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    questions: questions.length,
    context_recall: r3(context / n),
    visible_recall: r3(visible / n),
    visible_recall_first_600: r3(visibleFirst / n),
    relevant_files_recall: r3(ceiling / n),
    mean_context_tokens: Math.round(tokens / n),
    mean_context_budget: Math.round(budget / n),
    mean_context_sources: Math.round((sources / n) * 10) / 10,
    mean_visible_chars: Math.round(visibleChars / n),
    not_covered: notCovered,
    context_size: contextSize,
    ...(options.sourceTokens !== undefined ? { source_tokens: options.sourceTokens } : {}),
  };
}
