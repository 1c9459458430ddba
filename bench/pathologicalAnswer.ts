// The answer path over hostile documents (issue 26): for every shape of the pathological bench, and
// the issue's own attacks, a metric's section followed by the shape, then the three things a reader
// runs on it, each timed apart from indexing:
//   ask      `docent ask <dir> "what is hang.metric"` without a model (a retrieval-only answer)
//   context  `docent eval --context` on that question (the model's context and the shown answer)
//   hover    the hover's card: defineName, then cardForName (what Engine.defineWithCard runs)
// Each case runs in its own Node process with a timeout, so a quadratic case is stopped, not waited for.
// Run after `npx tsc -p tsconfig.test.json`:
//   node out/bench/pathologicalAnswer.js [--size BYTES (default 200000)] [--only NAME-PREFIX] [--timeout SECONDS]
// Prints one line per case, then one JSON object. Target: ask, context and hover each under 2 s.
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { answerQuestion } from "../src/engine/answer/pipeline.js";
import { evaluateContext } from "../src/engine/eval/contextEval.js";
import { cardForName } from "../src/engine/cards/cardsForTerms.js";
import { defineName } from "../src/engine/lookup.js";
import { PATHOLOGICAL_FORMATS } from "./pathologicalFormats.js";
import { PATHOLOGICAL } from "./pathologicalShapes.js";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "200000" },
    only: { type: "string" },
    timeout: { type: "string", default: "60" },
    case: { type: "string" },
    dir: { type: "string" },
  },
});
const size = Number(values.size);
const QUESTION = "what is hang.metric";
const NAME = "hang.metric";

/** The metric's section that the hostile text follows, in each format that has headings. */
const METRIC_SECTION: Record<string, string> = {
  ".md": "# Metric: `hang.metric`\n\nThe hang metric.\n\n",
  ".mdx": "# Metric: `hang.metric`\n\nThe hang metric.\n\n",
  ".adoc": "== Metric: `hang.metric`\n\nThe hang metric.\n\n",
  ".rst": "Metric: ``hang.metric``\n=======================\n\nThe hang metric.\n\n",
  ".html": "<h1>Metric: <code>hang.metric</code></h1><p>The hang metric.</p>\n",
};

/** Issue 26's attacks on the answer path (items 1 and 2) and the `.gitignore` of item 3. */
const ISSUE_CASES: Record<string, { files: (n: number) => Record<string, string> }> = {
  "issue-1-delimiter-spaces": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + "a | b\n" + " ".repeat(n - 60) + "x\n" }) },
  "issue-2-brackets": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + "[".repeat(n - 50) + "\n" }) },
  "issue-2-images": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + "![".repeat((n - 50) / 2) + "\n" }) },
  "issue-2-blank-lines": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + "\n".repeat(n - 50) }) },
  "issue-2-space-lines": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + (" ".repeat(999) + "\n").repeat((n - 50) / 1000) }) },
  "issue-2-alert-blank-lines": { files: (n) => ({ "doc.md": METRIC_SECTION[".md"] + "> [!NOTE]" + "\n".repeat(n - 60) + "x\n" }) },
  "issue-3-gitignore": {
    files: () => ({ ".gitignore": "*a*a*a*a*a*a*a*a*b\n", ["a".repeat(60) + ".md"]: "a\n", "doc.md": METRIC_SECTION[".md"] + "Text.\n" }),
  },
};

function allCases(): Record<string, (n: number) => Record<string, string>> {
  const cases: Record<string, (n: number) => Record<string, string>> = {};
  for (const [name, make] of Object.entries(PATHOLOGICAL)) cases[name] = (n) => ({ "doc.md": METRIC_SECTION[".md"] + make(n - 50) });
  for (const [name, { file, make }] of Object.entries(PATHOLOGICAL_FORMATS)) {
    // A notebook has no heading to put first: it is asked about as it is.
    const section = METRIC_SECTION[path.extname(file)] ?? "";
    cases[name] = (n) => ({ [file]: section + make(n - section.length) });
  }
  for (const [name, { files }] of Object.entries(ISSUE_CASES)) cases[name] = files;
  return cases;
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/** One case, in this process, in `dir` (made here): index, then ask, context and hover, each timed. */
async function runCase(name: string, dir: string): Promise<void> {
  const make = allCases()[name];
  if (!make) throw new Error(`no case ${name}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    const files = make(size);
    for (const [rel, text] of Object.entries(files)) await fs.writeFile(path.join(dir, rel), text);
    const bytes = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    let t0 = performance.now();
    const index = new DocsIndex([dir]);
    await index.update();
    const indexMs = ms(t0);
    t0 = performance.now();
    const answer = await answerQuestion(index, undefined, QUESTION);
    const askMs = ms(t0);
    t0 = performance.now();
    const questions = [{ id: "q1", question: QUESTION, relevant: Object.keys(files), answer: "The hang metric." }];
    await evaluateContext(index, dir, questions);
    const contextMs = ms(t0);
    t0 = performance.now();
    const definition = defineName(index, NAME);
    const card = definition ? await cardForName(index, definition.term) : undefined;
    const hoverMs = ms(t0);
    console.log(JSON.stringify({ name, bytes, indexMs, askMs, contextMs, hoverMs, mode: answer.mode, card: card !== undefined }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

interface Row {
  name: string;
  bytes?: number;
  indexMs?: number;
  askMs?: number;
  contextMs?: number;
  hoverMs?: number;
  mode?: string;
  card?: boolean;
  timedOut?: boolean;
  error?: string;
}

/** The line of a child's stderr that names its error (Node ends with its own version line). */
const errorLine = (stderr: string) => stderr.split("\n").find((l) => /Error|error:/.test(l)) ?? stderr.trim().split("\n").pop();

if (values.case) {
  await runCase(values.case, values.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "docent-pathological-answer-"))));
} else {
  const self = fileURLToPath(import.meta.url);
  const timeoutS = Number(values.timeout);
  const rows: Row[] = [];
  // Each case's folder is under one root this process removes: a case stopped at the timeout cannot clean up.
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "docent-pathological-answer-"));
  for (const name of Object.keys(allCases())) {
    if (values.only && !name.startsWith(values.only)) continue;
    const dir = path.join(root, name);
    const r = spawnSync(process.execPath, [self, "--case", name, "--dir", dir, "--size", String(size)], { encoding: "utf8", timeout: timeoutS * 1000 });
    await fs.rm(dir, { recursive: true, force: true });
    const last = r.stdout?.trim().split("\n").pop() ?? "";
    const row: Row = r.signal ? { name, timedOut: true } : last.startsWith("{") ? (JSON.parse(last) as Row) : { name, error: errorLine(r.stderr ?? "") };
    rows.push(row);
    const cell = (v: number | undefined) => (v === undefined ? "-" : `${v} ms`).padStart(9);
    console.log(
      `${name.padEnd(30)} ${row.timedOut ? `> ${timeoutS} s (stopped)` : row.error ? `failed: ${row.error}` : `index ${cell(row.indexMs)}  ask ${cell(row.askMs)}  context ${cell(row.contextMs)}  hover ${cell(row.hoverMs)}  ${row.mode}${row.card ? " +card" : ""}`}`,
    );
  }
  const slowest = (key: "askMs" | "contextMs" | "hoverMs") => rows.reduce<Row | undefined>((a, b) => ((b[key] ?? 0) > (a?.[key] ?? -1) ? b : a), undefined);
  const worst = Object.fromEntries((["askMs", "contextMs", "hoverMs"] as const).map((k) => [k, { name: slowest(k)?.name, ms: slowest(k)?.[k] }]));
  const over = rows.filter((r) => r.timedOut || r.error || Math.max(r.askMs ?? 0, r.contextMs ?? 0, r.hoverMs ?? 0) >= 2000).map((r) => r.name);
  await fs.rm(root, { recursive: true, force: true });
  console.log(JSON.stringify({ mode: "answer path", size, worst, over2s: over, results: rows }));
}
