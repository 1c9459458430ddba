// `npm run bench`: runs each benchmark in its own Node process (so peak memory is its own)
// and writes the figures to bench/results/ as JSON and a Markdown table.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

const only = process.argv[2];
const evalDocs = "../shared/eval/anthropic_docs/docs";
const runs = [
  { name: "index-x1", script: "out/bench/indexBench.js", args: ["--copies", "1"] },
  { name: "index-x10", script: "out/bench/indexBench.js", args: ["--copies", "10"] },
  { name: "model-small", script: "out/bench/modelBench.js", args: ["--model", "small"] },
  { name: "model-medium", script: "out/bench/modelBench.js", args: ["--model", "medium", "--questions", "3"] },
  // Hostile documents at the 2 MB size limit: time to index each, and the worst case (target: under 2 s).
  { name: "pathological", script: "out/bench/pathological.js", args: [] },
  // 1, 4 and 16 Docent clients against one llama-server against each with its own model (needs the
  // llama-server that scripts/install-test-deps.sh builds; skipped with a note when it is missing).
  ...(process.env.DOCENT_BENCH_SKIP_SERVER ? [] : [{ name: "server-load", script: "out/bench/serverLoad.js", args: [] }]),
  // Retrieval against default Orama, where the question set is at hand (it is not part of this repo).
  ...(existsSync(evalDocs) ? [{ name: "orama-baseline", script: "out/bench/oramaBaseline.js", args: ["--docs", evalDocs] }] : []),
];
execFileSync("npx", ["tsc", "-p", "tsconfig.test.json"], { stdio: "inherit" });
mkdirSync("bench/results", { recursive: true });
const results = {};
for (const run of runs) {
  if (only && !run.name.startsWith(only)) continue;
  process.stderr.write(`bench: ${run.name}...\n`);
  const out = execFileSync(process.execPath, ["--expose-gc", run.script, ...run.args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  results[run.name] = JSON.parse(out.trim().split("\n").pop());
  console.log(run.name, results[run.name]);
}
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
writeFileSync(`bench/results/bench-${stamp}.json`, JSON.stringify(results, null, 2));
