// `docent dataset`, `docent feedback export` and `docent eval --answers`: the fine-tuning loop.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { EvalQuestion } from "../engine/eval/retrievalEval.js";
import { readFeedback, tornFile } from "../engine/finetune/feedbackLog.js";
import { jsonLine, safeText } from "./terminalText.js";
import { exportFeedback } from "../engine/finetune/feedbackExport.js";
import { recordLine } from "../engine/finetune/chatRecords.js";
import { validationFileFor } from "../engine/finetune/dataset.js";
import { evaluateAnswers } from "../engine/eval/answerEval.js";
import { interruptOnCtrlC, intOption, ms, parse, UsageError } from "./args.js";
import { modelOptions } from "./modelOptions.js";
import { openEngine, requireDir, withEngine } from "./openEngine.js";
import { refuseOutputOverInput } from "./outputPaths.js";

export async function datasetCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...modelOptions,
    index: { type: "string" },
    out: { type: "string" },
    "per-section": { type: "string" },
    distractors: { type: "string" },
    seed: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const dir = await requireDir(positionals[0]);
  if (!values.model) throw new UsageError("dataset needs --model <path|hf:uri>: the local model writes the questions and answers");
  if (!values.out) throw new UsageError("missing --out <file.jsonl>");
  const out = path.resolve(values.out);
  const inputs = values.index ? [{ flag: "--index", file: values.index }] : [];
  for (const flag of ["model", "embedding-model"] as const) {
    const model = values[flag];
    if (model && !model.startsWith("hf:")) inputs.push({ flag: `--${flag}`, file: model });
  }
  await refuseOutputOverInput(
    [
      { flag: "--out", file: out },
      { flag: "--out (its .val.jsonl)", file: validationFileFor(out) },
    ],
    inputs,
  );
  const interrupt = interruptOnCtrlC();
  try {
    const engine = await openEngine(dir, values, { signal: interrupt.signal, verbose: true });
    await withEngine(engine, async () => {
      const params = {
        out,
        perSection: intOption(values["per-section"], "per-section", 3),
        distractors: values.distractors === "0" ? 0 : intOption(values.distractors, "distractors", 3),
        seed: values.seed === "0" ? 0 : intOption(values.seed, "seed", 1),
        limit: values.limit ? intOption(values.limit, "limit", 1) : undefined,
      };
      const onProgress = values.json
        ? undefined
        : (p: { done: number; total: number; records: number }) => process.stderr.write(`\r${p.done}/${p.total} sections, ${p.records} records`);
      const summary = await engine.exportDataset(params, interrupt.signal, onProgress).catch((err) => {
        if (interrupt.signal.aborted) {
          process.stderr.write("\nStopped; run the same command again to resume.\n");
          process.exitCode = 130;
          return undefined;
        }
        throw err;
      });
      if (!summary) return;
      if (values.json) {
        console.log(jsonLine({ ...summary, ms: Math.round(summary.ms) }));
        return;
      }
      process.stderr.write("\n");
      console.log(`Wrote ${summary.records.train} training records to ${safeText(summary.trainFile)}`);
      console.log(`  and ${summary.records.validation} validation records to ${safeText(summary.validationFile)}`);
      console.log(
        `Sections covered ${summary.sections.covered} of ${summary.sections.total}${summary.sections.resumed ? ` (${summary.sections.resumed} from an earlier run)` : ""}; files ${summary.files.train} train / ${summary.files.validation} validation`,
      );
      console.log(`Generated ${summary.generatedTokens} tokens in ${ms(summary.ms)}`);
    });
  } finally {
    interrupt.dispose();
  }
}

export async function feedbackCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== "export") throw new UsageError('feedback takes "export"');
  const { values } = parse(rest, { log: { type: "string" }, out: { type: "string" }, json: { type: "boolean" } });
  if (!values.log) throw new UsageError('missing --log <feedback.jsonl> (the extension\'s log: run "Docent: Show Logs" to see where it is)');
  if (!values.out) throw new UsageError("missing --out <file.jsonl>");
  const out = path.resolve(values.out);
  const prefs = out.replace(/(\.jsonl)?$/, ".preferences.jsonl");
  // Checked before the log is read: reading it may set a torn line aside into <log>.torn.
  await refuseOutputOverInput(
    [
      { flag: "--out", file: out },
      { flag: "--out (its .preferences.jsonl)", file: prefs },
    ],
    [
      { flag: "--log", file: values.log },
      { flag: "--log (its .torn file)", file: tornFile(values.log) },
    ],
  );
  const { entries, badLines, malformed, tornTail } = await readFeedback(values.log);
  const result = exportFeedback(entries);
  await fs.writeFile(out, result.chat.map(recordLine).join(""));
  await fs.writeFile(prefs, result.preferences.map(recordLine).join(""));
  const summary = {
    entries: entries.length,
    chatRecords: result.chat.length,
    preferencePairs: result.preferences.length,
    skipped: result.skipped,
    skippedWithoutTexts: result.skippedWithoutTexts,
    unreadableLines: badLines,
    skippedMalformed: malformed.length,
    malformedRecords: malformed,
    ...(tornTail ? { tornLineSetAside: tornFile(values.log) } : {}),
    chatFile: out,
    preferencesFile: prefs,
  };
  if (values.json) console.log(jsonLine(summary));
  else {
    console.log(`${summary.chatRecords} chat records (answers rated up) -> ${safeText(out)}`);
    console.log(`${summary.preferencePairs} preference pairs (rated down, with a correction) -> ${safeText(prefs)}`);
    const withoutTexts = result.skippedWithoutTexts ? `, ${result.skippedWithoutTexts} of them without the texts of their sources` : "";
    console.log(
      `${summary.skipped} entries skipped (nothing to train on${withoutTexts})${badLines.length ? `; unreadable lines: ${badLines.join(", ")}` : ""}`,
    );
    if (malformed.length) {
      const shown = malformed.slice(0, 10).map((m) => `line ${m.line}: ${safeText(m.reason)}`);
      console.log(
        `${malformed.length} malformed records skipped (${shown.join("; ")}${malformed.length > shown.length ? `; and ${malformed.length - shown.length} more` : ""})`,
      );
    }
    if (tornTail) console.log(`A torn last line (an interrupted write) was set aside in ${safeText(tornFile(values.log))}`);
  }
}

/** `docent eval --answers`, on the questions `docent eval` read (cut by --limit, with --typos applied). */
export async function answerEvalCommand(
  values: Record<string, string | boolean | string[] | undefined>,
  dir: string,
  questions: EvalQuestion[],
  extra: Record<string, number> = {},
): Promise<void> {
  const engine = await openEngine(dir, values as never, { pipeline: { draft: !values["no-draft"] } });
  await withEngine(engine, async () => {
    const answers = await evaluateAnswers(engine.docsIndex, engine.chatModel, questions, {
      draft: !values["no-draft"],
      maxTokens: values["max-tokens"] ? intOption(values["max-tokens"] as string, "max-tokens", 256) : 256,
      onProgress: values.json ? undefined : (done, total) => process.stderr.write(`\r${done}/${total} answered`),
    });
    const report = { ...answers, ...extra };
    if (!values.json) process.stderr.write("\n");
    if (values.json) console.log(jsonLine(report));
    else for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(22)} ${typeof v === "object" ? jsonLine(v) : v}`);
  });
}
