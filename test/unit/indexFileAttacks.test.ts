// Hostile index files and index paths: whatever is at the index path, loading never throws,
// never blocks, never returns wrong rankings; it loads identically or is discarded and rebuilt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { INDEX_FORMAT_VERSION, loadIndex, removeStaleTempFiles, saveIndex, STALE_TEMP_MS } from "../../src/engine/index/persistence.js";
import type { Logger } from "../../src/engine/util/logger.js";
import { mulberry32 } from "../../src/engine/util/random.js";
import { makeTempDir, repoRoot, tempDocs } from "../helpers/tempDocs.js";

const run = promisify(execFile);
const CLI = path.join(repoRoot(), "dist", "cli.js");

const DOCS = {
  "http.md": "# HTTP metrics\n\n## Server\n\nDuration of HTTP server requests, in seconds.\n\n## Client\n\nActive client requests.\n",
  "db.md": "# Database\n\n## Connections\n\nThe pool keeps idle connections open; request duration is not recorded.\n",
  "cpu.md": "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the processor is busy.\n",
};
const QUERIES = ["request duration", "idle connections", "cpu busy", "active client"];

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

async function rankings(index: DocsIndex): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of QUERIES) out.push((await index.search(q, { k: 5 })).map((h) => `${h.chunk.relPath}:${h.chunk.startLine}:${h.score.toFixed(6)}`));
  return out;
}

async function savedIndex() {
  const root = await tempDocs(DOCS);
  const dir = await makeTempDir();
  const file = path.join(dir, "index.docent");
  const index = new DocsIndex([root]);
  await index.update();
  await saveIndex(index, file);
  return { root, dir, file, index, bytes: await fs.readFile(file) };
}

/** Rewrites the JSON header of a saved index and seals it again (a valid checksum): a crafted file. */
function craft(bytes: Buffer, edit: (header: Record<string, unknown>) => void): Buffer {
  const jsonLength = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.toString("utf8", 48, 48 + jsonLength)) as Record<string, unknown>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const pad = Buffer.alloc((8 - (json.length % 8)) % 8);
  const rest = bytes.subarray(48 + jsonLength + ((8 - (jsonLength % 8)) % 8));
  const body = Buffer.concat([json, pad, rest]);
  const preamble = Buffer.from(bytes.subarray(0, 48));
  preamble.writeUInt32LE(json.length, 12);
  createHash("sha256").update(body).digest().copy(preamble, 16);
  return Buffer.concat([preamble, body]);
}

test("a crafted header (type toString, negative or huge lengths, junk fields) is discarded, and the rebuild saves over it", async () => {
  const { root, dir, bytes } = await savedIndex();
  type Section = { type: string; length: number; offset: number; name: string };
  const cases: Record<string, (h: Record<string, unknown>) => void> = {
    "type toString": (h) => ((h.sections as Section[])[0]!.type = "toString"),
    "type constructor": (h) => ((h.sections as Section[])[1]!.type = "constructor"),
    "negative length": (h) => ((h.sections as Section[])[0]!.length = -5),
    "fractional offset": (h) => ((h.sections as Section[])[2]!.offset = 1.5),
    "huge length": (h) => ((h.sections as Section[])[0]!.length = 2 ** 40),
    "section __proto__": (h) => ((h.sections as Section[])[0]!.name = "__proto__"),
    "sections missing": (h) => delete h.sections,
    "files not a list": (h) => (h.files = "x"),
    "file without chunk ids": (h) => ((h.files as Record<string, unknown>[])[0]!.chunkIds = null),
    "orama junk": (h) => (h.orama = { internalDocumentIDStore: 5 }),
    "terms junk": (h) => (h.terms = 42),
  };
  for (const [name, edit] of Object.entries(cases)) {
    const file = path.join(dir, `${name}.docent`);
    await fs.writeFile(file, craft(bytes, edit));
    const logger = recordingLogger();
    const outcome = await loadIndex(file, [root], { logger });
    assert.equal(outcome.status, "discarded", name);
    assert.match(logger.lines[0]!, /discarded, rebuilding/, name);
    await outcome.index.update();
    assert.equal(outcome.index.fileCount, 3, name);
    await saveIndex(outcome.index, file);
    assert.equal((await loadIndex(file, [root])).status, "loaded", `${name}: the next run loads`);
  }
});

test("150 random bit flips are all detected (checksum) and the index rebuilt, never loaded with other rankings", async () => {
  const { root, dir, index, bytes } = await savedIndex();
  const expected = await rankings(index);
  const rand = mulberry32(7);
  const file = path.join(dir, "flipped.docent");
  const jsonEnd = 48 + bytes.readUInt32LE(12);
  let inPostings = 0;
  for (let i = 0; i < 150; i++) {
    const flipped = Buffer.from(bytes);
    // Half the flips in the postings (after the header), half anywhere.
    const at = i % 2 ? jsonEnd + Math.floor(rand() * (bytes.length - jsonEnd)) : Math.floor(rand() * bytes.length);
    if (at >= jsonEnd) inPostings++;
    flipped[at]! ^= 1 << Math.floor(rand() * 8);
    await fs.writeFile(file, flipped);
    const outcome = await loadIndex(file, [root]);
    assert.equal(outcome.status, "discarded", `flip at byte ${at}`);
    await outcome.index.update();
    assert.deepEqual(await rankings(outcome.index), expected, `flip at byte ${at}`);
  }
  assert.ok(inPostings >= 75);
});

test("truncated and foreign files are discarded; the current version loads identically", async () => {
  const { root, dir, index, bytes } = await savedIndex();
  const expected = await rankings(index);
  const file = path.join(dir, "x.docent");
  const older = Buffer.from(bytes);
  older.writeUInt32LE(INDEX_FORMAT_VERSION - 1, 8);
  const foreign: Record<string, Uint8Array> = {
    empty: Buffer.alloc(0),
    "magic only": bytes.subarray(0, 8),
    "preamble only": bytes.subarray(0, 48),
    png: Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"),
    json: Buffer.from('{"files":[]}'),
    older: older,
  };
  for (let cut = 1; cut < bytes.length; cut += Math.ceil(bytes.length / 40)) foreign[`cut at ${cut}`] = bytes.subarray(0, cut);
  for (const [name, content] of Object.entries(foreign)) {
    await fs.writeFile(file, content);
    const logger = recordingLogger();
    const outcome = await loadIndex(file, [root], { logger });
    assert.equal(outcome.status, "discarded", name);
    assert.equal(logger.lines.length, 1, name);
  }
  await fs.writeFile(file, bytes);
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.status, "loaded");
  assert.deepEqual(await rankings(loaded.index), expected);
});

test("an index path that is a folder, a FIFO or /dev/zero is refused at once, and never saved over", async () => {
  const { root, dir, index } = await savedIndex();
  const folder = path.join(dir, "folder");
  await fs.mkdir(folder);
  const fifo = path.join(dir, "fifo");
  await run("mkfifo", [fifo]);
  for (const file of [folder, fifo, "/dev/zero"]) {
    const logger = recordingLogger();
    const t0 = performance.now();
    const outcome = await loadIndex(file, [root], { logger });
    assert.ok(performance.now() - t0 < 5000, file);
    assert.equal(outcome.status, "discarded", file);
    assert.match(logger.lines[0]!, /not a regular file/, file);
  }
  for (const file of [folder, fifo]) await assert.rejects(saveIndex(index, file), /not a regular file/);
  assert.ok((await fs.stat(fifo)).isFIFO());
  assert.deepEqual((await fs.readdir(dir)).sort(), ["fifo", "folder", "index.docent"]);
});

test("stale temporary files of killed saves are removed on open; a live writer's recent one is kept", async () => {
  const { root, dir, file } = await savedIndex();
  const child = spawn(process.execPath, ["-e", ""]);
  const deadPid = child.pid!;
  await new Promise((resolve) => child.on("exit", resolve));
  const livePid = process.ppid;
  const dead = `${file}.${deadPid}.1700000000000.tmp`;
  const liveRecent = `${file}.${livePid}.1700000000001.tmp`;
  const liveOld = `${file}.${livePid}.1700000000002.tmp`;
  const other = path.join(dir, "other.docent.1.2.tmp");
  for (const f of [dead, liveRecent, liveOld, other]) await fs.writeFile(f, "partial");
  const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
  await fs.utimes(liveOld, old, old);
  const outcome = await loadIndex(file, [root]);
  assert.equal(outcome.status, "loaded");
  assert.deepEqual((await fs.readdir(dir)).sort(), ["index.docent", path.basename(liveRecent), "other.docent.1.2.tmp"].sort());
  assert.deepEqual(await removeStaleTempFiles(file), []);
});

async function docent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function bigTree(files: number): Record<string, string> {
  const tree: Record<string, string> = {};
  for (let i = 0; i < files; i++) {
    const sections = Array.from({ length: 20 }, (_, j) => `## Section ${j} of ${i}\n\nword${i}x${j} alpha beta gamma ${"delta ".repeat(30)}\n`).join("\n");
    tree[`d${i % 20}/f${i}.md`] = `# File ${i}\n\n${sections}`;
  }
  return tree;
}

test("docent search with --index on a folder, FIFO or /dev/zero answers with a warning (exit 0)", async () => {
  const root = await tempDocs(DOCS);
  const dir = await makeTempDir();
  await run("mkfifo", [path.join(dir, "fifo")]);
  for (const index of [dir, path.join(dir, "fifo"), "/dev/zero"]) {
    const r = await docent(["search", root, "cpu busy", "--index", index]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cpu\.md/);
    assert.match(r.stderr, /warning: .*not a regular file/);
    assert.match(r.stderr, /Saving the index failed/);
  }
});

test("two docent index runs on one index file both finish, and the file loads", async () => {
  const root = await tempDocs(bigTree(150));
  const file = path.join(await makeTempDir(), "shared.docent");
  const [a, b] = await Promise.all([docent(["index", root, "--index", file]), docent(["index", root, "--index", file])]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const again = await docent(["index", root, "--index", file]);
  assert.match(again.stdout, /Indexed 150 files, .* \(loaded saved index in/);
  assert.deepEqual(await fs.readdir(path.dirname(file)), ["shared.docent"]);
});

test("kill -9 during a save: the next run loads or rebuilds cleanly and no temporary file is left", async () => {
  const root = await tempDocs(bigTree(400));
  const dir = await makeTempDir();
  const file = path.join(dir, "killed.docent");
  let killedMidSave = false;
  for (let attempt = 0; attempt < 3 && !killedMidSave; attempt++) {
    const child = spawn(process.execPath, [CLI, "index", root, "--index", file], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      if ((await fs.readdir(dir)).some((n) => n.endsWith(".tmp"))) {
        child.kill("SIGKILL");
        killedMidSave = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await exited;
    await fs.rm(file, { force: true });
  }
  assert.ok(killedMidSave, "a save was caught mid-write");
  assert.ok(
    (await fs.readdir(dir)).some((n) => n.endsWith(".tmp")),
    "the kill left a temporary file",
  );
  const next = await docent(["index", root, "--index", file]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stdout, /Indexed 400 files/);
  assert.deepEqual(await fs.readdir(dir), ["killed.docent"]);
  assert.match((await docent(["index", root, "--index", file])).stdout, /loaded saved index in/);
});
