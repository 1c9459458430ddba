// Hostile documents at the size limit: how long each takes to index, and the worst case.
// Run after `npx tsc -p tsconfig.test.json`:
//   node out/bench/pathological.js                      (in process, through DocsIndex)
//   node out/bench/pathological.js --cli dist/cli.js    (one `docent index` per file, with a timeout)
// Options: --size BYTES (default just under 2 MB), --only NAME-PREFIX, --timeout SECONDS (CLI mode).
// Prints one line per file, then one JSON object. Target: every file under 2 s.
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { DEFAULT_MAX_FILE_BYTES } from "../src/engine/index/ingest/corpus.js";
import { PATHOLOGICAL_FORMATS } from "./pathologicalFormats.js";

const { values } = parseArgs({
  options: {
    cli: { type: "string" },
    size: { type: "string", default: String(DEFAULT_MAX_FILE_BYTES - 4096) },
    only: { type: "string" },
    timeout: { type: "string", default: "60" },
  },
});
const size = Number(values.size);

/** Repeats a unit until the text is about `size` characters. */
const fill = (unit: string, budget = size) => unit.repeat(Math.max(1, Math.floor(budget / unit.length)));

/** Repeats a unit until the text is about `size` bytes in UTF-8 (for units beyond ASCII). */
const fillBytes = (unit: string, budget: number) => fill(unit, (budget * unit.length) / Buffer.byteLength(unit));

/** `count` Han characters drawn from the common block by a fixed LCG: no window repeats, no word breaks. */
function randomHan(count: number): string {
  const codes = new Array<number>(count);
  for (let i = 0, x = 1; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    codes[i] = 0x4e00 + (x % 0x5000);
  }
  let out = "";
  for (let i = 0; i < count; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}

/** Each generator returns a document of about `size` bytes (ASCII, so characters = bytes, except the CJK ones, sized in bytes). */
export const PATHOLOGICAL: Record<string, (size: number) => string> = {
  "long-heading": (n) => "# a" + " ".repeat(n - 5) + "b\n",
  "long-heading-words": (n) => "# " + fill("word ", n / 2) + "\n\n" + fill("Body text here.\n\n", n / 2),
  "long-line": (n) => "a".repeat(n),
  "repeated-pieces": (n) => fill("word ", n),
  "long-fence": (n) => "# Code\n\n```js\n" + fill("const x = compute(1, 2);\n", n - 40) + "```\n",
  "tag-run-in-fence": (n) => "```\n" + fill("<a", n - 10) + "\n```\n",
  "tag-run": (n) => fill("<a", n),
  "link-target-run": (n) => fill("](", n),
  "link-title-run": (n) => fill('](x "', n),
  "many-headings": (n) => fill("## Heading\n\nSome text.\n\n", n),
  "huge-table": (n) => "| Name | Value |\n| --- | --- |\n" + fill("| `metric.name` | 42 |\n", n - 40),
  "table-delimiter-spaces": (n) => "a | b\n-" + " ".repeat(n - 10) + "x\n",
  "table-delimiter-pipes": (n) => "a | b\n" + fill("| - ", n - 10) + "x\n",
  "deep-blockquote": (n) => fill(">", n - 4) + " x\n",
  "deep-list": (n) => fill("- ", n - 4) + "x\n",
  "indented-list": (n) => {
    const lines: string[] = [];
    let total = 0;
    for (let i = 0; total < n; i++) {
      const line = " ".repeat(i) + "- item\n";
      lines.push(line);
      total += line.length;
    }
    return lines.join("").slice(0, n);
  },
  "comment-storm-open": (n) => fill("<!--\n", n),
  "comment-storm-closed": (n) => fill("<!-- a --> text\n", n),
  "comment-storm-one-line": (n) => fill("<!-- a -->", n),
  "front-matter-title": (n) => "---\ntitle: a" + " ".repeat(n - 30) + "b\n---\n\ntext\n",
  "heading-anchor-run": (n) => "# " + fill("{#", n - 4) + "\n",
  "heading-bracket-run": (n) => "# " + fill("[", n - 4) + "\n",
  "heading-link-run": (n) => "# " + fill("[](", n - 4) + "\n",
  "heading-tag-run": (n) => "# " + fill("<", n - 4) + "\n",
  "heading-emphasis-run": (n) => "# __" + fill("**a", n - 6) + "\n",
  "pipe-lines-leading-spaces": (n) => fill(" ".repeat(990) + "|\n", n),
  "blank-lines": (n) => "\n".repeat(n),
  "cjk-one-char": (n) => fillBytes("率", n - 4),
  "cjk-one-hangul": (n) => fillBytes("한", n - 4),
  "cjk-random-han": (n) => randomHan(Math.floor((n - 4) / 3)),
  "cjk-mixed-scripts": (n) => fillBytes("HTTPサーバーの設定db.query캐시의率𠮷", n - 4),
  "cjk-mixed-sentences": (n) => fillBytes("キャッシュのヒット率を計算する。The cache hit ratio 캐시의 히트율을 계산한다. ", n - 4),
};

async function timeInProcess(dir: string): Promise<{ ms: number; chunks: number }> {
  const t0 = performance.now();
  const index = new DocsIndex([dir]);
  await index.update();
  return { ms: performance.now() - t0, chunks: index.chunkCount };
}

function timeCli(cli: string, dir: string, timeoutS: number): { ms: number; chunks: number; timedOut: boolean } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, "index", dir, "--index", path.join(dir, "index.json")], { encoding: "utf8", timeout: timeoutS * 1000 });
  const ms = performance.now() - t0;
  const chunks = Number(/(\d+) sections/.exec(r.stdout ?? "")?.[1] ?? NaN);
  return { ms, chunks, timedOut: r.signal !== null };
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), "docent-pathological-"));
const results: { name: string; bytes: number; ms: number; chunks: number; timedOut?: boolean }[] = [];
try {
  const cases = [
    ...Object.entries(PATHOLOGICAL).map(([name, make]) => ({ name, file: "doc.md", make })),
    ...Object.entries(PATHOLOGICAL_FORMATS).map(([name, c]) => ({ name, ...c })),
  ];
  for (const { name, file, make } of cases) {
    if (values.only && !name.startsWith(values.only)) continue;
    const dir = path.join(root, name);
    await fs.mkdir(dir);
    const text = make(size);
    await fs.writeFile(path.join(dir, file), text);
    const r = values.cli ? timeCli(values.cli, dir, Number(values.timeout)) : await timeInProcess(dir);
    const row = { name, bytes: Buffer.byteLength(text), ms: Math.round(r.ms), chunks: r.chunks, ...("timedOut" in r && r.timedOut ? { timedOut: true } : {}) };
    results.push(row);
    console.log(
      `${name.padEnd(28)} ${String(row.bytes).padStart(8)} B ${row.timedOut ? `> ${values.timeout} s (stopped)` : `${row.ms} ms`}  ${row.chunks} chunks`,
    );
    await fs.rm(dir, { recursive: true, force: true });
  }
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
const worst = results.reduce((a, b) => (b.ms > a.ms ? b : a), results[0]!);
console.log(JSON.stringify({ mode: values.cli ? `cli ${values.cli}` : "DocsIndex", size, worst: worst && { name: worst.name, ms: worst.ms }, results }));
