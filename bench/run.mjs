// `npm run bench`: runs each benchmark in its own Node process (so peak memory is its own)
// and writes the figures to bench/results/ as JSON and a Markdown table.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const only = process.argv[2];
const evalDocs = "../shared/eval/anthropic_docs/docs";
const runs = [
  { name: "index-x1", script: "out/bench/indexBench.js", args: ["--copies", "1"] },
  { name: "index-x10", script: "out/bench/indexBench.js", args: ["--copies", "10"] },
  { name: "model-small", script: "out/bench/modelBench.js", args: ["--model", "small"] },
  { name: "model-medium", script: "out/bench/modelBench.js", args: ["--model", "medium", "--questions", "3"] },
  // The code check: the defined-names table, diagnostics for a 5,000-line file per language, completion.
  { name: "code-check", script: "out/bench/codeCheckBench.js", args: [] },
  // Hostile documents at the 2 MB size limit: time to index each, and the worst case (target: under 2 s).
  { name: "pathological", script: "out/bench/pathological.js", args: [] },
  // The answer path (ask without a model, eval --context, the hover's card) over the same shapes at 200 KB (target: each under 2 s).
  { name: "pathological-answer", script: "out/bench/pathologicalAnswer.js", args: [] },
  // 1, 4 and 16 Docent clients against one llama-server against each with its own model (needs the
  // llama-server that scripts/install-test-deps.sh builds; skipped with a note when it is missing).
  ...(process.env.DOCENT_BENCH_SKIP_SERVER ? [] : [{ name: "server-load", script: "out/bench/serverLoad.js", args: [] }]),
  // Retrieval against default Orama, where the question set is at hand (it is not part of this repo).
  ...(existsSync(evalDocs) ? [{ name: "orama-baseline", script: "out/bench/oramaBaseline.js", args: ["--docs", evalDocs] }] : []),
  // The index at 1x / 30x / 100x the sample docs, beside the previous index format built from git
  // in the same run (bench/scale.mjs; about 20 minutes on 2 cores). Writes its own table.
  { name: "scale", script: "bench/scale.mjs", args: [], table: true },
  // The first answer token on the CPU (issue 21): the Qwen2.5 0.5B- and 1.5B-shaped twins (written
  // once into the temp folder by bench/gpuTwinWrite, 1.3 and 3.6 GB), the old defaults against
  // today's, one reading thread, and a follow-up; with context recall at each budget. Slow on a
  // small CPU (the old defaults' row alone took 11 minutes on 2 busy cores); it prints a table.
  ...["qwen2.5-0.5b", "qwen2.5-1.5b"].map((shape) => ({
    name: `first-token-${shape}`,
    script: "out/bench/firstTokenBench.js",
    args: ["--model", path.join(os.tmpdir(), `docent-gpu-twin-${shape}.gguf`)],
    twin: shape,
  })),
  // Context and visible recall without a model (`docent eval --context`), where the question set is at hand.
  ...(existsSync(evalDocs) ? [{ name: "context-recall", script: "out/bench/contextBench.js", args: ["--docs", evalDocs] }] : []),
];
execFileSync("npx", ["tsc", "-p", "tsconfig.test.json"], { stdio: "inherit" });
mkdirSync("bench/results", { recursive: true });
const results = {};
for (const run of runs) {
  if (only && !run.name.startsWith(only)) continue;
  process.stderr.write(`bench: ${run.name}...\n`);
  if (run.table) {
    // Already compiled above; it prints a Markdown table and writes bench/results/scale-*.json.
    execFileSync(process.execPath, [run.script, ...run.args], { stdio: "inherit", env: { ...process.env, SCALE_NO_TSC: "1" } });
    results[run.name] = "see bench/results/scale-*.json";
    continue;
  }
  if (run.twin) execFileSync(process.execPath, ["out/bench/gpuTwinWrite.js", "--shape", run.twin, "--out", run.args[1]], { stdio: "inherit" });
  const out = execFileSync(process.execPath, ["--expose-gc", run.script, ...run.args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  results[run.name] = JSON.parse(out.trim().split("\n").pop());
  console.log(run.name, results[run.name]);
}
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
writeFileSync(`bench/results/bench-${stamp}.json`, JSON.stringify(results, null, 2));
