// `docent index`, `docent search` and `docent eval`: the docs engine from a terminal.
import type { Engine } from "../engine/engine.js";
import { promises as fs } from "node:fs";
import {
  addDraftNoise,
  corpusWords,
  readQuestions,
  rankFiles,
  retrievalMetrics,
  type EvalQuestion,
  type QuestionResult,
} from "../engine/eval/retrievalEval.js";
import { notCoveredQuestions } from "../engine/eval/answerEval.js";
import { withTypos } from "../engine/eval/typos.js";
import { retrieve } from "../engine/answer/retrieval.js";
import { draftNotNeeded } from "../engine/answer/pipeline.js";
import { spellingNote } from "../engine/answer/coverage.js";
import { spellingText } from "../shared/answer.js";
import { headingLabel } from "../engine/index/types.js";
import { mulberry32 } from "../engine/util/random.js";
import { intOption, ms, numberOption, parse, UsageError } from "./args.js";
import { answerEvalCommand } from "./finetuneCommands.js";
import { evaluateContext } from "../engine/eval/contextEval.js";
import { DEFAULT_CONTEXT_SIZE } from "../engine/model/local/llm.js";
import { DEFAULT_PIPELINE } from "../shared/pipelineSettings.js";
import { modelOptions } from "./modelOptions.js";
import { openEngine, requireDir, withEngine } from "./openEngine.js";
import { jsonLine, safeText } from "./terminalText.js";
import { refuseOutputOverInput } from "./outputPaths.js";

/** The options of every command that opens an index: where it is saved, what it takes in, JSON output. */
export const indexOptions = {
  index: { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, indexOptions);
  const dir = await requireDir(positionals[0]);
  return withEngine(await openEngine(dir, values), async (engine) => {
    printIndexReport(engine, values.json ?? false);
    // The index was built but not saved: the command did not do its job.
    return engine.opening?.saveError ? 1 : 0;
  });
}

function printIndexReport(engine: Engine, json: boolean): void {
  const opened = engine.opening!;
  const index = engine.docsIndex;
  const { report } = opened;
  if (json) {
    console.log(jsonLine({ ...summary(engine), skipped: report.skipped.map(({ relPath, reason, detail }) => ({ path: relPath, reason, detail })) }));
    return;
  }
  const how = opened.load === "loaded" ? `loaded saved index in ${ms(opened.loadMs)}, then updated` : "built";
  console.log(`Indexed ${index.fileCount} files, ${index.chunkCount} sections (${how}) in ${ms(report.ms)}.`);
  console.log(`  added ${report.added.length}, updated ${report.updated.length}, removed ${report.removed.length}, unchanged ${report.unchanged}`);
  if (report.skipped.length) {
    console.log(`Skipped ${report.skipped.length}:`);
    for (const s of report.skipped) console.log(`  ${safeText(s.relPath)}: ${s.reason} (${safeText(s.detail)})`);
  }
  for (const f of report.invalidUtf8) console.log(`  ${safeText(f)}: invalid UTF-8 replaced with U+FFFD`);
  console.log(
    `Index file: ${safeText(engine.indexFile)}${opened.saveError ? " (NOT saved: see the error above)" : opened.saved ? " (saved)" : " (unchanged)"}`,
  );
}

function summary(engine: Engine) {
  const { report, load } = engine.opening!;
  const index = engine.docsIndex;
  return {
    files: index.fileCount,
    sections: index.chunkCount,
    load,
    added: report.added.length,
    updated: report.updated.length,
    removed: report.removed.length,
    unchanged: report.unchanged,
    ms: Math.round(report.ms),
    indexFile: engine.indexFile,
    ...(engine.opening!.saveError ? { saveError: engine.opening!.saveError } : {}),
  };
}

export async function searchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...indexOptions, k: { type: "string" } });
  const dir = await requireDir(positionals[0]);
  const query = positionals[1];
  if (!query) throw new UsageError('missing "<query>"');
  const k = intOption(values.k, "k", 10);
  await withEngine(await openEngine(dir, values), async (engine) => printSearch(engine, query, k, values.json ?? false));
}

async function printSearch(engine: Engine, query: string, k: number, json: boolean): Promise<void> {
  const index = engine.docsIndex;
  const t0 = performance.now();
  const hits = await index.search(query, { k });
  const took = performance.now() - t0;
  const spelling = spellingNote(index.spellingOf(query), hits);
  if (json) {
    console.log(
      jsonLine({
        query,
        ...(spelling ? { spelling } : {}),
        ms: Math.round(took * 100) / 100,
        results: hits.map((h) => ({
          path: h.chunk.relPath,
          heading: headingLabel(h.chunk),
          startLine: h.chunk.startLine,
          endLine: h.chunk.endLine,
          score: h.score,
          matchedBy: h.matchedBy,
          ...(h.term ? { term: h.term } : {}),
          ...(h.askedAs ? { askedAs: h.askedAs } : {}),
        })),
      }),
    );
    return;
  }
  if (spelling) console.log(safeText(spellingText(spelling)));
  if (hits.length === 0) console.log("No matching sections.");
  hits.forEach((h, i) => {
    const how = h.askedAs ? `did you mean ${safeText(h.term!)}?` : h.term ? `exact term ${safeText(h.term)}` : h.matchedBy.join("+");
    console.log(`${i + 1}. ${safeText(h.chunk.relPath)}:${h.chunk.startLine}-${h.chunk.endLine}  ${safeText(headingLabel(h.chunk))}`);
    console.log(`   score ${h.score.toFixed(4)} (${how})`);
  });
  console.log(`(${ms(took)})`);
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    ...indexOptions,
    docs: { type: "string" },
    questions: { type: "string" },
    "draft-from": { type: "string" },
    "draft-when-needed": { type: "boolean" },
    "draft-noise": { type: "string" },
    seed: { type: "string" },
    fusion: { type: "string" },
    answers: { type: "boolean" },
    context: { type: "boolean" },
    "no-draft": { type: "boolean" },
    limit: { type: "string" },
    typos: { type: "string" },
    "typos-out": { type: "string" },
    "max-tokens": { type: "string" },
    "source-tokens": { type: "string" },
    ...modelOptions,
  });
  const dir = await requireDir(values.docs, "--docs <dir>");
  if (!values.questions) throw new UsageError("missing --questions <file.jsonl>");
  const typosSeed = values.typos === undefined ? undefined : intOption(values.typos, "typos", 1);
  if (values["typos-out"] !== undefined && typosSeed === undefined) throw new UsageError("--typos-out needs --typos <seed>");
  const questions = await evalQuestions(values.questions, values.limit, typosSeed, values["typos-out"]);
  // Every report says which typos it was measured with.
  const typosField: Record<string, number> = typosSeed === undefined ? {} : { typos_seed: typosSeed };
  if (values.answers) return answerEvalCommand(values, dir, questions, typosField);
  const draftFrom = values["draft-from"];
  if (draftFrom !== undefined && draftFrom !== "answer") throw new UsageError('--draft-from takes "answer" (the reference answer as the draft)');
  const noise = numberOption(values["draft-noise"], "draft-noise", 0, 0, 1);
  if (values["draft-noise"] !== undefined && !draftFrom) throw new UsageError("--draft-noise needs --draft-from answer");
  const whenNeeded = values["draft-when-needed"] ?? false;
  if (whenNeeded && !draftFrom) throw new UsageError("--draft-when-needed needs --draft-from answer");
  const fusion = values.fusion ?? "agreement";
  if (fusion !== "agreement" && fusion !== "rrf") throw new UsageError('--fusion is "agreement" (default) or "rrf"');
  if (values.context) return contextEvalCommand(dir, questions, values, typosField);
  // Retrieval alone: the model flags (parsed for --answers) are left out, as they always were.
  const indexFlags = { index: values.index, include: values.include, exclude: values.exclude };
  await withEngine(await openEngine(dir, indexFlags), async (engine) => {
    const metrics = await evaluateRetrieval(engine, questions, { draftFrom, whenNeeded, noise, fusion, seed: intOption(values.seed, "seed", 1) });
    printReport({ ...metrics, ...typosField }, values.json ?? false, 18);
  });
}

/** The question set as evaluated: the first --limit questions, with --typos applied (and written to --typos-out). */
async function evalQuestions(file: string, limit: string | undefined, typosSeed: number | undefined, typosOut: string | undefined): Promise<EvalQuestion[]> {
  const all = await readQuestions(file);
  const questions = all.slice(0, intOption(limit, "limit", all.length));
  if (typosSeed === undefined) return questions;
  const typed = withTypos(questions, typosSeed);
  if (typosOut !== undefined) await refuseOutputOverInput([{ flag: "--typos-out", file: typosOut }], [{ flag: "--questions", file }]);
  if (typosOut !== undefined) await fs.writeFile(typosOut, typed.map((q) => JSON.stringify(q) + "\n").join(""));
  return typed.map(({ typos: _typos, ...q }) => q);
}

function printReport(report: Record<string, unknown>, json: boolean, width: number): void {
  if (json) console.log(jsonLine(report));
  else
    for (const [name, value] of Object.entries(report))
      console.log(`${name.padEnd(width)} ${Array.isArray(value) ? value.map((v) => safeText(String(v))).join(", ") || "none" : value}`);
}

/** `docent eval --context`: what reaches the model and the reader, without a model. */
async function contextEvalCommand(
  dir: string,
  questions: EvalQuestion[],
  values: {
    index?: string;
    include?: string[];
    exclude?: string[];
    json?: boolean;
    "context-size"?: string;
    "max-tokens"?: string;
    "source-tokens"?: string;
  },
  extra: Record<string, number>,
): Promise<void> {
  const missing = questions.find((q) => !q.answer);
  if (missing) throw new UsageError(`--context needs reference answers: question ${missing.id} has no "answer"`);
  const contextSize = intOption(values["context-size"], "context-size", DEFAULT_CONTEXT_SIZE);
  const answerMaxTokens = intOption(values["max-tokens"], "max-tokens", DEFAULT_PIPELINE.answerMaxTokens);
  const sourceTokens = values["source-tokens"] === undefined ? undefined : intOption(values["source-tokens"], "source-tokens", 0);
  const indexFlags = { index: values.index, include: values.include, exclude: values.exclude };
  await withEngine(await openEngine(dir, indexFlags), async (engine) => {
    const report = await evaluateContext(engine.docsIndex, dir, questions, { contextSize, answerMaxTokens, sourceTokens });
    printReport({ ...report, ...extra }, values.json ?? false, 26);
  });
}

async function evaluateRetrieval(
  engine: Engine,
  questions: EvalQuestion[],
  { draftFrom, whenNeeded, noise, fusion, seed }: { draftFrom?: string; whenNeeded: boolean; noise: number; fusion: "agreement" | "rrf"; seed: number },
) {
  const index = engine.docsIndex;
  const rand = mulberry32(seed);
  const vocabulary = noise > 0 ? corpusWords(index.allChunks().map((c) => c.text)) : [];
  const results: QuestionResult[] = [];
  let draftWeightSum = 0;
  let draftsSkipped = 0;
  for (const q of questions) {
    let draft: string | undefined;
    // --draft-when-needed: the pipeline's default rule, no draft for a question naming a defined term.
    const skipped = whenNeeded && draftNotNeeded(index.exactTermHits(q.question, undefined, 1)) !== undefined;
    if (skipped) draftsSkipped++;
    if (draftFrom && !skipped) {
      if (!q.answer) throw new Error(`question ${q.id} has no "answer" to use as a draft`);
      draft = noise > 0 ? addDraftNoise(q.answer, noise, rand, vocabulary) : q.answer;
    }
    const t0 = performance.now();
    const { hits, draftWeight } = await retrieve(index, q.question, { k: 50, draft, fusion });
    results.push({ id: q.id, rankedFiles: rankFiles(hits), ms: performance.now() - t0, relevant: q.relevant });
    draftWeightSum += draftWeight;
  }
  // Beside the ranking: how many questions the answer without a model gives up on (no model, so cheap).
  const notCovered = await notCoveredQuestions(index, questions);
  const { p50_ms, p95_ms, ...quality } = retrievalMetrics(results);
  return {
    ...quality,
    not_covered: notCovered.length,
    not_covered_ids: notCovered,
    p50_ms,
    p95_ms,
    ...(draftFrom
      ? {
          draft: draftFrom,
          draft_noise: noise,
          fusion,
          mean_draft_weight: Math.round((draftWeightSum / questions.length) * 1000) / 1000,
          ...(whenNeeded ? { drafts_skipped: draftsSkipped } : {}),
        }
      : {}),
  };
}
