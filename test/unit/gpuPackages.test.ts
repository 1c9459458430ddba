// "Enable CUDA"'s fetch path against a real HTTP server on loopback serving a real npm tarball
// (`npm pack` of the installed @node-llama-cpp/linux-x64-vulkan, 24 MB): registry metadata,
// download, sha512 integrity (good and corrupted), unpacking, and the module hook that makes
// node-llama-cpp load a binary package from storage (proved by the shared library the process maps).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { extractTar } from "../../src/engine/model/local/gpuPackageTar.js";
import { gpuPackagesRoot, installedGpuPackages, installGpuPackage, npmRegistry } from "../../src/engine/model/local/gpuPackages.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { makeTempDir } from "../helpers/tempDocs.js";

const PKG = "@node-llama-cpp/linux-x64-vulkan";
const root = repoRoot();
const installedDir = path.join(root, "node_modules", PKG);
const version = (JSON.parse(readFileSync(path.join(installedDir, "package.json"), "utf8")) as { version: string }).version;

/** The real tarball, packed once per version and kept in the temp folder (npm pack takes ~20 s). */
async function realTarball(): Promise<Buffer> {
  const cacheDir = path.join(os.tmpdir(), "docent-test-npm-pack");
  const file = path.join(cacheDir, `node-llama-cpp-linux-x64-vulkan-${version}.tgz`);
  if (!existsSync(file)) {
    await fs.mkdir(cacheDir, { recursive: true });
    const work = await fs.mkdtemp(path.join(cacheDir, "pack-"));
    execFileSync("npm", ["pack", installedDir, "--pack-destination", work, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
    await fs.rename(path.join(work, path.basename(file)), file);
    await fs.rm(work, { recursive: true, force: true });
  }
  return fs.readFile(file);
}

const sri = (data: Buffer) => `sha512-${createHash("sha512").update(data).digest("base64")}`;

/** A registry on loopback: `/<scope>%2f<name>/<version>` metadata and `/tarball/<id>.tgz` files. */
async function fakeRegistry(packages: { name: string; version: string; tarball: Buffer; integrity?: string }[]) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const [i, p] of packages.entries()) {
      if (req.url === `/${p.name.replace("/", "%2f")}/${p.version}`) {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ name: p.name, version: p.version, dist: { tarball: `${base}tarball/${i}.tgz`, integrity: p.integrity ?? sri(p.tarball) } }));
        return;
      }
      if (req.url === `/tarball/${i}.tgz`) {
        res.setHeader("content-length", String(p.tarball.length));
        res.end(p.tarball);
        return;
      }
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

test("Enable CUDA's fetch: a real tarball from a registry on loopback is verified, unpacked and found; a corrupted one is refused and changes nothing", async () => {
  const tarball = await realTarball();
  const corrupted = Buffer.from(tarball);
  corrupted[corrupted.length >> 1]! ^= 0xff;
  const storage = await makeTempDir();
  const good = await fakeRegistry([{ name: PKG, version, tarball }]);
  try {
    const progress: number[] = [];
    const installed = await installGpuPackage({
      storageDir: storage,
      name: PKG,
      version,
      registry: good.url,
      onProgress: (p) => progress.push(p.receivedBytes),
    });
    assert.equal(installed.dir, path.join(gpuPackagesRoot(storage), PKG));
    assert.equal(progress.at(-1), tarball.length, "progress reaches the tarball's size");
    // Every file of the real package, byte for byte (the shared libraries too, with their mode).
    const bins = path.join("bins", "linux-x64-vulkan");
    for (const f of ["package.json", "dist/index.js", path.join(bins, "libggml-vulkan.so"), path.join(bins, "llama-addon.node")]) {
      assert.equal(sha(path.join(installed.dir, f)), sha(path.join(installedDir, f)), f);
    }
    assert.deepEqual(
      (await installedGpuPackages(storage, version)).map((p) => p.name),
      [PKG],
    );
    assert.deepEqual(await installedGpuPackages(storage, "0.0.1"), [], "another node-llama-cpp version does not use it");
  } finally {
    await good.close();
  }

  const bad = await fakeRegistry([{ name: PKG, version, tarball: corrupted, integrity: sri(tarball) }]);
  try {
    const before = sha(path.join(gpuPackagesRoot(storage), PKG, "dist", "index.js"));
    await assert.rejects(installGpuPackage({ storageDir: storage, name: PKG, version, registry: bad.url }), /integrity check failed/);
    assert.equal(sha(path.join(gpuPackagesRoot(storage), PKG, "dist", "index.js")), before, "the earlier install is untouched");
    const leftovers = (await fs.readdir(path.join(gpuPackagesRoot(storage), "@node-llama-cpp"))).filter((n) => n.includes(".partial"));
    assert.deepEqual(leftovers, [], "no partial download is left behind");
  } finally {
    await bad.close();
  }

  // A registry that gives no sha512 is refused before anything is downloaded.
  const weak = await fakeRegistry([{ name: PKG, version, tarball, integrity: "sha1-AAAA" }]);
  try {
    await assert.rejects(installGpuPackage({ storageDir: await makeTempDir(), name: PKG, version, registry: weak.url }), /no sha512 integrity/);
    assert.ok(!weak.requests.some((r) => r.startsWith("/tarball/")), weak.requests.join(", "));
  } finally {
    await weak.close();
  }
  await fs.rm(storage, { recursive: true, force: true });
});

/** A ustar archive from entries (the test's own writer: npm never packs hostile names). */
function tar(entries: { name: string; body?: string; type?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100);
    h.write("0000644\0", 100);
    h.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
    h.write(e.type ?? "0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    h.fill(32, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

async function* once(buf: Buffer) {
  // Odd chunk sizes, as a network stream gives them.
  for (let i = 0; i < buf.length; i += 333) yield buf.subarray(i, i + 333);
}

test("the tar reader refuses paths that leave the target, links, and entries outside package/", async () => {
  const parent = await makeTempDir();
  const dest = path.join(parent, "out");
  await assert.rejects(extractTar(once(tar([{ name: "package/../../evil.txt", body: "x" }])), dest, { stripPrefix: "package/" }), /Unsafe path/);
  await assert.rejects(extractTar(once(tar([{ name: "package//etc/passwd", body: "x" }])), dest, { stripPrefix: "package/" }), /Unsafe path/);
  await assert.rejects(extractTar(once(tar([{ name: "package/link", type: "2" }])), dest, { stripPrefix: "package/" }), /link/);
  await assert.rejects(extractTar(once(tar([{ name: "other/file", body: "x" }])), dest, { stripPrefix: "package/" }), /outside package\//);
  assert.ok(!existsSync(path.join(parent, "evil.txt")));
  assert.equal(await extractTar(once(tar([{ name: "package/a/b.txt", body: "hello" }])), dest, { stripPrefix: "package/" }), 1);
  assert.equal(readFileSync(path.join(dest, "a", "b.txt"), "utf8"), "hello");
  await assert.rejects(extractTar(once(gzipSync(Buffer.from("not a tar at all, but long enough to fill a header block".repeat(20)))), dest), /truncated/);
  await assert.rejects(extractTar(once(Buffer.from("not a tar at all, but long enough to fill a header block".repeat(20))), dest), /Not a tar archive/);
  const cut = tar([{ name: "package/big.txt", body: "y".repeat(5000) }]);
  await assert.rejects(extractTar(once(cut.subarray(0, 2048)), dest, { stripPrefix: "package/" }), /ends inside|truncated/);
  await fs.rm(parent, { recursive: true, force: true });
});

test("the registry comes from npm's configuration: the environment, then ~/.npmrc, else registry.npmjs.org", async () => {
  const home = await makeTempDir();
  assert.equal(await npmRegistry({}, home), "https://registry.npmjs.org/");
  await fs.writeFile(path.join(home, ".npmrc"), "fund=false\nregistry = https://npm.example.com/mirror\n");
  assert.equal(await npmRegistry({}, home), "https://npm.example.com/mirror/");
  assert.equal(await npmRegistry({ npm_config_registry: "http://127.0.0.1:4873" }, home), "http://127.0.0.1:4873/");
  await fs.rm(home, { recursive: true, force: true });
});

function vulkanLoaderPresent(): boolean {
  return ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1", "/usr/lib/libvulkan.so.1"].some((f) => existsSync(f));
}

test("node-llama-cpp loads a binary package from storage through the module hook (the library it maps is the storage copy)", async (t) => {
  if (process.platform !== "linux" || process.arch !== "x64" || !vulkanLoaderPresent()) {
    const why = "needs linux-x64 with the Vulkan loader (libvulkan.so.1; scripts/install-test-deps.sh installs mesa-vulkan-drivers)";
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const tarball = await realTarball();
  const storage = await makeTempDir();
  const registry = await fakeRegistry([{ name: PKG, version, tarball }]);
  try {
    await installGpuPackage({ storageDir: storage, name: PKG, version, registry: registry.url });
  } finally {
    await registry.close();
  }
  // A child process, as the engine: register the storage copy, ask node-llama-cpp for Vulkan, and
  // report which libggml-vulkan.so the process mapped. The repo's node_modules has its own copy,
  // so only the hook can make the storage one load.
  const script = path.join(storage, "child.mjs");
  const gpuPackagesJs = pathToFileURL(path.join(root, "out", "src", "engine", "model", "local", "gpuPackages.js")).href;
  const llamaJs = pathToFileURL(path.join(root, "node_modules", "node-llama-cpp", "dist", "index.js")).href;
  await fs.writeFile(
    script,
    `import { readFileSync } from "node:fs";
const { installedGpuPackages, registerGpuPackages } = await import(${JSON.stringify(gpuPackagesJs)});
const mapped = await registerGpuPackages(await installedGpuPackages(process.argv[2], process.argv[3]));
const { getLlama } = await import(${JSON.stringify(llamaJs)});
const llama = await getLlama({ gpu: "vulkan", build: "never", logLevel: "error" });
const libs = readFileSync("/proc/self/maps", "utf8").split("\\n").map((l) => l.split(/\\s+/)[5]).filter((f) => f && f.endsWith("libggml-vulkan.so"));
console.log(JSON.stringify({ mapped, gpu: llama.gpu, libs: [...new Set(libs)] }));
await llama.dispose();
`,
  );
  const child = spawnSync(process.execPath, [script, storage, version], { encoding: "utf8", timeout: 120_000 });
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { mapped: string[]; gpu: string; libs: string[] };
  assert.deepEqual(report.mapped, [PKG]);
  assert.equal(report.gpu, "vulkan");
  assert.deepEqual(report.libs, [path.join(gpuPackagesRoot(storage), PKG, "bins", "linux-x64-vulkan", "libggml-vulkan.so")]);
  await fs.rm(storage, { recursive: true, force: true });
});
