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
import { PATHOLOGICAL } from "./pathologicalShapes.js";

const { values } = parseArgs({
  options: {
    cli: { type: "string" },
    size: { type: "string", default: String(DEFAULT_MAX_FILE_BYTES - 4096) },
    only: { type: "string" },
    timeout: { type: "string", default: "60" },
  },
});
const size = Number(values.size);

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
