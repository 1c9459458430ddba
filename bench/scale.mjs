// `npm run bench -- scale` (or `node bench/scale.mjs [--copies 1,30,100] [--rounds 3] [--baseline <git ref>]`):
// the index at scale, this build beside the index format before it, measured in one run.
// The sample docs are copied 1x / 30x / 100x into a temporary folder; the baseline is the commit
// before the compact index format, checked out with `git worktree` into a temporary folder and
// compiled there with this same bench/scaleBench.ts. Each phase (build, load) runs in a Node process
// of its own, old and new interleaved; with --rounds N each figure is the median of N such rounds
// (a shared machine's speed drifts by tens of percent within minutes: one round can flatter either
// side). Writes bench/results/scale-<time>.json and .md.
// Heavy: run it under `flock /tmp/docent-heavy.lock` on a shared machine.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    copies: { type: "string", default: "1,30,100" },
    // The last commit with index format 3 (JSON header, Orama's document store).
    baseline: { type: "string", default: "d3079e6" },
    docs: { type: "string", default: "samples/otel-semconv/docs" },
    "no-baseline": { type: "boolean", default: false },
    rounds: { type: "string", default: "1" },
    // With an embedding model of this many dimensions (a deterministic stand-in; see scaleBench.ts).
    "embedding-dims": { type: "string", default: "0" },
    // Writes each build's query results to bench/results/ (to diff where their digests differ).
    "write-results": { type: "boolean", default: false },
  },
});
const repo = process.cwd();
mkdirSync(path.join(repo, "bench/results"), { recursive: true });
const copiesList = values.copies.split(",").map(Number);
const rounds = Math.max(1, Number(values.rounds) || 1);
const work = mkdtempSync(path.join(os.tmpdir(), "docent-scale-"));

if (!process.env.SCALE_NO_TSC) execFileSync("npx", ["tsc", "-p", "tsconfig.test.json"], { stdio: "inherit" });
const impls = [{ name: "new", dir: repo }];
if (!values["no-baseline"]) {
  const base = path.join(work, "baseline");
  execFileSync("git", ["worktree", "add", "--detach", base, values.baseline], { stdio: "inherit" });
  try {
    symlinkSync(path.join(repo, "node_modules"), path.join(base, "node_modules"));
    for (const file of ["bench/scaleBench.ts", "bench/sampleQueries.ts", "test/helpers/hashingEmbedder.ts"]) {
      copyFileSync(path.join(repo, file), path.join(base, file));
      pointImportsAt(base, path.join(base, file));
    }
    // This bench names fields a baseline may lack (it reads them only where they are there): type
    // errors in the baseline's tree are expected, and tsc writes its JavaScript regardless.
    const compiled = spawnSync("npx", ["tsc", "-p", "tsconfig.test.json"], { cwd: base, encoding: "utf8" });
    if (!existsSync(path.join(base, "out/bench/scaleBench.js"))) throw new Error(`the baseline did not compile:\n${compiled.stdout}${compiled.stderr}`);
    if (compiled.status !== 0)
      process.stderr.write(
        `scale: the baseline compiled with type errors (${(compiled.stdout.match(/error TS/g) ?? []).length}), as expected of an older tree\n`,
      );
  } catch (err) {
    execFileSync("git", ["worktree", "remove", "--force", base], { stdio: "inherit" });
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  impls.unshift({ name: "old", dir: base });
}

/**
 * Points the imports of a file copied into the baseline's tree at the baseline's own modules: a
 * module a later commit moved (index/persistence.ts to index/disk/) is found by its file name.
 */
function pointImportsAt(base, file) {
  const sources = readdirSync(path.join(base, "src"), { recursive: true }).filter((f) => f.endsWith(".ts"));
  const text = readFileSync(file, "utf8").replace(/from "(\.\.?\/[^"]+)\.js"/g, (whole, spec) => {
    if (existsSync(path.resolve(path.dirname(file), `${spec}.ts`))) return whole;
    const found = sources.filter((f) => path.basename(f) === `${path.basename(spec)}.ts`);
    if (found.length !== 1) return whole; // a type-only import (erased) or a module the baseline lacks
    const moved = path.relative(path.dirname(file), path.join(base, "src", found[0])).replace(/\.ts$/, ".js");
    return `from "${moved.startsWith(".") ? moved : `./${moved}`}"`;
  });
  writeFileSync(file, text);
}

function phase(impl, name, corpus, index) {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      path.join(impl.dir, "out/bench/scaleBench.js"),
      ...["--phase", name, "--corpus", corpus, "--index", index, "--embedding-dims", values["embedding-dims"]],
      ...(values["write-results"] && name === "load"
        ? ["--results", path.join(repo, "bench/results", `results-${impl.name}-${path.basename(corpus)}.tsv`)]
        : []),
    ],
    {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const last = run.stdout.trim().split("\n").pop();
  let result;
  try {
    result = JSON.parse(last);
  } catch {
    result = { error: `exit ${run.status ?? run.signal}: ${(run.stderr || "").trim().split("\n").slice(-3).join(" ").slice(0, 300)}` };
  }
  process.stderr.write(`scale: ${impl.name} ${name} (${Math.round((Date.now() - started) / 1000)} s): ${JSON.stringify(result)}\n`);
  return result;
}

/** Each numeric figure's median over the rounds; an error in any round is kept. */
function medianOf(all) {
  const out = {};
  for (const key of new Set(all.flatMap((r) => Object.keys(r)))) {
    const numbers = all
      .map((r) => r[key])
      .filter((v) => typeof v === "number")
      .sort((a, b) => a - b);
    if (numbers.length) {
      const mid = numbers.length >> 1;
      out[key] = numbers.length % 2 ? numbers[mid] : (numbers[mid - 1] + numbers[mid]) / 2;
    } else out[key] = all.find((r) => r[key] !== undefined)[key];
  }
  return out;
}

const results = { baseline: values["no-baseline"] ? null : values.baseline, rounds, embeddingDims: Number(values["embedding-dims"]), runs: {} };
try {
  for (const copies of copiesList) {
    const corpus = path.join(work, `corpus-x${copies}`);
    for (let i = 0; i < copies; i++) cpSync(values.docs, path.join(corpus, `copy${i}`), { recursive: true });
    const measured = Object.fromEntries(impls.map((impl) => [impl.name, []]));
    for (let round = 0; round < rounds; round++) {
      const row = {};
      for (const impl of impls) row[impl.name] = phase(impl, "build", corpus, path.join(work, `${impl.name}-x${copies}.idx`));
      for (const impl of impls)
        if (!row[impl.name].error) Object.assign(row[impl.name], phase(impl, "load", corpus, path.join(work, `${impl.name}-x${copies}.idx`)));
      for (const impl of impls) rmSync(path.join(work, `${impl.name}-x${copies}.idx`), { force: true });
      for (const impl of impls) measured[impl.name].push(row[impl.name]);
    }
    rmSync(corpus, { recursive: true, force: true });
    results.runs[`x${copies}`] = Object.fromEntries(Object.entries(measured).map(([name, all]) => [name, medianOf(all)]));
    if (rounds > 1) results.runs[`x${copies}`].rounds = measured;
  }
} finally {
  if (!values["no-baseline"]) execFileSync("git", ["worktree", "remove", "--force", path.join(work, "baseline")], { stdio: "inherit" });
  rmSync(work, { recursive: true, force: true });
}

const keys = [
  "corpus_mb",
  "chunks",
  "index_mb",
  "index_to_corpus",
  "build_s",
  "build_peak_rss_mb",
  "save_s",
  "build_and_save_peak_rss_mb",
  "load_s",
  "vectors_in_orama_s",
  "rss_after_load_mb",
  "first_search_ms",
  "search_p50_ms",
  "search_p95_ms",
  "search_warm_p50_ms",
  "search_warm_p95_ms",
  "search_warm_cpu_p50_ms",
  "search_warm_cpu_p95_ms",
  "load_average_1m",
  "rss_after_search_mb",
  "search_results_digest",
  "vector_binary_first_pass",
  "vector_first_pass_bits_ms",
  "vector_search_p50_ms",
  "vector_search_p95_ms",
  "vector_recall_at_10",
  "vector_search_int8_only_p50_ms",
  "vector_search_int8_only_p95_ms",
  "vector_recall_int8_only_at_10",
  "search_with_text_p50_ms",
  "search_with_text_p95_ms",
  "changed_file_reindex_ms",
  "changed_file_reindex_and_save_ms",
  "full_save_after_load_s",
  "memory_growth_full_save_after_load_mb",
];
const lines = [
  `# Scale bench ${new Date().toISOString()} (baseline ${results.baseline ?? "none"}; ${rounds === 1 ? "one round" : `medians of ${rounds} rounds`})`,
  "",
];
for (const [run, row] of Object.entries(results.runs)) {
  lines.push(`## ${run}`, "", "| figure | old | new | new/old |", "|---|---|---|---|");
  for (const k of keys) {
    const o = row.old?.[k];
    const n = row.new?.[k];
    const ratio = typeof o === "number" && typeof n === "number" && o > 0 ? (n / o).toFixed(3) : "";
    lines.push(`| ${k} | ${o ?? (row.old?.error ? "failed" : "")} | ${n ?? (row.new?.error ? "failed" : "")} | ${ratio} |`);
  }
  if (row.old?.search_results_digest && row.new?.search_results_digest)
    lines.push(`| search results identical | ${row.old.search_results_digest === row.new.search_results_digest ? "yes" : "NO"} | | |`);
  for (const impl of ["old", "new"]) if (row[impl]?.error) lines.push(`| error (${impl}) | ${row[impl].error} | | |`);
  if (row.rounds)
    for (const impl of ["old", "new"])
      if (row.rounds[impl]) lines.push(`| build_s by round (${impl}) | ${row.rounds[impl].map((r) => r.build_s).join(", ")} | | |`);
  lines.push("");
}
mkdirSync("bench/results", { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
writeFileSync(`bench/results/scale-${stamp}.json`, JSON.stringify(results, null, 2));
writeFileSync(`bench/results/scale-${stamp}.md`, lines.join("\n"));
console.log(lines.join("\n"));
