// The code check (src/shared/codeCheck) on fixture files in five languages, against the names the
// sample docs define (samples/otel-semconv): every line marked "expect: <kinds>" is flagged with
// those kinds, and no other line is. Plus the names table, completion, SARIF and `docent check`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { definedNamesTable } from "../../src/engine/cards/definedNames.js";
import { checkText } from "../../src/shared/codeCheck/check.js";
import { languageFamily, stringLiterals } from "../../src/shared/codeCheck/literals.js";
import { DefinedNamesIndex, namesDetail } from "../../src/shared/codeCheck/namesIndex.js";
import { sarifLog } from "../../src/shared/codeCheck/sarif.js";
import type { DefinedNamesTable, Finding } from "../../src/shared/codeCheck/types.js";
import { main } from "../../src/cli/main.js";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";

const SAMPLES = path.resolve("samples/otel-semconv");
const FIXTURES = path.resolve("test/fixtures/codeCheck");
let index: DocsIndex;
let table: DefinedNamesTable;
let names: DefinedNamesIndex;

before(async () => {
  index = new DocsIndex([SAMPLES]);
  await index.update();
  table = await definedNamesTable(index);
  names = new DefinedNamesIndex(table);
});

/** The kinds each line of a fixture must be flagged with, from its "expect:" marks. */
function expected(text: string): Map<number, string[]> {
  const marks = new Map<number, string[]>();
  text.split("\n").forEach((line, i) => {
    const m = /expect: ([a-z, ]+)$/.exec(line);
    if (m) marks.set(i + 1, m[1]!.split(/,\s*/).sort());
  });
  return marks;
}

function found(findings: Finding[]): Map<number, string[]> {
  const byLine = new Map<number, string[]>();
  for (const f of findings) byLine.set(f.line, [...(byLine.get(f.line) ?? []), f.kind].sort());
  return byLine;
}

for (const file of ["instrumented.js", "instrumented.py", "instrumented.go", "Instrumented.java", "Instrumented.cs"]) {
  test(`${file}: the marked lines are flagged with their kinds, and nothing else is`, async () => {
    const text = await fs.readFile(path.join(FIXTURES, file), "utf8");
    const findings = checkText(text, languageFamily(path.extname(file).slice(1)), names);
    const marks = expected(text);
    assert.ok(marks.size >= 4, "the fixture marks its true positives");
    assert.deepEqual(
      [...found(findings)].sort((a, b) => a[0] - b[0]),
      [...marks].sort((a, b) => a[0] - b[0]),
      findings.map((f) => `${f.line}:${f.column} ${f.kind} ${f.message}`).join("\n"),
    );
  });
}

test("a wrong unit names the documented one and points at the unit literal; a typo gets the nearest defined name", async () => {
  const text = await fs.readFile(path.join(FIXTURES, "instrumented.js"), "utf8");
  const findings = checkText(text, "js", names);
  const unit = findings.find((f) => f.kind === "unit")!;
  assert.equal(unit.expected, "s");
  assert.equal(unit.actual, "ms");
  assert.equal(text.slice(unit.start, unit.end), "ms");
  assert.deepEqual(unit.unitRange, { start: unit.start, end: unit.end });
  assert.equal(unit.call, "createHistogram");
  const instrument = findings.find((f) => f.kind === "instrument" && f.call === "createCounter")!;
  assert.equal(instrument.expected, "Histogram");
  assert.equal(instrument.actual, "Counter");
  const typo = findings.find((f) => f.kind === "misspelled")!;
  assert.equal(typo.suggestions[0], "http.server.request.duration");
  assert.equal(text.slice(typo.start, typo.end), "http.server.request.duraton");
  const deprecated = findings.find((f) => f.kind === "deprecated")!;
  assert.deepEqual(deprecated.suggestions, ["rpc.system.name"]);
});

test("the names table holds the cards' facts, deprecations with their replacement, and is built once per index version", async () => {
  const duration = names.get("http.server.request.duration")!;
  assert.equal(duration.kind, "Histogram");
  assert.equal(duration.unit, "s");
  assert.equal(duration.description, "Duration of HTTP server requests.");
  assert.match(duration.stability ?? "", /stable/i);
  assert.equal(namesDetail(duration), "Histogram · s · Duration of HTTP server requests.");
  assert.deepEqual(names.get("feature_flag.provider_name")!.deprecated, { replacement: "feature_flag.provider.name" });
  assert.equal(names.get("rpc.message.id")!.deprecated?.replacement, undefined, "deprecated with no replacement named");
  assert.ok(table.names.length > 1000, `${table.names.length} names`);
  assert.ok(table.templates?.includes("http.request.header."), "the templated http.request.header.<key>");
  // A definition with facts, not the stronger heading elsewhere (aws-lambda.md) whose paragraph is about something else.
  const destination = names.get("messaging.destination.name")!;
  assert.deepEqual([destination.kind, destination.description], ["string", "The message destination name"]);
  assert.equal(await definedNamesTable(index), table, "the same index version gives the same table");
});

test("completion: defined names under a prefix, stable first, deprecated last", () => {
  const items = names.complete("http.se");
  assert.ok(items.some((d) => d.name === "http.server.request.duration"));
  assert.ok(items.every((d) => d.name.startsWith("http.se")));
  const ranks = items.map((d) => (d.deprecated ? 2 : /stable/i.test(d.stability ?? "") ? 0 : 1));
  assert.deepEqual(
    ranks,
    [...ranks].sort((a, b) => a - b),
  );
  const rpc = names.complete("rpc.sys");
  assert.equal(rpc.at(-1)!.name, "rpc.system", "the deprecated name comes after rpc.system.name");
  assert.deepEqual(names.complete("zzz.nothing"), []);
});

test("string literals: comments skipped, escapes and run-time strings handled, in linear time on hostile input", () => {
  const js = 'a("x.y") // "c.d"\n/* "e.f" */ `g.h` `i.${j}` \'k\\\'l\'';
  const values = stringLiterals(js, "js").map((l) => [js.slice(l.start, l.end), l.dynamic]);
  assert.deepEqual(values, [
    ["x.y", false],
    ["g.h", false],
    ["i.${j}", true],
    ["k\\'l", false],
  ]);
  const py = "a = f'{x}.y' + 'p.q' # 'r.s'\nb = '''t.u'''";
  assert.deepEqual(
    stringLiterals(py, "python").map((l) => [py.slice(l.start, l.end), l.dynamic]),
    [
      ["{x}.y", true],
      ["p.q", false],
      ["t.u", false],
    ],
  );
  // An unterminated quote ends at its line; a long run of quotes, backslashes and dots stays fast.
  assert.deepEqual(
    stringLiterals('"open\n"a.b"', "js").map((l) => l.start),
    [7],
  );
  const hostile = `${'"'.repeat(200_000)}${"\\".repeat(200_000)}${"a.".repeat(200_000)}/*`;
  const t0 = performance.now();
  checkText(hostile, "js", names);
  checkText(hostile.replace(/"/g, "'"), "python", names);
  assert.ok(performance.now() - t0 < 2000, `hostile input took ${performance.now() - t0} ms`);
});

test("SARIF 2.1.0: one rule per kind, results at file, line and column", async () => {
  const text = await fs.readFile(path.join(FIXTURES, "instrumented.py"), "utf8");
  const findings = checkText(text, "python", names);
  const log = sarifLog([{ path: "src/instrumented.py", findings }], "0.1.0") as {
    version: string;
    runs: {
      tool: { driver: { rules: { id: string }[] } };
      results: {
        ruleId: string;
        level: string;
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
      }[];
    }[];
  };
  assert.equal(log.version, "2.1.0");
  const run = log.runs[0]!;
  assert.deepEqual(
    run.tool.driver.rules.map((r) => r.id),
    ["docent/undefined", "docent/misspelled", "docent/deprecated", "docent/unit", "docent/instrument"],
  );
  assert.equal(run.results.length, findings.length);
  const unit = run.results.find((r) => r.ruleId === "docent/unit")!;
  assert.equal(unit.level, "warning");
  assert.equal(unit.locations[0]!.physicalLocation.artifactLocation.uri, "src/instrumented.py");
  assert.equal(unit.locations[0]!.physicalLocation.region.startLine, findings.find((f) => f.kind === "unit")!.line);
});

test("docent check: findings at file:line:col, exit code 1 with findings and 0 without, --json and --sarif", async () => {
  const dir = await makeTempDir("docent-check-");
  const cache = await makeTempDir("docent-check-cache-");
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cache;
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(line);
  try {
    await writeTree(dir, {
      "bad/app.py": await fs.readFile(path.join(FIXTURES, "instrumented.py"), "utf8"),
      "bad/node_modules/dep/index.js": 'meter.createHistogram("http.server.request.duraton");',
      "good/app.js": 'meter.createHistogram("http.server.request.duration", { unit: "s" });\n',
    });
    const sarif = path.join(dir, "out.sarif");
    assert.equal(await main(["check", path.join(dir, "bad"), "--docs", SAMPLES, "--sarif", sarif]), 1);
    assert.ok(lines.includes('app.py:7:75: unit: The docs give "http.server.request.duration" the unit "s", not "ms".'), lines.join("\n"));
    assert.ok(!lines.some((l) => l.includes("node_modules")), "packages are not checked");
    const written = JSON.parse(await fs.readFile(sarif, "utf8")) as { runs: { results: unknown[] }[] };
    assert.equal(written.runs[0]!.results.length, lines.length);
    lines.length = 0;
    assert.equal(await main(["check", path.join(dir, "good"), "--docs", SAMPLES, "--json"]), 0);
    const json = JSON.parse(lines[0]!) as { files: number; findings: unknown[]; definedNames: number };
    assert.equal(json.files, 1);
    assert.deepEqual(json.findings, []);
    assert.ok(json.definedNames > 1000);
  } finally {
    console.log = log;
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(cache, { recursive: true, force: true });
  }
});
