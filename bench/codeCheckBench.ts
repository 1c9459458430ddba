// The code check's costs (docs/code-check.md): building the defined-names table from the sample
// docs' index, the names index the editor keeps, diagnostics for a 5,000-line file in each of the
// five languages, and completion of a prefix. Prints one JSON line (bench/run.mjs collects it).
import * as os from "node:os";
import * as path from "node:path";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { definedNamesTable } from "../src/engine/cards/definedNames.js";
import { checkText } from "../src/shared/codeCheck/check.js";
import { languageFamily } from "../src/shared/codeCheck/literals.js";
import { DefinedNamesIndex } from "../src/shared/codeCheck/namesIndex.js";

const docs = path.resolve(process.argv[2] ?? "samples/otel-semconv");

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The fastest and the median of `runs` timings of `work`, in ms. On a shared machine the median
 * measures the neighbours as much as the code; the fastest run is what it costs on a quiet one.
 */
function timed(runs: number, work: () => void): { min: number; median: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    work();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { min: round(times[0]!), median: round(times[Math.floor(runs / 2)]!) };
}

/** A dense 5,000-line file (a worst case: 2 findings every 5 lines): metric calls with names (right, misspelled, wrong unit), attribute keys, comments, log lines. */
export function largeFile(language: "ts" | "py" | "go" | "java" | "cs", lines = 5000): string {
  const block: Record<typeof language, string[]> = {
    ts: [
      'const h = meter.createHistogram("http.server.request.duration", { unit: "ms", description: "x" });',
      'span.setAttribute("http.request.method", method); // "http.route" in a comment',
      'logger.info("served http.server request in " + ms + " ms");',
      'const c = meter.createCounter("http.server.request.duraton", { unit: "s" });',
      "const t = `${prefix}.server.duration`;",
    ],
    py: [
      'h = meter.create_histogram("http.server.request.duration", unit="ms")',
      'span.set_attribute("http.request.method", method)  # "http.route"',
      'log.info(f"served {path} in {ms} ms")',
      'c = meter.create_counter("http.server.request.duraton", unit="s")',
      "x = 1",
    ],
    go: [
      'h, _ := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("ms"))',
      'span.SetAttributes(attribute.String("http.request.method", m)) // "http.route"',
      'log.Printf("served %s in %d ms", p, ms)',
      'c, _ := meter.Int64Counter("http.server.request.duraton", metric.WithUnit("s"))',
      "x := 1",
    ],
    java: [
      'DoubleHistogram h = meter.histogramBuilder("http.server.request.duration").setUnit("ms").build();',
      'span.setAttribute("http.request.method", m); // "http.route"',
      'log.info("served " + p + " in " + ms + " ms");',
      'LongCounter c = meter.counterBuilder("http.server.request.duraton").setUnit("s").build();',
      "int x = 1;",
    ],
    cs: [
      'var h = meter.CreateHistogram<double>("http.server.request.duration", unit: "ms");',
      'activity.SetTag("http.request.method", m); // "http.route"',
      'logger.LogInformation($"served {p} in {ms} ms");',
      'var c = meter.CreateCounter<long>("http.server.request.duraton", "s");',
      "var x = 1;",
    ],
  };
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) out.push(block[language][i % block[language].length]!);
  return out.join("\n");
}

/** A 5,000-line file as instrumented code usually is: ordinary code, with the block above once every 100 lines. */
export function typicalFile(language: "ts" | "py" | "go" | "java" | "cs", lines = 5000): string {
  const dense = largeFile(language, 5).split("\n");
  const plain = {
    ts: 'const total = items.reduce((sum, item) => sum + item.price * item.count, 0); // "a" + b',
    py: 'total = sum(item.price * item.count for item in items)  # "a" + b',
    go: 'total += item.Price * float64(item.Count) // "a" + b',
    java: 'total += item.getPrice() * item.getCount(); // "a" + b',
    cs: 'total += item.Price * item.Count; // "a" + b',
  }[language];
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) out.push(i % 100 < 5 ? dense[i % 100]! : plain);
  return out.join("\n");
}

const index = new DocsIndex([docs]);
await index.update();
const t0 = performance.now();
const table = await definedNamesTable(index);
const tableMs = performance.now() - t0;
const t1 = performance.now();
await definedNamesTable(index);
const tableCachedMs = performance.now() - t1;
const t2 = performance.now();
const names = new DefinedNamesIndex(table);
const namesIndexMs = performance.now() - t2;
const diagnostics: Record<string, { min: number; median: number; findings: number }> = {};
const typical: Record<string, { min: number; median: number; findings: number }> = {};
for (const language of ["ts", "py", "go", "java", "cs"] as const) {
  const family = languageFamily(language);
  for (const [file, into] of [
    [largeFile(language), diagnostics],
    [typicalFile(language), typical],
  ] as const) {
    let findings = 0;
    const ms = timed(21, () => (findings = checkText(file, family, names).length));
    into[language] = { ...ms, findings };
  }
}
const completionMs = timed(101, () => names.complete("http.se"));
const completionWideMs = timed(101, () => names.complete("h"));
console.log(
  JSON.stringify({
    definedNames: table.names.length,
    tableMs: Math.round(tableMs),
    tableCachedMs: round(tableCachedMs),
    namesIndexMs: round(namesIndexMs),
    diagnostics5000Lines: diagnostics,
    diagnostics5000LinesTypical: typical,
    completionMs,
    completionWideMs,
    loadAverage: os.loadavg()[0],
    cores: os.cpus().length,
  }),
);
