// resolveModelReference against a local stand-in for the Hugging Face hub (node:http on
// 127.0.0.1, bounded in requests): `resolve` URLs answer with a redirect carrying x-linked-size /
// x-linked-etag like the hub, the "CDN" serves bytes with range support, and hooks make it drop,
// stall, truncate or swap what it sends.
import { test, before, after, beforeEach, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { localReferencePath } from "../../src/engine/model/download/references.js";
import { resolveModelReference } from "../../src/engine/model/download/resolve.js";
import { ModelReferenceError, PARTIAL_SUFFIX, RECORD_DIR, type DownloadProgress } from "../../src/engine/model/download/types.js";
import { buildTinyChat, buildTinyEmbed, mulberry32 } from "../fixtures/tinyModels.js";

// ---------------------------------------------------------------------------------------------
// The test hub
// ---------------------------------------------------------------------------------------------

const MAX_REQUESTS = 400;
/** ipull (node-llama-cpp's downloader) splits files into 5 MiB chunks and resumes per chunk. */
const CHUNK = 5 * 1024 * 1024;

interface Logged {
  method: string;
  url: string;
  range?: string;
  /** Bytes of body written for this request (ranged requests only). */
  sent: number;
}

interface RangedContext {
  req: IncomingMessage;
  res: ServerResponse;
  start: number;
  end: number;
  body: Buffer;
  /** 0-based index among ranged requests since the last reset. */
  index: number;
  log: Logged;
}

class TestHub {
  private server!: Server;
  port = 0;
  requests: Logged[] = [];
  private rangedCount = 0;
  /** user/repo/path -> the bytes the hub announces (x-linked-size / x-linked-etag). */
  files = new Map<string, Buffer>();
  /** user/repo/path -> bytes the CDN actually serves instead (a "different file"). */
  cdnOverride = new Map<string, Buffer>();
  /** hf manifest: user/repo:tag -> rfilename. */
  manifests = new Map<string, string>();
  /** Plain URLs /plain/<name>, no hub headers. */
  plain = new Map<string, Buffer>();
  /** Custom handling of ranged requests; return true when it answered. */
  onRanged: ((ctx: RangedContext) => boolean) | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  reset(): void {
    this.requests = [];
    this.rangedCount = 0;
    this.onRanged = undefined;
    this.cdnOverride.clear();
    // Responses left hanging by a previous test (stalls, unread info GETs) are cut off.
    this.server.closeAllConnections();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  ranged(): Logged[] {
    return this.requests.filter((r) => r.range !== undefined);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const log: Logged = { method: req.method ?? "", url: req.url ?? "", sent: 0 };
    if (req.headers.range) log.range = req.headers.range;
    this.requests.push(log);
    if (this.requests.length > MAX_REQUESTS) {
      res.writeHead(404).end("request budget exhausted"); // 404: the downloader does not retry
      return;
    }
    const url = new URL(req.url ?? "/", this.base);
    const path = decodeURIComponent(url.pathname);
    let m: RegExpExecArray | null;
    if ((m = /^\/([^/]+)\/([^/]+)\/resolve\/main\/(.+)$/.exec(path))) {
      const key = `${m[1]}/${m[2]}/${m[3]}`;
      const body = this.files.get(key);
      if (!body) return void res.writeHead(404).end();
      // Like the hub: a redirect to the CDN carrying the LFS size and SHA-256.
      const sha = sha256(body);
      res.writeHead(302, {
        location: `/cdn/${key}`,
        "x-linked-size": String(body.length),
        "x-linked-etag": `"${sha}"`,
        "x-repo-commit": "0123456789abcdef0123456789abcdef01234567",
        etag: `"${sha}"`,
        "content-length": "0",
      });
      return void res.end();
    }
    if ((m = /^\/v2\/([^/]+)\/([^/]+)\/manifests\/(.+)$/.exec(path))) {
      const rfilename = this.manifests.get(`${m[1]}/${m[2]}:${m[3]}`);
      if (!rfilename) return void res.writeHead(404).end();
      const json = JSON.stringify({ ggufFile: { rfilename } });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
      return void res.end(json);
    }
    if ((m = /^\/cdn\/(.+)$/.exec(path))) {
      const body = this.cdnOverride.get(m[1]!) ?? this.files.get(m[1]!);
      return this.serveBytes(req, res, body, log);
    }
    if ((m = /^\/plain\/(.+)$/.exec(path))) return this.serveBytes(req, res, this.plain.get(m[1]!), log);
    res.writeHead(404).end();
  }

  private serveBytes(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, log: Logged): void {
    if (!body) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (!range) {
      res.writeHead(200, {
        "content-length": String(body.length),
        "accept-ranges": "bytes",
        "content-type": "application/octet-stream",
      });
      if (req.method === "HEAD") return void res.end();
      return void res.end(body); // the downloader's info GET never reads this body
    }
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    const ctx: RangedContext = { req, res, start, end, body, index: this.rangedCount++, log };
    if (this.onRanged?.(ctx)) return;
    sendRange(ctx, end - start + 1);
  }
}

/** Answers a ranged request correctly, with `bytes` of the body then: end, or cut the socket. */
function sendRange(ctx: RangedContext, bytes: number, then: "end" | "destroy" | "hang" = "end"): void {
  const { res, start, end, body, log } = ctx;
  res.writeHead(206, {
    "content-length": String(end - start + 1),
    "content-range": `bytes ${start}-${end}/${body.length}`,
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
  });
  const slice = body.subarray(start, start + Math.min(bytes, end - start + 1));
  log.sent = slice.length;
  if (then === "end") return void res.end(slice);
  res.write(slice, () => {
    if (then === "destroy") res.destroy();
  });
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic bytes (not a model: big enough to span two 5 MiB download chunks). */
function deterministicBytes(size: number, seed: number): Buffer {
  const rand = mulberry32(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(Math.floor(rand() * 0x1_0000_0000), i);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/**
 * Makes the downloader's progress-record writes (its JSON resume state, saved after the file's
 * bytes without being awaited) run only once a truncation of the same file has completed, at
 * most 50 ms late: what a busy machine's thread pool may do to a write and a truncation in
 * flight together. Returns how many were held back, how many of those have since been written (or
 * failed), and a function that undoes it.
 */
async function holdBackProgressRecordWrites(dir: string): Promise<{ held: () => number; written: () => number; restore: () => void }> {
  const probe = join(dir, "filehandle-probe");
  await writeFile(probe, "");
  const handle = await open(probe, "r");
  const proto = Object.getPrototypeOf(handle) as FileHandle;
  await handle.close();
  const write = proto.write;
  const truncate = proto.truncate;
  const waiting = new Map<FileHandle, Array<() => void>>();
  let held = 0;
  let written = 0;
  proto.truncate = async function (this: FileHandle, ...args: Parameters<FileHandle["truncate"]>) {
    try {
      return await truncate.apply(this, args);
    } finally {
      for (const release of waiting.get(this) ?? []) release();
      waiting.delete(this);
    }
  };
  proto.write = function (this: FileHandle, buffer: unknown, ...rest: unknown[]) {
    const isRecord = buffer instanceof Uint8Array && buffer.length < 4096 && Buffer.from(buffer).toString().startsWith('{"part":');
    if (!isRecord) return (write as (...a: unknown[]) => unknown).call(this, buffer, ...rest);
    held++;
    const late = new Promise<void>((release) => {
      waiting.set(this, [...(waiting.get(this) ?? []), release]);
      setTimeout(release, 50);
    }).then(() => (write as (...a: unknown[]) => unknown).call(this, buffer, ...rest));
    late.then(
      () => written++,
      () => written++,
    );
    return late;
  } as FileHandle["write"];
  return {
    held: () => held,
    written: () => written,
    restore: () => {
      proto.write = write;
      proto.truncate = truncate;
    },
  };
}

async function ggufFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".gguf")).sort();
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const hub = new TestHub();
let tmp: string;
let modelsDir: string;
let chat: Buffer;
let embed: Buffer;
let big: Buffer;
let dirCount = 0;

before(async () => {
  chat = buildTinyChat().toBuffer();
  embed = buildTinyEmbed().toBuffer();
  big = deterministicBytes(7 * 1024 * 1024, 0xd0_c3e7);
  hub.files.set("docent/tiny/tiny-chat.gguf", chat);
  hub.files.set("docent/tiny/tiny-embed.gguf", embed);
  hub.files.set("docent/tiny-GGUF/tiny-Q8_0.gguf", embed);
  hub.files.set("docent/big/big.gguf", big);
  hub.plain.set("tiny-embed.gguf", embed);
  hub.manifests.set("docent/tiny-GGUF:Q8_0", "tiny-Q8_0.gguf");
  await hub.start();
  tmp = await mkdtemp(join(tmpdir(), "docent-download-"));
});

after(async () => {
  await hub.stop();
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  hub.reset();
  modelsDir = join(tmp, `models-${++dirCount}`);
});

// A hang guard only: the tests wait for states; under a load average of 20 the suite needed more than 20 s.
describe("remote references", { timeout: 120_000 }, () => {
  test("hf:user/repo/file downloads via the endpoint option, reports progress and is reused without a request", async (t) => {
    const progress: DownloadProgress[] = [];
    const ref = "hf:docent/tiny/tiny-chat.gguf";
    const path = await resolveModelReference(ref, {
      modelsDir,
      endpoint: hub.base,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(dirname(path), modelsDir);
    assert.ok(basename(path).endsWith("tiny-chat.gguf"), path);
    assert.ok((await readFile(path)).equals(chat), "downloaded bytes differ");
    assert.ok(!existsSync(path + PARTIAL_SUFFIX), "temp file left behind");

    assert.ok(progress.length > 0, "no progress events");
    for (const p of progress) {
      assert.equal(p.fileName, basename(path));
      assert.equal(p.totalBytes, chat.length);
    }
    assert.equal(progress.at(-1)!.downloadedBytes, chat.length);
    t.diagnostic(`${progress.length} progress events; requests: ${hub.requests.map((r) => `${r.method} ${r.url} ${r.range ?? ""}`).join(" | ")}`);
    // The hub was asked for size and checksum with a HEAD that does not follow the redirect.
    assert.ok(
      hub.requests.some((r) => r.method === "HEAD" && r.url.includes("/resolve/main/")),
      JSON.stringify(hub.requests),
    );
    assert.ok(hub.ranged().length >= 1);

    // A second call: the verified record is enough, no request at all.
    const before = hub.requests.length;
    const again = await resolveModelReference(ref, { modelsDir, endpoint: hub.base });
    assert.equal(again, path);
    assert.equal(hub.requests.length, before, "a recorded download made requests");

    // Without the record (a file put there by someone else): only a cheap check, no ranged GET.
    await rm(join(modelsDir, RECORD_DIR), { recursive: true });
    const mtime = (await stat(path)).mtimeMs;
    hub.reset();
    const third = await resolveModelReference(ref, { modelsDir, endpoint: hub.base });
    assert.equal(third, path);
    assert.equal(hub.ranged().length, 0, JSON.stringify(hub.requests));
    assert.equal((await stat(path)).mtimeMs, mtime, "an existing complete file was rewritten");
  });

  test("hf:user/repo:quant through HF_ENDPOINT, and a plain http URL", async () => {
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = hub.base;
    try {
      const path = await resolveModelReference("hf:docent/tiny-GGUF:Q8_0", { modelsDir });
      assert.equal(dirname(path), modelsDir);
      assert.ok((await readFile(path)).equals(embed));
      assert.ok(
        hub.requests.some((r) => r.url === "/v2/docent/tiny-GGUF/manifests/Q8_0"),
        JSON.stringify(hub.requests),
      );
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
    const url = `${hub.base}plain/tiny-embed.gguf`;
    const path = await resolveModelReference(url, { modelsDir, expectedSha256: sha256(embed) });
    assert.equal(basename(path), "tiny-embed.gguf");
    assert.ok((await readFile(path)).equals(embed));
  });

  test("the downloader's progress record never ends up in the model file, even when its last save runs late", async () => {
    // Once flaky on a loaded machine: the record (63 bytes for one chunk) was appended to a
    // complete download, which then failed its size check and was deleted.
    const hold = await holdBackProgressRecordWrites(tmp);
    try {
      const small = await resolveModelReference("hf:docent/tiny/tiny-embed.gguf", { modelsDir, endpoint: hub.base });
      const large = await resolveModelReference("hf:docent/big/big.gguf", { modelsDir, endpoint: hub.base });
      assert.ok(hold.held() >= 2, `progress records held back: ${hold.held()}`);
      // Nothing is written into them afterwards: wait until every held-back write has been made (or
      // has failed), not a fixed 100 ms, which a loaded machine could end before a late write.
      const end = Date.now() + 60_000;
      while (hold.written() < hold.held()) {
        assert.ok(Date.now() < end, `held-back writes made: ${hold.written()} of ${hold.held()}`);
        await new Promise((ok) => setTimeout(ok, 10));
      }
      assert.ok((await readFile(small)).equals(embed), "one-chunk download differs");
      assert.ok((await readFile(large)).equals(big), "two-chunk download differs");
    } finally {
      hold.restore();
    }
  });

  test("concurrent calls for one reference download once; an aborted signal makes no request", async () => {
    const ref = "hf:docent/tiny/tiny-embed.gguf";
    const [a, b] = await Promise.all([
      resolveModelReference(ref, { modelsDir, endpoint: hub.base }),
      resolveModelReference(ref, { modelsDir, endpoint: hub.base }),
    ]);
    assert.equal(a, b);
    assert.ok((await readFile(a)).equals(embed));
    assert.equal(hub.ranged().length, 1, JSON.stringify(hub.requests));

    hub.reset();
    const err = await rejection(resolveModelReference("hf:docent/tiny/tiny-chat.gguf", { modelsDir, endpoint: hub.base, signal: AbortSignal.abort() }));
    assert.equal((err as Error).name, "AbortError");
    assert.equal(hub.requests.length, 0);
  });

  test("a cancelled download keeps its partial file and the next call resumes it with a Range request", async (t) => {
    const ref = "hf:docent/big/big.gguf";
    // First attempt: chunk 0 (bytes 0..5 MiB) arrives whole, the rest hangs after 64 KiB.
    hub.onRanged = (ctx) => {
      if (ctx.start === 0) return false;
      sendRange(ctx, 64 * 1024, "hang");
      return true;
    };
    const controller = new AbortController();
    const first = resolveModelReference(ref, { modelsDir, endpoint: hub.base, signal: controller.signal });
    let partial = "";
    try {
      // The downloader appends its progress record after the file's bytes once a chunk is complete.
      const deadline = Date.now() + 8000;
      let partialSize = 0;
      while (Date.now() < deadline) {
        const name = existsSync(modelsDir) ? (await readdir(modelsDir)).find((n) => n.endsWith(PARTIAL_SUFFIX)) : undefined;
        partial = name ? join(modelsDir, name) : "";
        partialSize = partial ? (await stat(partial)).size : 0;
        if (partialSize > big.length) break;
        await new Promise((ok) => setTimeout(ok, 20));
      }
      assert.ok(partialSize > big.length, `no progress record in ${partial} (size ${partialSize})`);
    } finally {
      controller.abort(); // never leave a download running into the next test
    }
    const err = await rejection(first);
    assert.equal((err as Error).name, "AbortError", String(err));
    assert.deepEqual(await ggufFilesIn(modelsDir), [], "a partial download was exposed as complete");
    assert.ok(existsSync(partial), "the partial file was deleted on cancel");
    const firstRanges = hub.ranged().map((r) => r.range);

    // Second attempt, healthy server: only the missing chunk is requested.
    hub.reset();
    const path = await resolveModelReference(ref, { modelsDir, endpoint: hub.base });
    assert.ok((await readFile(path)).equals(big), "resumed file differs");
    assert.ok(!existsSync(partial));
    const ranges = hub.ranged();
    t.diagnostic(`first attempt ranges ${JSON.stringify(firstRanges)}; resume ranges ${JSON.stringify(ranges.map((r) => r.range))}`);
    assert.deepEqual(
      ranges.map((r) => r.range),
      [`bytes=${CHUNK}-${big.length - 1}`],
      `first attempt: ${JSON.stringify(firstRanges)}`,
    );
    assert.equal(
      ranges.reduce((n, r) => n + r.sent, 0),
      big.length - CHUNK,
    );
  });

  test("a connection dropped mid-way is retried from the chunk boundary within the call", async (t) => {
    hub.onRanged = (ctx) => {
      if (ctx.start !== CHUNK || hub.ranged().filter((r) => r.range === ctx.log.range).length > 1) return false;
      sendRange(ctx, 1024 * 1024, "destroy");
      return true;
    };
    const path = await resolveModelReference("hf:docent/big/big.gguf", { modelsDir, endpoint: hub.base });
    assert.ok((await readFile(path)).equals(big));
    const again = hub.ranged().filter((r) => r.range === `bytes=${CHUNK}-${big.length - 1}`);
    assert.equal(again.length, 2, JSON.stringify(hub.ranged()));
    t.diagnostic(`ranged requests: ${JSON.stringify(hub.ranged().map((r) => [r.range, r.sent]))}`);
  });

  test("a server that keeps sending fewer bytes than its content-length is reported as stalled", async (t) => {
    hub.onRanged = (ctx) => {
      sendRange(ctx, 512 * 1024, "destroy");
      return true;
    };
    const ref = "hf:docent/tiny/tiny-chat.gguf";
    const err = await rejection(resolveModelReference(ref, { modelsDir, endpoint: hub.base, stallTimeoutMs: 1000 }));
    assert.ok(err instanceof ModelReferenceError, String(err));
    assert.equal(err.code, "stalled");
    assert.match(err.message, /stalled: no progress for 1\.0 s at \d+ of 2372512 bytes/);
    assert.ok(hub.ranged().length >= 2, "the downloader did not retry");
    assert.deepEqual(await ggufFilesIn(modelsDir), []);
    // The rejection waits for the downloader to wind down: no retry reaches the server afterwards.
    const seen = hub.requests.length;
    await new Promise((ok) => setTimeout(ok, 1200));
    assert.equal(hub.requests.length, seen, "requests after the rejection");
    t.diagnostic(`${hub.ranged().length} ranged attempts before the stall: ${err.message}`);
  });

  test("a short body that ends cleanly is zero-padded by the downloader and caught by the hub checksum", async () => {
    hub.onRanged = (ctx) => {
      const { res, start, end, body } = ctx;
      // Correct content-range, chunked encoding (no content-length), then only half the bytes.
      res.writeHead(206, { "content-range": `bytes ${start}-${end}/${body.length}`, "accept-ranges": "bytes" });
      const half = body.subarray(start, start + Math.floor((end - start + 1) / 2));
      ctx.log.sent = half.length;
      res.end(half);
      return true;
    };
    const ref = "hf:docent/tiny/tiny-chat.gguf";
    const err = await rejection(resolveModelReference(ref, { modelsDir, endpoint: hub.base }));
    assert.ok(err instanceof ModelReferenceError, String(err));
    assert.equal(err.code, "checksum-mismatch");
    assert.match(err.message, new RegExp(`checksum mismatch .*expected ${sha256(chat)}.*deleted`));
    assert.deepEqual(await ggufFilesIn(modelsDir), []);
    assert.ok(!existsSync(join(modelsDir, RECORD_DIR)) || (await readdir(join(modelsDir, RECORD_DIR))).length === 0);
  });

  test("a different file than the hub announced is rejected by size and deleted", async () => {
    hub.cdnOverride.set("docent/tiny/tiny-chat.gguf", embed);
    const err = await rejection(resolveModelReference("hf:docent/tiny/tiny-chat.gguf", { modelsDir, endpoint: hub.base }));
    assert.ok(err instanceof ModelReferenceError, String(err));
    assert.equal(err.code, "size-mismatch");
    assert.match(err.message, new RegExp(`downloaded file .*tiny-chat\\.gguf is ${embed.length} bytes, expected ${chat.length}`));
    assert.deepEqual(await ggufFilesIn(modelsDir), []);
  });

  test("a wrong expectedSha256 is rejected, the file deleted, and the right one then downloads", async () => {
    const url = `${hub.base}plain/tiny-embed.gguf`;
    const wrong = sha256(chat);
    const err = await rejection(resolveModelReference(url, { modelsDir, expectedSha256: wrong }));
    assert.ok(err instanceof ModelReferenceError, String(err));
    assert.equal(err.code, "checksum-mismatch");
    assert.match(err.message, new RegExp(`checksum mismatch for .*tiny-embed\\.gguf: SHA-256 is ${sha256(embed)}, expected ${wrong}`));
    assert.deepEqual(await ggufFilesIn(modelsDir), []);

    const path = await resolveModelReference(url, { modelsDir, expectedSha256: sha256(embed).toUpperCase() });
    assert.ok((await readFile(path)).equals(embed));
    // Reused later only while the recorded checksum is the one asked for.
    const count = hub.requests.length;
    await resolveModelReference(url, { modelsDir, expectedSha256: sha256(embed) });
    assert.equal(hub.requests.length, count);
  });
});

describe("local references", () => {
  test("an existing file is returned as an absolute path; relative, ~/ and file: forms resolve", async () => {
    const dir = join(tmp, "local");
    await mkdir(dir, { recursive: true });
    const file = join(dir, "m.gguf");
    await writeFile(file, chat.subarray(0, 1024));
    assert.equal(await resolveModelReference(file, { modelsDir }), file);
    assert.equal(await resolveModelReference("m.gguf", { modelsDir, baseDir: dir }), file);
    assert.equal(await resolveModelReference(`file://${file}`, { modelsDir }), file);
    assert.equal(localReferencePath("~/models/x.gguf"), join(homedir(), "models", "x.gguf"));
    assert.ok(!existsSync(modelsDir), "a local reference created the models folder");
  });

  test("a missing path, a folder and an unknown scheme give clear errors", async () => {
    const missing = join(tmp, "nowhere", "missing.gguf");
    const err = await rejection(resolveModelReference(missing, { modelsDir }));
    assert.ok(err instanceof ModelReferenceError, String(err));
    assert.equal(err.code, "not-found");
    assert.equal(err.message, `Model file not found: ${missing}`);

    const rel = (await rejection(resolveModelReference("someone/some-model/file.gguf", { modelsDir, baseDir: tmp }))) as ModelReferenceError;
    assert.equal(rel.code, "not-found");
    assert.ok(rel.message.includes(join(tmp, "someone/some-model/file.gguf")), rel.message);
    assert.match(rel.message, /hf:someone\/some-model\/file\.gguf/);

    const folder = (await rejection(resolveModelReference(tmp, { modelsDir }))) as ModelReferenceError;
    assert.equal(folder.code, "not-a-file");

    const scheme = (await rejection(resolveModelReference("s3://bucket/m.gguf", { modelsDir }))) as ModelReferenceError;
    assert.equal(scheme.code, "invalid-reference");
  });
});
