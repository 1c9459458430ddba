// One Docent client of the server-load bench (bench/serverLoad.ts): its own engine process, with
// answers from the shared llama-server (--server) or from its own in-process model (--model).
// It reports "ready" once its engine is open, asks its questions when told "go", and sends back
// each answer's time to the first answer token, total time and mode.
import { parseArgs } from "node:util";
import { Engine } from "../src/engine/engine.js";
import { DEFAULT_PIPELINE } from "../src/shared/pipelineSettings.js";
import { engineSettings } from "../test/fixtures/engineSettings.js";

const { values } = parseArgs({
  options: {
    docs: { type: "string" },
    index: { type: "string" },
    server: { type: "string" },
    model: { type: "string" },
    questions: { type: "string" },
    "answer-tokens": { type: "string", default: "64" },
    "draft-tokens": { type: "string", default: "32" },
    client: { type: "string", default: "0" },
    "models-dir": { type: "string" },
  },
});
const questions = JSON.parse(values.questions!) as string[];
const send = (message: unknown) => process.send!(message);

const engine = new Engine({
  roots: [values.docs!],
  indexFile: values.index!,
  // Where the model probe's record is: the bench probed the model once, so no client probes it again.
  modelsDir: values["models-dir"]!,
  settings: engineSettings({
    chatModel: values.model,
    contextSize: 2048,
    server: values.server ? { url: values.server, timeoutSeconds: 300 } : undefined,
    pipeline: {
      ...DEFAULT_PIPELINE,
      draftForNamedTerms: true,
      answerMaxTokens: Number(values["answer-tokens"]),
      draftMaxTokens: Number(values["draft-tokens"]),
    },
  }),
  onFailure: "throw",
});
const t0 = performance.now();
await engine.start();
send({ type: "ready", startMs: performance.now() - t0 });
await new Promise<void>((resolve) => process.once("message", () => resolve()));
for (const [i, question] of questions.entries()) {
  const started = performance.now();
  try {
    const r = await engine.ask({ id: `c${values.client}-${i}`, question });
    send({
      type: "answer",
      ok: r.mode === "model" && !r.note,
      mode: r.mode,
      note: r.note,
      firstAnswerTokenMs: r.timings.firstAnswerTokenMs,
      totalMs: performance.now() - started,
      answerTokens: r.tokens.answer,
    });
  } catch (err) {
    send({ type: "answer", ok: false, error: (err as Error).message, totalMs: performance.now() - started });
  }
}
await engine.dispose();
send({ type: "done" });
process.disconnect();
