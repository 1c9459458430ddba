// `docent ask`: the answer pipeline in a terminal, streaming each stage.
import type { PipelineEvent } from "../engine/answer/pipeline.js";
import { interruptOnCtrlC, parse, UsageError, ms } from "./args.js";
import { modelOptions } from "./modelOptions.js";
import { pipelineOptions, pipelineSettingsFrom } from "./pipelineOptions.js";
import { indexOptions } from "./indexCommands.js";
import { openEngine, requireDir, withEngine } from "./openEngine.js";
import { jsonLine, safeLines, safeText } from "./terminalText.js";
import { cardMarkdown } from "../shared/cards.js";
import { READING_SHOWN_SECONDS, readingText, spellingText } from "../shared/answer.js";

export async function askCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...modelOptions,
    // Where the index is saved and which files it takes in, as for `docent index`.
    ...indexOptions,
    ...pipelineOptions,
  });
  const dir = await requireDir(positionals[0]);
  const question = positionals[1];
  if (!question?.trim()) throw new UsageError('missing "<question>"');
  const pipeline = pipelineSettingsFrom(values);
  const interrupt = interruptOnCtrlC();
  try {
    const engine = await openEngine(dir, values, { pipeline, signal: interrupt.signal });
    await withEngine(engine, async () => {
      const json = values.json ?? false;
      const { model, device } = engine.getStatus();
      if (!json && model) process.stderr.write(`· model ${safeText(model)} on ${device}\n`);
      const result = await engine.ask({ id: "cli", question }, interrupt.signal, json ? undefined : printEvent());
      if (json) {
        console.log(
          jsonLine({
            question: result.question,
            mode: result.mode,
            note: result.note,
            draft: result.draft,
            ...(result.draftSkipped ? { draftSkipped: result.draftSkipped } : {}),
            answer: result.answer,
            ...(result.resolvedQuestion ? { resolvedQuestion: result.resolvedQuestion } : {}),
            ...(result.spelling ? { spelling: result.spelling } : {}),
            cards: result.cards ?? [],
            sources: result.sources.map(({ n, path, heading, label, startLine, endLine, matchedBy, term, also }) => ({
              n,
              path,
              heading,
              label,
              startLine,
              endLine,
              matchedBy,
              term,
              // Other places with the same text: where it is, not the absolute file (as for the source itself).
              ...(also?.length ? { also: also.map(({ path, startLine, endLine }) => ({ path, startLine, endLine })) } : {}),
            })),
            citations: result.citations.map(({ n, path, heading, startLine, endLine }) => ({ n, path, heading, startLine, endLine })),
            invalidCitations: result.invalidCitations,
            draftWeight: result.draftWeight,
            aborted: result.aborted,
            timings: roundAll(result.timings),
            tokens: result.tokens,
            tokensPerSecond: roundAll(result.tokensPerSecond),
            ...(result.sourceBudget ? { sourceBudget: result.sourceBudget } : {}),
            gpu: engine.device && engine.device !== "cpu" ? engine.device : false,
          }),
        );
      }
      if (result.aborted) process.exitCode = 130;
    });
  } finally {
    interrupt.dispose();
  }
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10])) as T;
}

/** Stages and the draft go to stderr, the answer and its sources to stdout. */
function printEvent(): (event: PipelineEvent) => void {
  let inDraft = false;
  return (event) => {
    switch (event.type) {
      case "stage":
        if (event.status === "started") {
          if (event.stage === "draft") {
            process.stderr.write("Draft (unverified): ");
            inDraft = true;
          } else process.stderr.write(`· ${event.stage}…\n`);
        } else {
          if (inDraft) process.stderr.write("\n");
          inDraft = false;
          process.stderr.write(`· ${event.stage} done in ${ms(event.ms)}\n`);
        }
        break;
      case "draft-chunk":
        process.stderr.write(safeLines(event.text));
        break;
      case "cards":
        if (event.resolvedQuestion) process.stderr.write(`· answering: ${safeLines(event.resolvedQuestion)}\n`);
        if (event.spelling) process.stderr.write(`· ${safeLines(spellingText(event.spelling))}\n`);
        // The facts first: a card is what the question asked for, whatever follows.
        for (const card of event.cards) process.stdout.write(`${safeLines(cardMarkdown(card).replace(/ {2}\n/g, "\n"))}\n\n`);
        break;
      case "sources":
        break;
      case "notice":
        process.stderr.write(`${inDraft ? "\n" : ""}· ${safeLines(event.text)}\n`);
        break;
      case "reading":
        // The wait before the first word, when it is long enough to say (a slow device's measured speed).
        if (event.seconds !== undefined && event.seconds >= READING_SHOWN_SECONDS)
          process.stderr.write(`${inDraft ? "\n" : ""}· ${readingText(event.promptTokens, event.seconds)}\n`);
        break;
      case "answer-chunk":
        process.stdout.write(safeLines(event.text));
        break;
      case "done": {
        const r = event.result;
        process.stdout.write("\n");
        if (r.note) process.stdout.write(`\n(${safeLines(r.note)})\n`);
        // A retrieval-only answer lists its sources itself.
        if (r.sources.length && r.mode !== "retrieval-only") {
          process.stdout.write("\nSources:\n");
          for (const s of r.sources) {
            const also = (s.also ?? []).map((a) => `, ${safeText(a.path)}:${a.startLine}-${a.endLine}`).join("");
            process.stdout.write(`  [${s.n}] ${safeText(s.label ?? s.heading)} · ${safeText(s.path)}:${s.startLine}-${s.endLine}${also}\n`);
          }
        }
        if (r.aborted) process.stdout.write("\n(stopped)\n");
        const t = r.timings;
        process.stderr.write(
          `· total ${ms(t.total)} (terms ${ms(t.terms)}, draft ${ms(t.draft)}, retrieve ${ms(t.retrieve)}, answer ${ms(t.answer)})` +
            (r.tokens.answer ? `, ${r.tokens.answer} answer tokens at ${r.tokensPerSecond.answer.toFixed(1)} tokens/s` : "") +
            "\n",
        );
        break;
      }
    }
  };
}
