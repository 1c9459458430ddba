// The feedback log: one JSON object per line, appended, never rewritten. It is the raw material
// for the next fine-tune (see `docent feedback export`).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { AnswerSource } from "../../shared/answer.js";
import type { FeedbackParams } from "../../shared/protocol.js";
import { linesHash } from "../answer/pipeline.js";
import { readLines } from "../index/text.js";

export interface FeedbackEntry {
  version: 1;
  at: string;
  rating: "up" | "down";
  comment?: string;
  correction?: string;
  question: string;
  draft: string;
  answer: string;
  mode: string;
  sources: { n: number; path: string; heading: string; startLine: number; endLine: number; text?: string }[];
  citations: number[];
  model?: string;
}

export function feedbackEntry(params: FeedbackParams, sourceTexts: Map<number, string>, model?: string): FeedbackEntry {
  const r = params.result;
  return {
    version: 1,
    at: new Date().toISOString(),
    rating: params.rating,
    ...(params.comment ? { comment: params.comment } : {}),
    ...(params.correction ? { correction: params.correction } : {}),
    question: r.question,
    draft: r.draft,
    answer: r.answer,
    mode: r.mode,
    sources: r.sources.map((s) => ({ n: s.n, path: s.path, heading: s.heading, startLine: s.startLine, endLine: s.endLine, text: sourceTexts.get(s.n) })),
    citations: r.citations.map((c) => c.n),
    ...(model ? { model } : {}),
  };
}

/**
 * The texts of an answer's sources re-read from disk, for an answer the engine no longer holds
 * (rated after a restart): a source's lines are kept only when the file is one the index holds
 * (so the docs folders, size limit and symlink rules apply) and still holds what was cited (same
 * hash); the others are left out. These are the file's lines, which can differ slightly from the
 * chunk text the model was given (HTML comments are dropped from chunks).
 */
export async function recoverSourceTexts(sources: AnswerSource[], isIndexed: (file: string) => boolean): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  for (const s of sources) {
    if (!s.linesHash || !isIndexed(s.file)) continue;
    const lines = await readLines(s.file);
    if (lines && linesHash(lines, s.startLine, s.endLine) === s.linesHash) texts.set(s.n, lines.slice(s.startLine - 1, s.endLine).join("\n"));
  }
  return texts;
}

export async function appendFeedback(file: string, entry: FeedbackEntry): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  // One write of one line with O_APPEND: concurrent writers never interleave within a line.
  await fs.appendFile(file, JSON.stringify(entry) + "\n", { flag: "a" });
}

export async function readFeedback(file: string): Promise<{ entries: FeedbackEntry[]; badLines: number[] }> {
  const text = await fs.readFile(file, "utf8");
  const entries: FeedbackEntry[] = [];
  const badLines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const e = JSON.parse(line) as FeedbackEntry;
      if ((e.rating === "up" || e.rating === "down") && typeof e.question === "string" && typeof e.answer === "string") entries.push(e);
      else badLines.push(i + 1);
    } catch {
      badLines.push(i + 1);
    }
  });
  return { entries, badLines };
}
