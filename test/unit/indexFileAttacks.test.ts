// Hostile index files and index paths: whatever is at the index path, loading never throws,
// never blocks, never returns wrong rankings; it loads identically or is discarded and rebuilt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { crc32 } from "node:zlib";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { removeStaleTempFiles, STALE_TEMP_MS } from "../../src/engine/index/disk/indexFiles.js";
import { INDEX_FORMAT_VERSION } from "../../src/engine/index/disk/indexFormat.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import type { Logger } from "../../src/engine/util/logger.js";
import { mulberry32 } from "../../src/engine/util/random.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

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

/** Seals edited bytes again with a valid CRC-32 trailer: a crafted file, not a damaged one. */
function seal(body: Buffer): Buffer {
  const out = Buffer.concat([body, Buffer.alloc(4)]);
  out.writeUInt32LE(crc32(body) >>> 0, body.length);
  return out;
}

/** Reads a varint at `at`: its value and where it ends (the test's own reading of the layout). */
function varuintAt(bytes: Buffer, at: number): { value: number; end: number } {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, end: at };
    scale *= 0x80;
  }
}

/** Where the settings part's fields lie: after the 16-byte preamble, a tag, then strings and counts. */
function settingsLayout(bytes: Buffer) {
  let at = 17; // preamble, then the part's tag
  const skipStr = () => {
    const { value, end } = varuintAt(bytes, at);
    at = end + value;
  };
  skipStr(); // embedder
  skipStr(); // settings
  const roots = varuintAt(bytes, at);
  at = roots.end;
  for (let i = 0; i < roots.value; i++) skipStr();
  skipStr(); // saved at
  const total = { at, ...varuintAt(bytes, at) };
  const filesTag = total.end;
  const fileRoots = { at: filesTag + 1, ...varuintAt(bytes, filesTag + 1) };
  return { total, fileRoots };
}

/** Replaces the bytes [from, to) of the body with `bytes` and seals the result. */
function splice(file: Buffer, from: number, to: number, bytes: number[]): Buffer {
  const body = file.subarray(0, file.length - 4);
  return seal(Buffer.concat([body.subarray(0, from), Buffer.from(bytes), body.subarray(to)]));
}

const varuintBytes = (v: number): number[] => {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
};

test("crafted files with a valid checksum (huge, zero or endless counts, bytes rewritten) are discarded or load, never throw, and the rebuild saves over them", async () => {
  const { root, dir, bytes } = await savedIndex();
  const { total, fileRoots } = settingsLayout(bytes);
  assert.ok(total.value >= 3, "the settings layout was read right (chunk count)");
  assert.equal(fileRoots.value, 1, "the settings layout was read right (one root)");
  const cases: Record<string, Buffer> = {
    "huge chunk count": splice(bytes, total.at, total.end, varuintBytes(2 ** 40)),
    "zero chunk count": splice(bytes, total.at, total.end, [0]),
    "one chunk too many": splice(bytes, total.at, total.end, varuintBytes(total.value + 1)),
    "endless varint": splice(bytes, total.at, total.end, Array(12).fill(0xff)),
    "huge root count": splice(bytes, fileRoots.at, fileRoots.end, varuintBytes(2 ** 45)),
    // After the root (a length byte and the path) comes the file count (one byte), then the first file's root index.
    "root index out of range": splice(bytes, fileRoots.end + 2 + bytes[fileRoots.end]!, fileRoots.end + 3 + bytes[fileRoots.end]!, [7]),
    "file count too high": splice(bytes, fileRoots.end + 1 + bytes[fileRoots.end]!, fileRoots.end + 2 + bytes[fileRoots.end]!, [9]),
    "cut before the end, sealed": seal(bytes.subarray(0, bytes.length - 40)),
    "bytes after the end, sealed": seal(Buffer.concat([bytes.subarray(0, bytes.length - 4), Buffer.from([8, 8])])),
  };
  // And 200 single bytes rewritten anywhere in the body, each sealed again.
  const rand = mulberry32(11);
  const body = bytes.subarray(0, bytes.length - 4);
  let loadedCount = 0;
  for (let i = 0; i < 200; i++) {
    const edited = Buffer.from(body);
    const at = 16 + Math.floor(rand() * (edited.length - 16));
    edited[at] = Math.floor(rand() * 256);
    cases[`byte ${at} rewritten (${i})`] = seal(edited);
  }
  for (const [name, content] of Object.entries(cases)) {
    const file = path.join(dir, "crafted.docent");
    await fs.writeFile(file, content);
    const logger = recordingLogger();
    const outcome = await loadIndex(file, [root], { logger });
    if (outcome.status === "loaded") {
      // A rewritten title or heading byte still makes a valid index; it must be usable.
      loadedCount++;
      assert.ok(/rewritten/.test(name), `${name}: a structural craft must not load`);
      await outcome.index.search("request duration");
      continue;
    }
    assert.equal(outcome.status, "discarded", name);
    assert.match(logger.lines[0]!, /discarded, rebuilding/, name);
    if (!/rewritten/.test(name) || i2(name) % 20 === 0) {
      await outcome.index.update();
      assert.equal(outcome.index.fileCount, 3, name);
      await saveIndex(outcome.index, file);
      assert.equal((await loadIndex(file, [root])).status, "loaded", `${name}: the next run loads`);
    }
  }
  assert.ok(loadedCount < 200, "most rewritten bytes are caught by the structure checks");
});

const i2 = (name: string) => Number(/\((\d+)\)$/.exec(name)?.[1] ?? 0);

test("150 random bit flips are all detected (checksum) and the index rebuilt, never loaded with other rankings", async () => {
  const { root, dir, index, bytes } = await savedIndex();
  const expected = await rankings(index);
  const rand = mulberry32(7);
  const file = path.join(dir, "flipped.docent");
  // The postings are the second half of the file, or more.
  const secondHalf = Math.floor(bytes.length / 2);
  let inPostings = 0;
  for (let i = 0; i < 150; i++) {
    const flipped = Buffer.from(bytes);
    // Half the flips in the second half of the file (postings), half anywhere.
    const at = i % 2 ? secondHalf + Math.floor(rand() * (bytes.length - secondHalf)) : Math.floor(rand() * bytes.length);
    if (at >= secondHalf) inPostings++;
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

test("a saved file path that leads out of its folder is discarded (chunk texts are read back from these paths)", async (t) => {
  const { root, dir, index } = await savedIndex();
  // Beside the docs folder, so that "../<root>-secret.md" reaches a real file.
  const secret = path.join(path.dirname(root), `${path.basename(root)}-secret.md`);
  await fs.writeFile(secret, "# Secret\n\nNot part of the docs.\n");
  t.after(() => fs.rm(secret, { force: true }));
  const entry = [...index.files.values()][0]!;
  for (const rel of [`../${path.basename(secret)}`, `a/../../${path.basename(secret)}`, secret]) {
    entry.relPath = rel;
    const file = path.join(dir, "outside.docent");
    await saveIndex(index, file);
    const logger = recordingLogger();
    const outcome = await loadIndex(file, [root], { logger });
    assert.equal(outcome.status, "discarded", rel);
    assert.match(logger.lines[0]!, /a path outside its folder/, rel);
  }
});
