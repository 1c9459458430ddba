// The CLI's messages and exit codes tell the truth (issue 26, minors): a failed save, the memory
// budget, bad or empty eval questions. The real CLI on real files.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

const run = promisify(execFile);
const CLI = path.join(repoRoot(), "dist", "cli.js");
const temps: string[] = [];

after(async () => {
  for (const dir of temps) await fs.rm(dir, { recursive: true, force: true });
});

async function temp(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDocs(files);
  temps.push(dir);
  return dir;
}

async function docent(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_CACHE_HOME: await temp(), ...env } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const DOCS = { "metrics.md": "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n" };

test("docent index whose save fails exits 1 and says what happens at the next start, truthfully", async () => {
  const dir = await temp(DOCS);
  // A folder that cannot be made (a file is in the way), even as root.
  const blocker = path.join(await temp(), "file");
  await fs.writeFile(blocker, "in the way");
  const r = await docent(["index", dir, "--index", path.join(blocker, "docs.index")]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /Saving the index failed \(.*\); the next start loads the last saved index, if any, and updates it/);
  assert.doesNotMatch(r.stderr, /rebuilt at the next start/);
  assert.match(r.stdout, /NOT saved/);
  const json = await docent(["index", dir, "--index", path.join(blocker, "docs.index"), "--json"]);
  assert.equal(json.code, 1);
  assert.match(JSON.parse(json.stdout).saveError, /EEXIST|ENOTDIR/);
});

test("the memory budget message names what the CLI can set (DOCENT_MEMORY_BUDGET_MB) and says the next run takes in more", async () => {
  const dir = await temp(DOCS);
  const r = await docent(["index", dir], { DOCENT_MEMORY_BUDGET_MB: "1" });
  assert.match(r.stderr, /Indexing stopped at the memory budget \(\d+ MB of 1 MB: .*DOCENT_MEMORY_BUDGET_MB for the docent command\)/);
  assert.match(r.stderr, /the command run again\) takes in more files/);
  const bad = await docent(["index", dir], { DOCENT_MEMORY_BUDGET_MB: "lots" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /DOCENT_MEMORY_BUDGET_MB must be a positive whole number of MB, got "lots"/);
});

test("eval refuses a non-string answer and an empty questions file with a clear message and exit 1", async () => {
  const dir = await temp(DOCS);
  const q = path.join(await temp(), "q.jsonl");
  await fs.writeFile(q, JSON.stringify({ question: "How much memory?", relevant: ["metrics.md"], answer: 42 }) + "\n");
  const r = await docent(["eval", "--docs", dir, "--questions", q, "--context"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /q\.jsonl:1: "answer" must be a string, got number/);
  assert.doesNotMatch(r.stderr, /TypeError/);
  await fs.writeFile(q, "\n\n");
  const empty = await docent(["eval", "--docs", dir, "--questions", q, "--json"]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /q\.jsonl holds no questions/);
  assert.equal(empty.stdout, "");
});
