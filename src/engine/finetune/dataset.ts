// Fine-tuning data from the docs: for each indexed section the local model writes questions the
// section answers, an answer to each grounded in the section, and a rephrasing of the section.
// Retrieval-aware records add K distractor sections (what search actually returns for the
// question) around the right one, with an answer that cites it. Files are split into train and
// validation by source file; the same seed gives the same files; an interrupted run resumes.
import type { DatasetSummary } from "../../shared/protocol.js";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DocsIndex } from "../index/docsIndex.js";
import type { Source } from "../answer/pipeline.js";
import { ANSWER_SYSTEM_PROMPT, DRAFT_SYSTEM_PROMPT, answerPrompt } from "../answer/answerPrompts.js";
import type { ChatGenerator } from "../model/modelInterface.js";
import { mulberry32, shuffled } from "../util/random.js";
import { readDocText } from "../index/ingest/fileText.js";
import { headingLabel, type SearchHit } from "../index/types.js";
import { recordLine, type ChatRecord } from "./chatRecords.js";

export interface DatasetOptions {
  out: string;
  perSection: number;
  distractors: number;
  seed: number;
  /** Share of source files that go to validation (at least one file when there are two or more). */
  validationShare?: number;
  /** Skip sections with less prose than this (characters). */
  minSectionChars?: number;
  /** Stop after this many sections (for trying it out). */
  limit?: number;
  /** Longest generation of each kind, in tokens. */
  maxTokens?: { question: number; answer: number; rephrase: number };
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; section: string; records: number }) => void;
}

interface Section {
  key: string;
  file: string;
  path: string;
  heading: string;
  startLine: number;
  endLine: number;
  text: string;
}

export const QUESTION_SYSTEM_PROMPT =
  "You write questions that a documentation section answers, as a user of the product would ask them. Reply with the question only.";
export const GROUNDED_ANSWER_SYSTEM_PROMPT =
  "Answer the question using only the documentation section given. Be concise and exact; keep names, units and numbers as written.";
export const REPHRASE_SYSTEM_PROMPT = "Rewrite the documentation section in your own words. Keep every fact, name, unit and number. No preamble.";

export function validationFileFor(out: string): string {
  return out.replace(/(\.jsonl)?$/, ".val.jsonl");
}

function hashNumber(text: string): number {
  return createHash("sha1").update(text).digest().readUInt32BE(0);
}

/** Files ordered by a seeded hash; the first share of them are validation. */
export function splitFiles(paths: string[], seed: number, share: number): Set<string> {
  const unique = [...new Set(paths)].sort();
  if (unique.length < 2) return new Set();
  const ordered = unique.map((p) => ({ p, h: hashNumber(`${seed}:${p}`) })).sort((a, b) => a.h - b.h || (a.p < b.p ? -1 : 1));
  const n = Math.min(unique.length - 1, Math.max(1, Math.round(unique.length * share)));
  return new Set(ordered.slice(0, n).map((x) => x.p));
}

function normaliseQuestion(q: string): string {
  return q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The first line of a generated question, without numbering or quotes. */
function cleanQuestion(raw: string): string {
  const line =
    raw
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "";
  return line
    .replace(/^(\d+[.)]|[-*]|Q:|Question:)\s*/i, "")
    .replace(/^["'“]|["'”]$/g, "")
    .slice(0, 300)
    .trim();
}

async function sectionsOf(index: DocsIndex, minChars: number): Promise<Section[]> {
  const out: Section[] = [];
  const entries = [...index.files.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  for (const entry of entries) {
    const read = await readDocText(entry.root, entry.file, index.filter.maxFileBytes);
    if (!read.ok) continue;
    const lines = read.lines;
    for (const s of [...entry.sections].sort((a, b) => a.startLine - b.startLine)) {
      const text = lines
        .slice(s.startLine - 1, s.endLine)
        .join("\n")
        .trim();
      const prose = text
        .split("\n")
        .filter((l) => !/^\s*(#|\||```|<!--)/.test(l))
        .join(" ");
      if (prose.replace(/\s+/g, " ").length < minChars) continue;
      out.push({
        key: `${entry.relPath}#${s.startLine}-${s.endLine}`,
        file: entry.file,
        path: entry.relPath,
        heading: headingLabel({ headingPath: s.headingPath, title: entry.title }),
        startLine: s.startLine,
        endLine: s.endLine,
        text,
      });
    }
  }
  return out;
}

/** How every line recordLine writes starts: a torn last line of a dataset file is a prefix of a record. */
const RECORD_START = '{"messages":[';

/**
 * Reads what an earlier run wrote. Every complete line must be a chat record and a cut-off last
 * line the start of one (an interrupted append), else the file is not a dataset and is refused,
 * untouched. Only then is a cut-off last line removed, by writing the rest to a temporary file
 * renamed over it. Returns the records' sections and questions.
 */
async function resumeState(file: string): Promise<{ sections: Set<string>; questions: Set<string>; records: number }> {
  const state = { sections: new Set<string>(), questions: new Set<string>(), records: 0 };
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return state;
    throw err;
  }
  const cut = text.endsWith("\n") ? text.length : text.lastIndexOf("\n") + 1;
  const complete = text.slice(0, cut);
  const torn = text.slice(cut);
  const refused = (why: string) =>
    new Error(`${file} is not a dataset file Docent wrote (${why}); it is left as it is. Choose another output file, or remove it to start afresh.`);
  const records: ChatRecord[] = [];
  complete.split("\n").forEach((line, i) => {
    if (!line) return;
    let record: ChatRecord;
    try {
      record = JSON.parse(line) as ChatRecord;
    } catch {
      throw refused(`line ${i + 1} is not JSON`);
    }
    if (typeof record !== "object" || record === null || !Array.isArray(record.messages) || typeof record.metadata !== "object" || record.metadata === null) {
      throw refused(`line ${i + 1} is not a chat record`);
    }
    records.push(record);
  });
  if (torn && !(torn.startsWith(RECORD_START) || RECORD_START.startsWith(torn))) throw refused("its last line is neither a record nor the start of one");
  if (torn) {
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await fs.writeFile(tmp, complete, { flag: "wx" });
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
  for (const record of records) {
    const meta = record.metadata as { section?: unknown; question?: unknown };
    if (typeof meta.section === "string") state.sections.add(meta.section);
    if (typeof meta.question === "string") state.questions.add(normaliseQuestion(meta.question));
    state.records++;
  }
  return state;
}

export async function generateDataset(index: DocsIndex, chat: ChatGenerator, options: DatasetOptions): Promise<DatasetSummary> {
  const started = performance.now();
  const validationShare = options.validationShare ?? 0.1;
  const trainFile = options.out;
  const validationFile = validationFileFor(options.out);
  const all = await sectionsOf(index, options.minSectionChars ?? 80);
  const sections = options.limit ? all.slice(0, options.limit) : all;
  const validationPaths = splitFiles(
    sections.map((s) => s.path),
    options.seed,
    validationShare,
  );
  // What an earlier run wrote is checked before anything is written.
  const train = await resumeState(trainFile);
  const val = await resumeState(validationFile);
  // Both files exist from the start (one may stay empty with very few sections).
  await fs.mkdir(path.dirname(trainFile), { recursive: true });
  await fs.appendFile(trainFile, "");
  await fs.appendFile(validationFile, "");
  const doneSections = new Set([...train.sections, ...val.sections]);
  const seenQuestions = new Set([...train.questions, ...val.questions]);
  const summary: DatasetSummary = {
    trainFile,
    validationFile,
    records: { train: train.records, validation: val.records },
    sections: { total: sections.length, covered: doneSections.size, resumed: doneSections.size },
    files: { train: new Set(sections.map((s) => s.path).filter((p) => !validationPaths.has(p))).size, validation: validationPaths.size },
    generatedTokens: 0,
    ms: 0,
  };
  // Room for the section in the prompt: the context less the longest generation and the instructions.
  const sectionBudget = Math.max(128, chat.contextSize - 512);
  const fit = async (text: string) => {
    const lines = text.split("\n");
    while (lines.length > 1 && (await chat.countTokens(lines.join("\n"))) > sectionBudget) lines.pop();
    return lines.join("\n");
  };
  const limits = options.maxTokens ?? { question: 48, answer: 160, rephrase: 256 };
  let done = 0;
  for (const section of sections) {
    options.signal?.throwIfAborted();
    done++;
    if (doneSections.has(section.key)) continue;
    const seed = (options.seed ^ hashNumber(section.key)) >>> 0;
    const generate = async (system: string, user: string, maxTokens: number, salt: number) => {
      const g = await chat.generate({ system, user, maxTokens, temperature: 0, seed: seed + salt, signal: options.signal });
      if (g.aborted) throw new DOMException("The dataset run was stopped", "AbortError");
      summary.generatedTokens += g.tokens;
      return g.text.trim();
    };
    const text = await fit(section.text);
    const split = validationPaths.has(section.path) ? "validation" : "train";
    const base = { section: section.key, path: section.path, heading: section.heading, startLine: section.startLine, endLine: section.endLine, split };
    const records: ChatRecord[] = [];

    const questions: string[] = [];
    for (let i = 0; i < options.perSection; i++) {
      const avoid = questions.length ? `\nDifferent from:\n${questions.map((q) => `- ${q}`).join("\n")}` : "";
      let q = cleanQuestion(
        await generate(
          QUESTION_SYSTEM_PROMPT,
          `Section "${section.heading}":\n${text}\n\nWrite one question this section answers.${avoid}`,
          limits.question,
          i,
        ),
      );
      if (!q) q = `What does the documentation say about ${section.heading}?`;
      const norm = normaliseQuestion(q);
      if (!norm || seenQuestions.has(norm)) continue;
      seenQuestions.add(norm);
      questions.push(q);
    }
    const rand = mulberry32(seed);
    for (const [i, question] of questions.entries()) {
      const answer = await generate(GROUNDED_ANSWER_SYSTEM_PROMPT, `Section "${section.heading}":\n${text}\n\nQuestion: ${question}`, limits.answer, 100 + i);
      records.push({
        messages: [
          { role: "system", content: DRAFT_SYSTEM_PROMPT },
          { role: "user", content: question },
          { role: "assistant", content: answer },
        ],
        metadata: { ...base, kind: "qa", question },
      });
      if (options.distractors > 0) records.push(await retrievalRecord(index, section, text, question, answer, options.distractors, rand, base));
    }
    const rephrasing = await generate(REPHRASE_SYSTEM_PROMPT, `Section "${section.heading}":\n${text}`, limits.rephrase, 999);
    records.push({
      messages: [
        { role: "system", content: DRAFT_SYSTEM_PROMPT },
        { role: "user", content: `What does the documentation say about "${section.heading}"?` },
        { role: "assistant", content: rephrasing },
      ],
      metadata: { ...base, kind: "rephrase" },
    });
    // All of a section's records in one append: a stop leaves whole sections only.
    await fs.appendFile(split === "train" ? trainFile : validationFile, records.map(recordLine).join(""));
    summary.records[split === "train" ? "train" : "validation"] += records.length;
    summary.sections.covered++;
    options.onProgress?.({ done, total: sections.length, section: section.key, records: summary.records.train + summary.records.validation });
  }
  summary.ms = performance.now() - started;
  return summary;
}

/** Does a hit lie in the same section (same file, overlapping lines)? */
function sameSection(hit: { relPath: string; startLine: number; endLine: number }, section: Section): boolean {
  return hit.relPath === section.path && hit.startLine <= section.endLine && section.startLine <= hit.endLine;
}

async function retrievalRecord(
  index: DocsIndex,
  section: Section,
  text: string,
  question: string,
  answer: string,
  k: number,
  rand: () => number,
  base: Record<string, unknown>,
): Promise<ChatRecord> {
  // What search returns for the question first; when that is too little (a vague question),
  // the sections nearest to the right one's own heading and text.
  const hits = [...(await index.search(question, { k: k * 4 + 8 })), ...(await index.search(`${section.heading}\n${text.slice(0, 500)}`, { k: k * 4 + 8 }))];
  const distractors: Source[] = [];
  const take = (candidates: Pick<SearchHit, "chunk" | "matchedBy">[]) => {
    for (const h of candidates) {
      if (distractors.length >= k) return;
      if (sameSection(h.chunk, section)) continue;
      if (distractors.some((d) => d.path === h.chunk.relPath && d.startLine <= h.chunk.endLine && h.chunk.startLine <= d.endLine)) continue;
      distractors.push({
        n: 0,
        path: h.chunk.relPath,
        file: h.chunk.file,
        heading: headingLabel(h.chunk),
        startLine: h.chunk.startLine,
        endLine: h.chunk.endLine,
        text: h.chunk.text,
        matchedBy: h.matchedBy,
      });
    }
  };
  take(hits);
  // In a small corpus where search finds too few: other sections at random (seeded).
  if (distractors.length < k) take(shuffled(index.allChunks(), rand).map((chunk) => ({ chunk, matchedBy: [] })));
  const right: Source = {
    n: 0,
    path: section.path,
    file: section.file,
    heading: section.heading,
    startLine: section.startLine,
    endLine: section.endLine,
    text,
    matchedBy: [],
  };
  const sources = shuffled([right, ...distractors], rand).map((s, i) => ({ ...s, n: i + 1 }));
  const n = sources.find((s) => s.path === right.path && s.startLine === right.startLine && s.endLine === right.endLine)!.n;
  const cited = new RegExp(`\\[${n}\\]`).test(answer) ? answer : `${answer} [${n}]`;
  return {
    messages: [
      { role: "system", content: ANSWER_SYSTEM_PROMPT },
      { role: "user", content: answerPrompt(question, sources) },
      { role: "assistant", content: cited },
    ],
    metadata: {
      ...base,
      kind: "retrieval",
      question,
      rightSource: n,
      distractors: sources.filter((s) => s.n !== n).map((s) => `${s.path}#${s.startLine}-${s.endLine}`),
    },
  };
}
