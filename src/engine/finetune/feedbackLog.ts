// The feedback log: one JSON object per line, appended, never rewritten. It is the raw material
// for the next fine-tune (see `docent feedback export`).
import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import type { AnswerSource } from "../../shared/answer.js";
import type { FeedbackParams } from "../../shared/protocol.js";
import { linesHash } from "../answer/pipeline.js";
import type { DocLines } from "../index/search/fileLines.js";

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
  /** Some texts were cut to keep the record within MAX_FEEDBACK_RECORD_BYTES. */
  truncated?: true;
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
 * (DocLines reads no other, with the docs folders, size limit and symlink rules) and still holds what was cited (same
 * hash); the others are left out. These are the file's lines, which can differ slightly from the
 * chunk text the model was given (HTML comments are dropped from chunks).
 */
export async function recoverSourceTexts(sources: AnswerSource[], files: DocLines): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  for (const s of sources) {
    if (!s.linesHash) continue;
    const lines = await files.of(s.file);
    if (lines && linesHash(lines, s.startLine, s.endLine) === s.linesHash) texts.set(s.n, lines.slice(s.startLine - 1, s.endLine).join("\n"));
  }
  return texts;
}

/** The most one record takes in the log, newline included: one record is one write of at most this. */
export const MAX_FEEDBACK_RECORD_BYTES = 256 * 1024;
/** Where a torn last line of the log (a writer killed mid-append, a full disk) is set aside. */
export const tornFile = (file: string) => `${file}.torn`;

/**
 * Appends one record as one write() on an O_APPEND descriptor, so concurrent writers (the
 * extension, the CLI, several windows) never interleave within a record. A record longer than
 * MAX_FEEDBACK_RECORD_BYTES has its longest texts cut, with a marker, until it fits. A torn last
 * line left by an earlier writer is first set aside (see setAsideTornTail) and the record starts
 * on a line of its own.
 */
export async function appendFeedback(file: string, entry: FeedbackEntry): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const line = Buffer.from(boundedLine(entry) + "\n");
  const handle = await fs.open(file, "a+");
  try {
    const torn = await setAsideTornTail(file, handle);
    const record = torn ? Buffer.concat([Buffer.from("\n"), line]) : line;
    const { bytesWritten } = await handle.write(record, 0, record.length, null);
    // A short write (disk full) leaves a torn last line, set aside by the next open.
    if (bytesWritten !== record.length) throw new Error(`feedback log ${file}: only ${bytesWritten} of ${record.length} bytes written (disk full?)`);
  } finally {
    await handle.close();
  }
}

/**
 * The entry as one JSON line of at most MAX_FEEDBACK_RECORD_BYTES - 1 bytes: the longest texts
 * (source texts, answer, draft, correction, comment, question) are cut from the end, with a
 * marker saying how much was cut, until it fits; the entry is then marked `truncated`.
 */
export function boundedLine(entry: FeedbackEntry, maxBytes = MAX_FEEDBACK_RECORD_BYTES - 1): string {
  let line = JSON.stringify(entry);
  if (Buffer.byteLength(line) <= maxBytes) return line;
  const e: FeedbackEntry = { ...entry, sources: entry.sources.map((s) => ({ ...s })), truncated: true };
  type Slot = { get: () => string; set: (v: string) => void };
  const slots: Slot[] = [
    { get: () => e.question, set: (v) => (e.question = v) },
    { get: () => e.draft, set: (v) => (e.draft = v) },
    { get: () => e.answer, set: (v) => (e.answer = v) },
    { get: () => e.comment ?? "", set: (v) => (e.comment = v) },
    { get: () => e.correction ?? "", set: (v) => (e.correction = v) },
    ...e.sources.flatMap((s): Slot[] => [
      { get: () => s.text ?? "", set: (v) => (s.text = v) },
      { get: () => s.heading, set: (v) => (s.heading = v) },
      { get: () => s.path, set: (v) => (s.path = v) },
    ]),
  ];
  for (let round = 0; round < 200; round++) {
    line = JSON.stringify(e);
    const excess = Buffer.byteLength(line) - maxBytes;
    if (excess <= 0) return line;
    const slot = slots.reduce((a, b) => (b.get().length > a.get().length ? b : a));
    const text = slot.get();
    if (text.length === 0) break;
    // Each character takes at least one byte in the line; the marker takes at most 40.
    let keep = Math.max(0, text.length - excess - 40);
    if (keep > 0 && /[\uD800-\uDBFF]/.test(text[keep - 1]!)) keep--;
    slot.set(`${text.slice(0, keep)}… [truncated ${text.length - keep} chars]`);
  }
  // Unreachable in practice (every text cut to its marker still too long): the bare rating.
  return JSON.stringify({
    version: 1,
    at: e.at,
    rating: e.rating,
    question: "",
    draft: "",
    answer: "",
    mode: e.mode,
    sources: [],
    citations: [],
    truncated: true,
  });
}

/**
 * If the log's last line is torn (no trailing newline: a writer killed mid-append, a full disk),
 * copies it to `<file>.torn` (appended, never lost) and ends the log with a newline, so the next
 * record starts on a clean line. The torn bytes stay in the log as one unreadable line (the log
 * is only ever appended to; cutting it could cut a record another writer appends meanwhile).
 * Returns whether a torn line was found.
 */
async function setAsideTornTail(file: string, handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) return false;
  // Back to the previous newline, a block at a time.
  let start = size;
  const block = Buffer.alloc(64 * 1024);
  search: while (start > 0) {
    const from = Math.max(0, start - block.length);
    const { bytesRead } = await handle.read(block, 0, start - from, from);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (block[i] === 0x0a) {
        start = from + i + 1;
        break search;
      }
    }
    start = from;
  }
  const torn = Buffer.alloc(size - start);
  await handle.read(torn, 0, torn.length, start);
  await fs.appendFile(tornFile(file), Buffer.concat([torn, Buffer.from("\n")]));
  return true;
}

export interface FeedbackLog {
  entries: FeedbackEntry[];
  /** Line numbers (1-based) that are not a feedback record. */
  badLines: number[];
  /** Feedback records with a field of the wrong kind (a number where a text belongs): skipped, with why. */
  malformed: { line: number; reason: string }[];
  /** Whether a torn last line was found and set aside into `<file>.torn`. */
  tornTail: boolean;
}

export async function readFeedback(file: string): Promise<FeedbackLog> {
  let tornTail = false;
  const text = await fs.readFile(file, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) {
    // Set the torn tail aside now (append mode: a record another writer adds meanwhile is kept).
    try {
      const handle = await fs.open(file, "a+");
      try {
        tornTail = await setAsideTornTail(file, handle);
        if (tornTail) await handle.write("\n", null);
      } finally {
        await handle.close();
      }
    } catch {
      // A read-only log or a full disk: reading goes on, the tail is set aside next time.
    }
  }
  const entries: FeedbackEntry[] = [];
  const badLines: number[] = [];
  const malformed: { line: number; reason: string }[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let e: FeedbackEntry;
    try {
      e = JSON.parse(line) as FeedbackEntry;
    } catch {
      badLines.push(i + 1);
      return;
    }
    if (typeof e !== "object" || e === null || !(e.rating === "up" || e.rating === "down") || typeof e.question !== "string" || typeof e.answer !== "string") {
      badLines.push(i + 1);
      return;
    }
    const reason = entryProblem(e);
    if (reason) malformed.push({ line: i + 1, reason });
    else entries.push(e);
  });
  return { entries, badLines, malformed, tornTail };
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`);

/**
 * What is wrong with a record that has a rating, a question and an answer, if anything: every
 * other field the export reads must be of its kind (the log may have been edited, or written by
 * another version).
 */
function entryProblem(e: FeedbackEntry): string | undefined {
  for (const key of ["at", "comment", "correction", "draft", "model"] as const) {
    if (e[key] !== undefined && typeof e[key] !== "string") return `${key} is ${kind(e[key])}, not a text`;
  }
  if (typeof e.mode !== "string") return `mode is ${kind(e.mode)}, not a text`;
  if (!Array.isArray(e.sources)) return `sources is ${kind(e.sources)}, not a list`;
  for (const [i, s] of (e.sources as unknown[]).entries()) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) return `source ${i + 1} is ${kind(s)}, not a record`;
    const source = s as Record<string, unknown>;
    for (const key of ["n", "startLine", "endLine"])
      if (!Number.isInteger(source[key])) return `source ${i + 1}'s ${key} is ${kind(source[key])}, not a whole number`;
    for (const key of ["path", "heading"]) if (typeof source[key] !== "string") return `source ${i + 1}'s ${key} is ${kind(source[key])}, not a text`;
    if (source.text !== undefined && typeof source.text !== "string") return `source ${i + 1}'s text is ${kind(source.text)}, not a text`;
  }
  if (e.citations !== undefined && !Array.isArray(e.citations)) return `citations is ${kind(e.citations)}, not a list`;
  return undefined;
}
