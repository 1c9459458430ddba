// `docent check <code dir> --docs <docs dir> [--json] [--sarif FILE]`: the code check over a
// folder of code (src/shared/codeCheck), against the names the docs define. Lists undefined,
// misspelled and deprecated names and unit or instrument mismatches at file:line:col; exit code 1
// when any is found, so CI can gate on it.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { checkText } from "../shared/codeCheck/check.js";
import { isCheckedFamily, languageFamily } from "../shared/codeCheck/literals.js";
import { DefinedNamesIndex } from "../shared/codeCheck/namesIndex.js";
import { sarifLog, type FileFindings } from "../shared/codeCheck/sarif.js";
import { definedNamesTable } from "../engine/cards/definedNames.js";
import { readDocFile } from "../engine/index/ingest/docFile.js";
import { decodeText } from "../engine/index/ingest/fileText.js";
import { parse, UsageError } from "./args.js";
import { openEngine, requireDir, withEngine } from "./openEngine.js";
import { jsonLine, safeText } from "./terminalText.js";

/** Folders never read: packages, version control, build caches. */
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "vendor", "bin", "obj", "target", ".gradle"]);
/** Larger files are skipped (generated or minified code). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export const checkOptions = {
  docs: { type: "string" },
  index: { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  json: { type: "boolean" },
  sarif: { type: "string" },
} as const;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, checkOptions);
  const codeDir = await requireDir(positionals[0], "<code dir>");
  if (!values.docs) throw new UsageError("missing --docs <docs dir>");
  const docsDir = await requireDir(values.docs, "--docs <docs dir>");
  return withEngine(await openEngine(docsDir, { index: values.index, include: values.include, exclude: values.exclude }), async (engine) => {
    const t0 = performance.now();
    const table = await definedNamesTable(engine.docsIndex);
    const names = new DefinedNamesIndex(table);
    const tableMs = performance.now() - t0;
    const results: FileFindings[] = [];
    let files = 0;
    for await (const file of codeFiles(codeDir)) {
      const family = languageFamily(path.extname(file).slice(1));
      // Read as docs are: a regular file inside the folder, opened without blocking, within the size limit
      // (a file swapped for a FIFO or a link out of the folder after the listing is skipped).
      const read = await readDocFile(codeDir, file, MAX_FILE_BYTES);
      if (!read.ok) continue;
      const text = decodeText(read.bytes).text;
      files++;
      const findings = checkText(text, family, names);
      if (findings.length) results.push({ path: path.relative(codeDir, file).split(path.sep).join("/"), findings });
    }
    const total = results.reduce((n, r) => n + r.findings.length, 0);
    if (values.sarif) await fs.writeFile(values.sarif, `${JSON.stringify(sarifLog(results, toolVersion()), null, 2)}\n`);
    if (values.json) {
      console.log(
        jsonLine({
          files,
          definedNames: names.size,
          findings: results.flatMap((r) => r.findings.map(({ start: _s, end: _e, unitRange: _u, ...f }) => ({ path: r.path, ...f }))),
        }),
      );
    } else {
      for (const r of results) for (const f of r.findings) console.log(`${safeText(r.path)}:${f.line}:${f.column}: ${f.kind}: ${safeText(f.message)}`);
      const byKind = new Map<string, number>();
      for (const r of results) for (const f of r.findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
      const counts = [...byKind].map(([k, n]) => `${n} ${k}`).join(", ");
      process.stderr.write(
        `${files} files checked against ${names.size} defined names (table built in ${Math.round(tableMs)} ms): ${total ? `${total} findings (${counts})` : "nothing found"}\n`,
      );
    }
    return total ? 1 : 0;
  });
}

/**
 * The code files under a folder (by extension), skipping package and build folders, large files and
 * TypeScript declarations (generated from their sources: every finding came out twice).
 */
async function* codeFiles(dir: string): AsyncGenerator<string> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* codeFiles(full);
    } else if (entry.isFile() && !entry.name.endsWith(".d.ts") && isCheckedFamily(languageFamily(path.extname(entry.name).slice(1)))) {
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat && stat.size <= MAX_FILE_BYTES) yield full;
    }
  }
}

function toolVersion(): string {
  // As the MCP server reports it (src/cli/mcp/command.ts).
  return "0.1.0";
}
