// `docent index`, `docent search` and `docent eval`: the docs engine from a terminal.
import * as path from "node:path";
import { promises as fs } from "node:fs";
import { openIndex, type OpenedIndex } from "../engine/index/openIndex.js";
import { addDraftNoise, corpusWords, readQuestions, rankFiles, retrievalMetrics, type QuestionResult } from "../engine/eval/retrievalEval.js";
import { mulberry32 } from "../engine/util/random.js";
import { retrieve } from "../engine/answer/retrieval.js";
import { headingLabel } from "../engine/index/types.js";
import { type Logger } from "../engine/util/logger.js";
import { intOption, ms, numberOption, parse, UsageError } from "./args.js";
import { answerEvalCommand } from "./finetuneCommands.js";
import { modelOptions } from "./modelOptions.js";

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

export async function requireDir(dir: string | undefined, what = "<dir>"): Promise<string> {
  if (!dir) throw new UsageError(`missing ${what}`);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  return path.resolve(dir);
}

const indexOptions = {
  index: { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

type IndexFlags = { index?: string; include?: string[]; exclude?: string[] };

export async function open(dir: string, flags: IndexFlags, extra: Parameters<typeof openIndex>[1] = {}): Promise<OpenedIndex> {
  return openIndex([dir], {
    indexFile: flags.index,
    corpus: { include: flags.include, exclude: flags.exclude },
    logger: stderrLogger,
    ...extra,
  });
}

export async function indexCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, indexOptions);
  const dir = await requireDir(positionals[0]);
  const opened = await open(dir, values);
  const { report, index } = opened;
  if (values.json) {
    console.log(JSON.stringify({ ...summary(opened), skipped: report.skipped.map(({ relPath, reason, detail }) => ({ path: relPath, reason, detail })) }));
    return;
  }
  const how = opened.load === "loaded" ? `loaded saved index in ${ms(opened.loadMs)}, then updated` : "built";
  console.log(`Indexed ${index.fileCount} files, ${index.chunkCount} sections (${how}) in ${ms(report.ms)}.`);
  console.log(`  added ${report.added.length}, updated ${report.updated.length}, removed ${report.removed.length}, unchanged ${report.unchanged}`);
  if (report.skipped.length) {
    console.log(`Skipped ${report.skipped.length}:`);
    for (const s of report.skipped) console.log(`  ${s.relPath}: ${s.reason} (${s.detail})`);
  }
  for (const f of report.invalidUtf8) console.log(`  ${f}: invalid UTF-8 replaced with U+FFFD`);
  console.log(`Index file: ${opened.indexFile}${opened.saved ? " (saved)" : " (unchanged)"}`);
}

function summary(opened: OpenedIndex) {
  const { report, index } = opened;
  return {
    files: index.fileCount,
    sections: index.chunkCount,
    load: opened.load,
    added: report.added.length,
    updated: report.updated.length,
    removed: report.removed.length,
    unchanged: report.unchanged,
    ms: Math.round(report.ms),
    indexFile: opened.indexFile,
  };
}

export async function searchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...indexOptions, k: { type: "string" } });
  const dir = await requireDir(positionals[0]);
  const query = positionals[1];
  if (!query) throw new UsageError('missing "<query>"');
  const k = intOption(values.k, "k", 10);
  const { index } = await open(dir, values);
  const t0 = performance.now();
  const hits = await index.search(query, { k });
  const took = performance.now() - t0;
  if (values.json) {
    console.log(
      JSON.stringify({
        query,
        ms: Math.round(took * 100) / 100,
        results: hits.map((h) => ({
          path: h.chunk.relPath,
          heading: headingLabel(h.chunk),
          startLine: h.chunk.startLine,
          endLine: h.chunk.endLine,
          score: h.score,
          matchedBy: h.matchedBy,
          ...(h.term ? { term: h.term } : {}),
        })),
      }),
    );
    return;
  }
  if (hits.length === 0) console.log("No matching sections.");
  hits.forEach((h, i) => {
    const how = h.term ? `exact term ${h.term}` : h.matchedBy.join("+");
    console.log(`${i + 1}. ${h.chunk.relPath}:${h.chunk.startLine}-${h.chunk.endLine}  ${headingLabel(h.chunk)}`);
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
    "draft-noise": { type: "string" },
    seed: { type: "string" },
    fusion: { type: "string" },
    answers: { type: "boolean" },
    "no-draft": { type: "boolean" },
    limit: { type: "string" },
    "max-tokens": { type: "string" },
    ...modelOptions,
  });
  const dir = await requireDir(values.docs, "--docs <dir>");
  if (values.answers) return answerEvalCommand(values, dir);
  if (!values.questions) throw new UsageError("missing --questions <file.jsonl>");
  const draftFrom = values["draft-from"];
  if (draftFrom !== undefined && draftFrom !== "answer") throw new UsageError('--draft-from takes "answer" (the reference answer as the draft)');
  const noise = numberOption(values["draft-noise"], "draft-noise", 0, 0, 1);
  if (values["draft-noise"] !== undefined && !draftFrom) throw new UsageError("--draft-noise needs --draft-from answer");
  const fusion = values.fusion ?? "agreement";
  if (fusion !== "agreement" && fusion !== "rrf") throw new UsageError('--fusion is "agreement" (default) or "rrf"');
  const rand = mulberry32(intOption(values.seed, "seed", 1));
  const questions = await readQuestions(values.questions);
  const { index } = await open(dir, values);
  const vocabulary = noise > 0 ? corpusWords(index.allChunks().map((c) => c.text)) : [];
  const results: QuestionResult[] = [];
  let draftWeightSum = 0;
  for (const q of questions) {
    let draft: string | undefined;
    if (draftFrom) {
      if (!q.answer) throw new Error(`question ${q.id} has no "answer" to use as a draft`);
      draft = noise > 0 ? addDraftNoise(q.answer, noise, rand, vocabulary) : q.answer;
    }
    const t0 = performance.now();
    const { hits, draftWeight } = await retrieve(index, q.question, { k: 50, draft, fusion });
    results.push({ id: q.id, rankedFiles: rankFiles(hits), ms: performance.now() - t0, relevant: q.relevant });
    draftWeightSum += draftWeight;
  }
  const metrics = {
    ...retrievalMetrics(results),
    ...(draftFrom ? { draft: draftFrom, draft_noise: noise, fusion, mean_draft_weight: Math.round((draftWeightSum / questions.length) * 1000) / 1000 } : {}),
  };
  if (values.json) {
    console.log(JSON.stringify(metrics));
    return;
  }
  for (const [name, value] of Object.entries(metrics)) console.log(`${name.padEnd(18)} ${value}`);
}
