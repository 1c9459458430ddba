// Retrieval evaluation at file level: a file's rank is the rank of its best chunk.
import { promises as fs } from "node:fs";
import type { SearchHit } from "../index/types.js";

export interface EvalQuestion {
  id: string;
  question: string;
  /** Paths relative to the docs folder. */
  relevant: string[];
  /** Reference answer, when the set has one. */
  answer?: string;
}

export interface RetrievalMetrics {
  questions: number;
  "hit@1": number;
  "hit@5": number;
  "recall@5": number;
  "recall@10": number;
  "mrr@10": number;
  p50_ms: number;
  p95_ms: number;
}

export async function readQuestions(file: string): Promise<EvalQuestion[]> {
  const text = await fs.readFile(file, "utf8");
  const questions: EvalQuestion[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let q: EvalQuestion;
    try {
      q = JSON.parse(line) as EvalQuestion;
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof q !== "object" || q === null || typeof q.question !== "string" || !Array.isArray(q.relevant)) {
      throw new Error(`${file}:${i + 1}: each line needs "question" (string) and "relevant" (array of paths)`);
    }
    if (!q.relevant.every((r) => typeof r === "string")) throw new Error(`${file}:${i + 1}: "relevant" must be a list of paths (strings)`);
    if (q.answer !== undefined && typeof q.answer !== "string") throw new Error(`${file}:${i + 1}: "answer" must be a string, got ${typeof q.answer}`);
    questions.push({ ...q, id: String(q.id ?? i + 1) });
  });
  // Metrics of no questions are zeros that read like a result.
  if (questions.length === 0) throw new Error(`${file} holds no questions (one JSON object per line, with "question" and "relevant")`);
  return questions;
}

/** Distinct files in the order of their best-ranked chunk. */
export function rankFiles(hits: SearchHit[]): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const h of hits) {
    if (!seen.has(h.chunk.relPath)) {
      seen.add(h.chunk.relPath);
      files.push(h.chunk.relPath);
    }
  }
  return files;
}

export interface QuestionResult {
  id: string;
  rankedFiles: string[];
  ms: number;
  relevant: string[];
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function retrievalMetrics(results: QuestionResult[]): RetrievalMetrics {
  let hit1 = 0,
    hit5 = 0,
    recall5 = 0,
    recall10 = 0,
    mrr = 0;
  for (const r of results) {
    const relevant = new Set(r.relevant);
    const top = (n: number) => r.rankedFiles.slice(0, n).filter((f) => relevant.has(f)).length;
    if (top(1) > 0) hit1++;
    if (top(5) > 0) hit5++;
    recall5 += relevant.size ? top(5) / relevant.size : 0;
    recall10 += relevant.size ? top(10) / relevant.size : 0;
    const first = r.rankedFiles.slice(0, 10).findIndex((f) => relevant.has(f));
    if (first >= 0) mrr += 1 / (first + 1);
  }
  const n = results.length || 1;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const times = results.map((r) => r.ms);
  return {
    questions: results.length,
    "hit@1": round(hit1 / n),
    "hit@5": round(hit5 / n),
    "recall@5": round(recall5 / n),
    "recall@10": round(recall10 / n),
    "mrr@10": round(mrr / n),
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
  };
}

/** Every word occurrence in the indexed text, for sampling noise words by corpus frequency. */
export function corpusWords(texts: Iterable<string>): string[] {
  const words: string[] = [];
  for (const t of texts) for (const w of t.match(/[A-Za-z][A-Za-z'-]+/g) ?? []) words.push(w);
  return words;
}

/** Replaces a fraction `p` of the draft's words (chosen at random) with random corpus words. */
export function addDraftNoise(draft: string, p: number, rand: () => number, vocabulary: string[]): string {
  const words = draft.split(/\s+/).filter(Boolean);
  const replace = Math.round(p * words.length);
  const positions = words.map((_, i) => i);
  for (let i = positions.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  for (const i of positions.slice(0, replace)) words[i] = vocabulary[Math.floor(rand() * vocabulary.length)]!;
  return words.join(" ");
}
