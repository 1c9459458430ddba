// Enable CUDA's download (140-180 MB tarballs) against a real HTTP server on loopback that misbehaves
// on purpose: it drops the connection midway, stalls (headers and some bytes, then silence with the
// socket open), ignores Range, or changes the file between tries. The download resumes with a
// Range request and ends with exactly the server's bytes; a stall is ended and reported in words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { downloadResumable } from "../../src/engine/model/download/resumableDownload.js";
import { installedGpuPackages, installGpuPackage } from "../../src/engine/model/local/gpuPackages.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { makeTempDir } from "../helpers/tempDocs.js";

/** What the server does with one request: send everything, or `bytes` of it and then drop the connection or go silent. */
type Behaviour = { kind: "full" } | { kind: "drop" | "stall"; bytes: number } | { kind: "ignore-range" } | { kind: "status"; status: number };

interface SeenRequest {
  range?: string;
  ifRange?: string;
}

/**
 * Serves `body()` at /file with an ETag, honouring `Range: bytes=N-` (and If-Range) unless told
 * otherwise; `plan(i)` says what the i-th request of /file gets. Metadata for an npm registry too.
 */
async function flakyServer(body: () => Buffer, plan: (i: number) => Behaviour, registry?: { name: string; version: string }) {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const data = body();
    const etag = `"${createHash("sha256").update(data).digest("hex").slice(0, 16)}"`;
    if (registry && req.url === `/${registry.name.replace("/", "%2f")}/${registry.version}`) {
      res.setHeader("content-type", "application/json");
      const integrity = `sha512-${createHash("sha512").update(data).digest("base64")}`;
      res.end(JSON.stringify({ name: registry.name, version: registry.version, dist: { tarball: `${base}/file`, integrity } }));
      return;
    }
    if (req.url !== "/file") {
      res.statusCode = 404;
      res.end();
      return;
    }
    const range = req.headers.range;
    const ifRange = req.headers["if-range"] as string | undefined;
    seen.push({ range, ifRange });
    const behaviour = plan(seen.length - 1);
    if (behaviour.kind === "status") {
      res.statusCode = behaviour.status;
      res.end();
      return;
    }
    const start = range && behaviour.kind !== "ignore-range" && (!ifRange || ifRange === etag) ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
    res.setHeader("etag", etag);
    res.setHeader("content-length", String(data.length - start));
    if (start > 0) {
      res.statusCode = 206;
      res.setHeader("content-range", `bytes ${start}-${data.length - 1}/${data.length}`);
    }
    const rest = data.subarray(start);
    if (behaviour.kind === "drop") {
      // Flushed, then the socket is cut: the client sees fewer bytes than content-length.
      res.write(rest.subarray(0, behaviour.bytes), () => res.socket?.destroy());
    } else if (behaviour.kind === "stall") {
      res.write(rest.subarray(0, behaviour.bytes)); // and nothing more: the socket stays open
    } else {
      res.end(rest);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

test("a download whose connection drops twice midway resumes with Range and If-Range and ends with the server's exact bytes", async (t) => {
  const dir = await makeTempDir();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const data = randomBytes(3_000_000);
  const server = await flakyServer(
    () => data,
    (i) => (i === 0 ? { kind: "drop", bytes: 1_000_000 } : i === 1 ? { kind: "drop", bytes: 700_000 } : { kind: "full" }),
  );
  t.after(server.close);
  const file = path.join(dir, "pkg.tgz");
  const retries: { fromByte: number; reason: string }[] = [];
  const progress: number[] = [];
  const result = await downloadResumable(`${server.url}/file`, file, {
    name: "@node-llama-cpp/linux-x64-cuda",
    retryDelayMs: 1,
    onRetry: (r) => retries.push(r),
    onProgress: (p) => progress.push(p.receivedBytes),
  });
  assert.equal(sha256(await fs.readFile(file)), sha256(data), "the file is byte for byte the server's");
  assert.equal(result.bytes, data.length);
  assert.equal(result.resumes, 2);
  assert.equal(server.seen.length, 3);
  assert.equal(server.seen[0].range, undefined);
  // Each resume asks for the rest from the bytes already on disk, tied to the first answer's ETag.
  assert.equal(retries.length, 2);
  assert.equal(server.seen[1].range, `bytes=${retries[0].fromByte}-`);
  assert.equal(server.seen[2].range, `bytes=${retries[1].fromByte}-`);
  assert.ok(retries[0].fromByte > 0 && retries[1].fromByte > retries[0].fromByte, `resumed from ${retries.map((r) => r.fromByte).join(", ")}`);
  assert.match(server.seen[1].ifRange ?? "", /^"[0-9a-f]{16}"$/);
  assert.match(retries[0].reason, /the connection (failed|ended) at [\d.]+ of 3\.0 MB/);
  // Progress never went back to zero on a resume.
  assert.ok(
    progress.every((p, i) => i === 0 || p >= progress[i - 1]),
    "progress only grows",
  );
});

test("a stalled download is ended after the stall timeout and resumed; one that stays stalled is reported with where it stopped", async (t) => {
  const dir = await makeTempDir();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const data = randomBytes(2_000_000);

  // Stalls once at 0.5 MB, then serves the rest.
  const once = await flakyServer(
    () => data,
    (i) => (i === 0 ? { kind: "stall", bytes: 500_000 } : { kind: "full" }),
  );
  t.after(once.close);
  const file = path.join(dir, "once.tgz");
  const retries: string[] = [];
  const result = await downloadResumable(`${once.url}/file`, file, {
    name: "@node-llama-cpp/linux-x64-cuda",
    stallTimeoutMs: 1000,
    retryDelayMs: 1,
    onRetry: (r) => retries.push(r.reason),
  });
  assert.equal(sha256(await fs.readFile(file)), sha256(data));
  assert.ok(result.resumes >= 1);
  assert.match(retries[0], /^no data for 1\.0 s at 0\.5 of 2\.0 MB$/);
  assert.match(once.seen[1].range ?? "", /^bytes=500000-$/);

  // Stalls every time, without adding a byte after the first try: reported, not waited on forever.
  const always = await flakyServer(
    () => data,
    (i) => ({ kind: "stall", bytes: i === 0 ? 300_000 : 0 }),
  );
  t.after(always.close);
  await assert.rejects(
    downloadResumable(`${always.url}/file`, path.join(dir, "always.tgz"), {
      name: "@node-llama-cpp/linux-x64-cuda-ext",
      stallTimeoutMs: 300,
      maxTriesWithoutProgress: 3,
      retryDelayMs: 1,
    }),
    (err: Error) => {
      assert.equal(
        err.message,
        "@node-llama-cpp/linux-x64-cuda-ext: download stalled: no data for 0.3 s at 0.3 of 2.0 MB; gave up after 3 tries without progress",
      );
      return true;
    },
  );
  assert.equal(always.seen.length, 4, "the first try and three that added nothing");
});

test("a server that ignores Range, or whose file changed between tries, is read again from the start: never a spliced file", async (t) => {
  const dir = await makeTempDir();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const data = randomBytes(1_500_000);
  const noRange = await flakyServer(
    () => data,
    (i) => (i === 0 ? { kind: "drop", bytes: 600_000 } : { kind: "ignore-range" }),
  );
  t.after(noRange.close);
  const a = path.join(dir, "a.tgz");
  const ra = await downloadResumable(`${noRange.url}/file`, a, { name: "pkg", retryDelayMs: 1 });
  assert.equal(sha256(await fs.readFile(a)), sha256(data));
  assert.equal(ra.resumes, 0, "the second answer was the whole file (200)");

  let current = data;
  const changed = randomBytes(1_400_000);
  const changing = await flakyServer(
    () => current,
    (i) => {
      if (i === 0) {
        // After this try the file on the server is replaced: the ETag no longer matches If-Range.
        setImmediate(() => (current = changed));
        return { kind: "drop", bytes: 600_000 };
      }
      return { kind: "full" };
    },
  );
  t.after(changing.close);
  const b = path.join(dir, "b.tgz");
  await downloadResumable(`${changing.url}/file`, b, { name: "pkg", retryDelayMs: 1 });
  assert.equal(sha256(await fs.readFile(b)), sha256(changed), "the new file whole, not the old one's start and the new one's end");

  // A 404 is not retried; a cancelled download stops at once, even while the server is silent.
  const missing = await flakyServer(
    () => data,
    () => ({ kind: "status", status: 404 }),
  );
  t.after(missing.close);
  await assert.rejects(
    downloadResumable(`${missing.url}/file`, path.join(dir, "c.tgz"), { name: "pkg", retryDelayMs: 1 }),
    /^Error: pkg: download failed: HTTP 404 from/,
  );
  assert.equal(missing.seen.length, 1);
  const silent = await flakyServer(
    () => data,
    () => ({ kind: "stall", bytes: 1000 }),
  );
  t.after(silent.close);
  const cancel = new AbortController();
  const pending = downloadResumable(`${silent.url}/file`, path.join(dir, "d.tgz"), {
    name: "pkg",
    signal: cancel.signal,
    onProgress: (p) => p.receivedBytes >= 1000 && cancel.abort(new Error("cancelled by the user")),
  });
  await assert.rejects(pending, /cancelled by the user/);
});

test("Enable CUDA's install path: a real package tarball over a connection that drops and stalls is resumed, integrity-checked and installed", async (t) => {
  const dir = await makeTempDir();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  // The real tarball of an installed binary package (npm pack, cached in the temp folder as gpuPackages.test does).
  const PKG = "@node-llama-cpp/linux-x64";
  const installedDir = path.join(repoRoot(), "node_modules", PKG);
  const version = (JSON.parse(await fs.readFile(path.join(installedDir, "package.json"), "utf8")) as { version: string }).version;
  const cacheDir = path.join(os.tmpdir(), "docent-test-npm-pack");
  const tgz = path.join(cacheDir, `node-llama-cpp-linux-x64-${version}.tgz`);
  if (!existsSync(tgz)) {
    await fs.mkdir(cacheDir, { recursive: true });
    const work = await fs.mkdtemp(path.join(cacheDir, "pack-"));
    execFileSync("npm", ["pack", installedDir, "--pack-destination", work, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
    await fs.rename(path.join(work, path.basename(tgz)), tgz);
    await fs.rm(work, { recursive: true, force: true });
  }
  const tarball = await fs.readFile(tgz);
  const third = Math.floor(tarball.length / 3);
  const server = await flakyServer(
    () => tarball,
    (i) => (i === 0 ? { kind: "drop", bytes: third } : i === 1 ? { kind: "stall", bytes: third } : { kind: "full" }),
    { name: PKG, version },
  );
  t.after(server.close);
  const storage = path.join(dir, "storage");
  const retries: string[] = [];
  const installed = await installGpuPackage({
    storageDir: storage,
    name: PKG,
    version,
    registry: `${server.url}/`,
    download: { stallTimeoutMs: 1500, retryDelayMs: 1, onRetry: (r) => retries.push(r.reason) },
  });
  assert.equal(installed.name, PKG);
  assert.deepEqual(
    (await installedGpuPackages(storage, version)).map((p) => p.name),
    [PKG],
  );
  assert.ok(server.seen.length >= 3, `${server.seen.length} requests`);
  assert.match(retries[0], /the connection (failed|ended)/);
  assert.ok(
    retries.some((r) => r.startsWith("no data for 1.5 s")),
    retries.join(" | "),
  );
  // The unpacked package is the real one: its files match the installed copy.
  const name = "package.json";
  assert.deepEqual(await fs.readFile(path.join(installed.dir, name)), await fs.readFile(path.join(installedDir, name)));
});
