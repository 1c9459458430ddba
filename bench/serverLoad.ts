// Load on one shared llama-server against each client running its own model: 1, 4 and 16
// concurrent Docent clients (each its own engine process, as each engineer's editor has), each
// asking the same few questions. Reports answers per minute, time to the first answer token
// (p50/p95), errors, and the ratio of the two set-ups. Loopback only; bounded in clients,
// questions and time (a configuration that runs past --cap-seconds is stopped and counted as such).
// Usage: node out/bench/serverLoad.js [--clients 1,4,16] [--answers 8] [--model small|medium] [--cap-seconds 300]
import { fork, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchModelFile } from "./benchModel.js";
import { Engine } from "../src/engine/engine.js";
import { findLlamaServer, LlamaServer } from "../test/helpers/llamaServer.js";
import { engineSettings } from "../test/fixtures/engineSettings.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1,4,16" },
    /** Answers per configuration, at least: each client asks ceil(this / clients) questions. */
    answers: { type: "string", default: "8" },
    model: { type: "string", default: "medium" },
    docs: { type: "string", default: "samples/otel-semconv/docs" },
    "answer-tokens": { type: "string", default: "64" },
    "draft-tokens": { type: "string", default: "32" },
    // Cores - 1, as every Docent client: threads equal to the cores collapse when anything else runs.
    "server-threads": { type: "string", default: String(Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1)) },
    "cap-seconds": { type: "string", default: "300" },
    modes: { type: "string", default: "server,local" },
  },
});

const QUESTIONS = [
  "What does http.server.request.duration measure and in which unit?",
  "Which attributes are required on database client operation duration?",
  "What is jvm.memory.used?",
  "How is system.cpu.utilization computed?",
];

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

interface Answer {
  ok: boolean;
  firstAnswerTokenMs?: number;
  totalMs: number;
  error?: string;
  note?: string;
}

async function runClients(
  n: number,
  mode: "server" | "local",
  common: { docs: string; index: string; server?: string; model: string; modelsDir: string },
): Promise<Record<string, unknown>> {
  const questionsPer = Math.max(1, Math.ceil(Number(values.answers) / n));
  const client = fileURLToPath(new URL("./serverLoadClient.js", import.meta.url));
  const children: ChildProcess[] = [];
  running = children;
  const answers: Answer[] = [];
  const startMs: number[] = [];
  let ready = 0;
  let done = 0;
  let goAt = 0;
  let allReady!: () => void;
  let allDone!: () => void;
  const readyP = new Promise<void>((r) => (allReady = r));
  const doneP = new Promise<void>((r) => (allDone = r));
  for (let i = 0; i < n; i++) {
    const qs = Array.from({ length: questionsPer }, (_, j) => QUESTIONS[(i + j) % QUESTIONS.length]!);
    const args = ["--docs", common.docs, "--index", common.index, "--questions", JSON.stringify(qs), "--client", String(i), "--models-dir", common.modelsDir];
    args.push("--answer-tokens", values["answer-tokens"]!, "--draft-tokens", values["draft-tokens"]!);
    if (mode === "server") args.push("--server", common.server!);
    else args.push("--model", common.model);
    const child = fork(client, args, { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    children.push(child);
    child.on("message", (m: { type: string; startMs?: number } & Answer) => {
      if (m.type === "ready") {
        startMs.push(m.startMs!);
        if (++ready === n) allReady();
      } else if (m.type === "answer") answers.push(m);
      else if (m.type === "done" && ++done === n) allDone();
    });
    child.on("exit", (code) => {
      if (code !== 0) answers.push({ ok: false, error: `client exited with ${code}`, totalMs: 0 });
    });
  }
  const cap = Number(values["cap-seconds"]) * 1000;
  let capped = false;
  const timer = setTimeout(() => {
    capped = true;
    allReady();
    allDone();
  }, cap);
  await readyP;
  goAt = performance.now();
  for (const c of children) c.send("go");
  await doneP;
  const wallMs = performance.now() - goAt;
  clearTimeout(timer);
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  const ok = answers.filter((a) => a.ok);
  const ttft = ok.map((a) => a.firstAnswerTokenMs!).filter((x) => x > 0);
  const errors = answers.filter((a) => !a.ok);
  return {
    mode,
    clients: n,
    questionsPerClient: questionsPer,
    asked: n * questionsPer,
    answered: ok.length,
    errors: errors.length + (capped ? n * questionsPer - answers.length : 0),
    errorSamples: [...new Set(errors.map((e) => e.error ?? e.note))].slice(0, 3),
    capped,
    wallS: +(wallMs / 1000).toFixed(1),
    answersPerMinute: +((ok.length * 60_000) / wallMs).toFixed(1),
    firstAnswerTokenP50Ms: Math.round(percentile(ttft, 50)),
    firstAnswerTokenP95Ms: Math.round(percentile(ttft, 95)),
    answerP50Ms: Math.round(
      percentile(
        ok.map((a) => a.totalMs),
        50,
      ),
    ),
    clientStartP50Ms: Math.round(percentile(startMs, 50)),
  };
}

/** Clients and server of the configuration under way, stopped when the bench is interrupted. */
let running: ChildProcess[] = [];

const bin = findLlamaServer();
if (!bin) {
  // `npm run bench` goes on with the other benchmarks; the note says what is missing.
  console.log(JSON.stringify({ skipped: "llama-server is not built: run scripts/install-test-deps.sh (or set DOCENT_LLAMA_SERVER)" }));
  process.exit(0);
}
const docs = path.resolve(values.docs!);
const model = await benchModelFile(values.model!);
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "docent-serverload-"));
const index = path.join(tmp, "index.docent");
// One index for every client (opened read-only by each: it is up to date, so none rewrites it), and
// the model probed once here, so that no client spends a probe process on it.
const indexer = new Engine({
  roots: [docs],
  indexFile: index,
  modelsDir: tmp,
  settings: engineSettings({ chatModel: model, contextSize: 2048 }),
});
await indexer.start();
await indexer.dispose();

const counts = values.clients!.split(",").map(Number);
const maxClients = Math.max(...counts);
if (maxClients > 32) throw new Error("at most 32 clients");
// One slot per client, each with the context a local client has (2048).
const server = await LlamaServer.start(bin, {
  model,
  parallel: maxClients,
  ctxSize: 2048 * maxClients,
  threads: Number(values["server-threads"]),
  alias: "bench",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const c of running) c.kill("SIGKILL");
    server.stop();
    process.exit(130);
  });
}
const results: Record<string, unknown>[] = [];
try {
  for (const n of counts) {
    for (const mode of values.modes!.split(",") as ("server" | "local")[]) {
      process.stderr.write(`serverLoad: ${n} client(s), ${mode}...\n`);
      const r = await runClients(n, mode, { docs, index, server: server.url, model, modelsDir: tmp });
      process.stderr.write(`  ${JSON.stringify(r)}\n`);
      results.push(r);
    }
  }
} finally {
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
const ratios = counts.map((n) => {
  const s = results.find((r) => r.mode === "server" && r.clients === n) as { answersPerMinute: number; firstAnswerTokenP50Ms: number } | undefined;
  const l = results.find((r) => r.mode === "local" && r.clients === n) as { answersPerMinute: number; firstAnswerTokenP50Ms: number } | undefined;
  return s && l
    ? {
        clients: n,
        throughputServerOverLocal: +(s.answersPerMinute / l.answersPerMinute).toFixed(2),
        ttftP50LocalOverServer: +(l.firstAnswerTokenP50Ms / s.firstAnswerTokenP50Ms).toFixed(2),
      }
    : { clients: n };
});
const summary = {
  model: path.basename(model),
  cores: os.availableParallelism?.() ?? os.cpus().length,
  serverThreads: Number(values["server-threads"]),
  answersPerConfiguration: Number(values.answers),
  answerTokens: Number(values["answer-tokens"]),
  results,
  ratios,
};
console.log(JSON.stringify(summary));
