// Every reader of docs after indexing (MCP read_section, the answer path, cards, the CLI) goes through
// the one safe reader and the one decoder and line splitter (issue 26 items 4, 5, 6): a FIFO or a
// 400 MB file in a doc's place gives an error at once, a doc swapped for a link never shows the
// outside file, and CR-only, mixed, UTF-16 and BOM files have the same lines everywhere.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { readDocText } from "../../src/engine/index/ingest/fileText.js";
import { DocLines } from "../../src/engine/index/search/fileLines.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { callTool as call, startMcpServer as startServer, toolText as textOf } from "../helpers/mcpClient.js";

const CLI = path.join(repoRoot(), "dist", "cli.js");
const run = promisify(execFile);
const MB = 1024 * 1024;

const made: string[] = [];
async function temp(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  made.push(dir);
  return dir;
}
after(async () => {
  for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
});

const METRIC_DOC = ["# Hang metrics", "", "## Metric: `hang.metric`", "", "The hang metric counts stalls.", ""].join("\n");

function mkfifo(file: string): void {
  execFileSync("mkfifo", [file]);
}

/** Replaces a file by a FIFO (nothing ever writes to it: a plain read of it waits forever). */
async function replaceWithFifo(file: string): Promise<void> {
  await fs.rm(file);
  mkfifo(file);
}

/** Grows a file to `bytes` without writing them (a sparse file: no disk used). */
async function growSparse(file: string, bytes: number): Promise<void> {
  const handle = await fs.open(file, "r+");
  await handle.truncate(bytes);
  await handle.close();
}

const structured = <T>(r: CallToolResult) => r.structuredContent as T;

test("the doc reader refuses a FIFO at once (eight at a time leave the thread pool free) and a doc over the size limit unread", async () => {
  const root = await temp("docent-reads-");
  await writeTree(root, { "pipe.md": "x", "big.md": "# Big\n", "ok.md": "# Fine\r\nline two\r" });
  await replaceWithFifo(path.join(root, "pipe.md"));
  // libuv has four pool threads: eight reads that each held one would stall every file call after them.
  const fifoReads = await Promise.all(Array.from({ length: 8 }, () => readDocText(root, path.join(root, "pipe.md"), 2 * MB)));
  for (const r of fifoReads) assert.deepEqual(r.ok ? "read" : r.detail, "not a regular file");
  const fine = await readDocText(root, path.join(root, "ok.md"), 2 * MB);
  assert.ok(fine.ok);
  assert.deepEqual(fine.lines, ["# Fine", "line two", ""]);

  await growSparse(path.join(root, "big.md"), 400 * MB);
  const before = process.memoryUsage().arrayBuffers;
  const big = await readDocText(root, path.join(root, "big.md"), 2 * MB);
  assert.equal(big.ok ? "read" : big.reason, "too-large");
  assert.ok(process.memoryUsage().arrayBuffers - before < 50 * MB, "the 400 MB were not read");
});

test("cards, answers and the answer path's file lines do not hang on a doc replaced by a FIFO, nor read one grown to 400 MB", { timeout: 60_000 }, async () => {
  const root = await temp("docent-reads-");
  await writeTree(root, { "hang.md": METRIC_DOC, "other.md": "# Other\n\nThe other metric is fine.\n" });
  const index = new DocsIndex([root]);
  await index.update();
  const file = path.join(root, "hang.md");
  const card = await cardForName(index, "hang.metric");
  assert.equal(card?.term, "hang.metric", "the card, before the swap");

  await replaceWithFifo(file);
  // Five in a row: with a plain read each would hold a pool thread forever, and the fifth would never start.
  for (let i = 0; i < 5; i++) assert.equal(await new DocLines(index).of(file), undefined);
  await cardForName(index, "hang.metric");
  const answer = await answerQuestion(index, undefined, "what is hang.metric");
  assert.equal(answer.mode, "retrieval-only");
  assert.deepEqual(await new DocLines(index).of(path.join(root, "other.md")), ["# Other", "", "The other metric is fine.", ""], "other files still read");

  await fs.rm(file);
  await fs.writeFile(file, METRIC_DOC);
  await growSparse(file, 400 * MB);
  const before = process.memoryUsage().arrayBuffers;
  assert.equal(await new DocLines(index).of(file), undefined);
  await answerQuestion(index, undefined, "what is hang.metric");
  assert.ok(process.memoryUsage().arrayBuffers - before < 50 * MB, "the 400 MB were not read");
  // A file the index does not hold is not read at all.
  assert.equal(await new DocLines(index).of("/etc/passwd"), undefined);
});

test(
  "MCP read_section on a doc replaced by a FIFO or grown to 400 MB answers with an error at once, and the server goes on serving",
  { timeout: 120_000 },
  async () => {
    const root = await temp("docent-reads-docs-");
    await writeTree(root, { "hang.md": METRIC_DOC, "big.md": "# Big\n\nThe big doc.\n", "ok.md": "# Fine\n\nStill served.\n" });
    const server = await startServer([root, "--watch", "off"], await temp("docent-reads-cache-"));
    try {
      // A tool call waits for the index: the docs are indexed before the swap.
      assert.notEqual((await call(server.client, "search_docs", { query: "hang metric" })).isError, true);
      await replaceWithFifo(path.join(root, "hang.md"));
      for (let i = 0; i < 6; i++) {
        const r = await call(server.client, "read_section", { file: "hang.md", startLine: 1, endLine: 3 });
        assert.equal(r.isError, true);
        assert.match(textOf(r), /hang\.md cannot be read: not a regular file/);
      }
      const found = await call(server.client, "search_docs", { query: "still served" });
      assert.equal(structured<{ results: { file: string }[] }>(found).results[0]?.file, "ok.md", "search_docs still answers");
      const ok = await call(server.client, "read_section", { file: "ok.md", startLine: 3, endLine: 3 });
      assert.equal(structured<{ text: string }>(ok).text, "Still served.");

      await growSparse(path.join(root, "big.md"), 400 * MB);
      const big = await call(server.client, "read_section", { file: "big.md", startLine: 1, endLine: 1 });
      assert.equal(big.isError, true);
      assert.match(textOf(big), /big\.md cannot be read: 400\.0 MB is over the 2\.0 MB limit/);
    } finally {
      await server.close();
    }
  },
);

test("MCP read_section never returns an outside file's lines while the doc is swapped for a link to it", { timeout: 180_000 }, async () => {
  const base = await temp("docent-reads-race-");
  const root = path.join(base, "docs");
  const secret = path.join(base, "secret.md");
  const inside = "# Doc\n\nInside text.\n";
  await writeTree(base, { "docs/doc.md": inside, "secret.md": "# SECRET\n\nOUTSIDE-CONTENT\n" });
  const server = await startServer([root, "--watch", "off"], await temp("docent-reads-cache-"));
  assert.notEqual((await call(server.client, "search_docs", { query: "inside text" })).isError, true, "indexed before the swapping starts");
  // Another process swaps the doc between a regular file and a link to the outside file, each by an atomic rename.
  const swapper = spawn(
    process.execPath,
    [
      "-e",
      `const fs = require("fs"); const [doc, secret, inside] = process.argv.slice(1);
       for (;;) {
         fs.writeFileSync(doc + ".reg", inside); fs.renameSync(doc + ".reg", doc);
         try { fs.unlinkSync(doc + ".lnk"); } catch {}
         fs.symlinkSync(secret, doc + ".lnk"); fs.renameSync(doc + ".lnk", doc);
       }`,
      path.join(root, "doc.md"),
      secret,
      inside,
    ],
    { stdio: "ignore" },
  );
  try {
    let insideReads = 0;
    let refused = 0;
    // At least 600 calls, and on until both outcomes have happened: the swapper is another process,
    // which a loaded machine may start only after 600 quick calls are done. The limit only ends a
    // broken test.
    const end = Date.now() + 120_000;
    let i = 0;
    for (; i < 600 || !(insideReads > 0 && refused > 0); i++) {
      if (Date.now() > end) break;
      const r = await call(server.client, "read_section", { file: "doc.md", startLine: 1, endLine: 3 });
      assert.doesNotMatch(textOf(r), /SECRET|OUTSIDE-CONTENT/, `call ${i} returned the outside file`);
      if (r.isError) refused++;
      else {
        assert.equal(structured<{ text: string }>(r).text, "# Doc\n\nInside text.");
        insideReads++;
      }
    }
    // Both outcomes happened: the swap really raced the reads.
    assert.ok(insideReads > 0 && refused > 0, `${insideReads} reads, ${refused} refusals in ${i} calls`);
  } finally {
    swapper.kill();
    await server.close();
  }
});

// ---- One decoder and one line splitter ----

const CASE_LINES = (name: string) => [
  "# Notes",
  "",
  "Intro text.",
  "",
  `## Metric: \`${name}.metric\``,
  "",
  `The ${name} metric has the word zq${name}word.`,
  "",
  "Last line.",
];

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, "utf16le");
  return le.swap16();
}

const CASES: Record<string, (lines: string[]) => Buffer> = {
  cronly: (l) => Buffer.from(l.join("\r")),
  mixed: (l) => Buffer.from(l.map((line, i) => (i ? ["\r\n", "\n", "\r"][i % 3] : "") + line).join("")),
  utfsixteenle: (l) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(l.join("\n"), "utf16le")]),
  utfsixteenbe: (l) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(l.join("\r\n"))]),
  utfeightbom: (l) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(l.join("\r\n"))]),
};

test(
  "CR-only, mixed line endings, UTF-16 (LE, BE) and a UTF-8 BOM: search_docs, define, read_section, the CLI and the answer path agree on lines and text",
  { timeout: 300_000 },
  async () => {
    const root = await temp("docent-reads-eol-");
    await writeTree(root, Object.fromEntries(Object.entries(CASES).map(([name, encode]) => [`${name}.md`, encode(CASE_LINES(name))])));
    const cacheHome = await temp("docent-reads-cache-");
    const server = await startServer([root, "--watch", "off"], cacheHome);
    const index = new DocsIndex([root]);
    await index.update();
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
    try {
      for (const name of Object.keys(CASES)) {
        const lines = CASE_LINES(name);
        const file = `${name}.md`;
        const wordLine = lines.findIndex((l) => l.includes(`zq${name}word`)) + 1;
        const headingLine = lines.findIndex((l) => l.startsWith("## Metric")) + 1;

        const first = await call(server.client, "read_section", { file, startLine: 1, endLine: lines.length });
        assert.notEqual(first.isError, true, `${name}: ${textOf(first)}`);
        const read = structured<{ text: string; totalLines: number }>(first);
        assert.equal(read.text, lines.join("\n"), `${name}: read_section gives the lines, without a BOM`);
        assert.equal(read.totalLines, lines.length, name);

        const search = structured<{ results: { file: string; startLine: number; endLine: number; text: string }[] }>(
          await call(server.client, "search_docs", { query: `zq${name}word` }),
        ).results[0];
        assert.equal(search?.file, file, name);
        assert.ok(
          search.startLine <= wordLine && wordLine <= search.endLine,
          `${name}: search_docs ${search.startLine}-${search.endLine} holds line ${wordLine}`,
        );
        const section = structured<{ text: string }>(await call(server.client, "read_section", { file, startLine: search.startLine, endLine: search.endLine }));
        assert.equal(section.text.trim(), search.text.trim(), `${name}: read_section of search_docs' lines is search_docs' text`);

        const defined = structured<{ startLine: number; file: string }>(await call(server.client, "define", { name: `${name}.metric` }));
        assert.deepEqual([defined.file, defined.startLine], [file, headingLine], `${name}: define`);

        const cliSearch = JSON.parse((await run(process.execPath, [CLI, "search", root, `zq${name}word`, "--json"], { env })).stdout) as {
          results: { path: string; startLine: number; endLine: number }[];
        };
        assert.deepEqual(
          [cliSearch.results[0]?.path, cliSearch.results[0]?.startLine, cliSearch.results[0]?.endLine],
          [file, search.startLine, search.endLine],
          `${name}: docent search`,
        );
        const cliDefine = JSON.parse((await run(process.execPath, [CLI, "define", root, `${name}.metric`, "--json"], { env })).stdout) as {
          path: string;
          startLine: number;
        };
        assert.deepEqual([cliDefine.path, cliDefine.startLine], [file, headingLine], `${name}: docent define`);

        const card = await cardForName(index, `${name}.metric`);
        assert.equal(card?.path, file, `${name}: card`);
        assert.equal(card.description, `The ${name} metric has the word zq${name}word.`, `${name}: the card is read from the right lines`);
        const answer = await answerQuestion(index, undefined, `zq${name}word`);
        const source = answer.sources.find((s) => s.path === file);
        assert.ok(source, `${name}: the answer cites the file`);
        // The source's text is its section's lines (the heading line is given apart, in the source's heading).
        assert.ok(source.text.includes(`zq${name}word`), name);
        assert.ok(
          lines
            .slice(source.startLine - 1, source.endLine)
            .join("\n")
            .includes(source.text.trim()),
          `${name}: the answer's source text is its lines`,
        );
      }
    } finally {
      await server.close();
    }
  },
);
