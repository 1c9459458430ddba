// Model Status with real node-llama-cpp on a tiny model: on this machine "GPU auto" loads the
// Vulkan binary, whose only device would be Mesa's software renderer (llvmpipe), so no layer is
// offloaded; the engine must say it runs on the CPU and why. Also: Enable CUDA through the engine
// against a registry on loopback, and the fallback when the CUDA binary from storage cannot load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import { explainGpuUnused } from "../../src/engine/model/local/gpuBackend.js";
import { cudaPackageNames, hasSystemCudaRuntime } from "../../src/engine/model/local/gpuPackages.js";
import { modelStatusLines } from "../../src/shared/modelStatusText.js";
import { DEFAULT_PIPELINE } from "../../src/shared/pipelineSettings.js";
import type { EngineSettings, ModelStatus } from "../../src/shared/protocol.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { makeTempDir, tempDocs, writeTree } from "../helpers/tempDocs.js";
import { engineSettings } from "../fixtures/engineSettings.js";

const DOCS = { "metrics.md": "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n" };

function settings(extra: Partial<EngineSettings> = {}): EngineSettings {
  return engineSettings({ gpu: "auto", pipeline: { ...DEFAULT_PIPELINE, draftMaxTokens: 8, answerMaxTokens: 16 }, ...extra });
}

async function startEngine(extra: Partial<EngineSettings>, gpuPackagesDir?: string) {
  const root = await tempDocs(DOCS);
  const storageDir = await makeTempDir();
  const logs: string[] = [];
  const engine = new Engine({
    ...workspaceEngineOptions({ roots: [root], storageDir, modelsDir: path.join(storageDir, "models"), settings: settings(extra), gpuPackagesDir }),
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(`ERROR ${m}`) },
  });
  await engine.start();
  return { engine, logs };
}

function vulkanLoaderPresent(): boolean {
  return ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1", "/usr/lib/libvulkan.so.1"].some((f) => existsSync(f));
}

const base: ModelStatus = {
  backend: "cpu",
  binary: "cpu",
  gpuSetting: "auto",
  devices: [],
  model: "m.gguf",
  layers: { offloaded: 0, total: 29 },
  cuda: { supported: true, installed: [], nvidiaDriver: false },
};
const noGpu = { platform: "linux" as const, nvidiaDriver: false, renderNode: false };

test("why a GPU is unused, and the fix, for each way it happens", () => {
  assert.equal(explainGpuUnused(base, noGpu), undefined, "a machine without a GPU: nothing to explain");
  assert.equal(explainGpuUnused({ ...base, backend: "cuda", binary: "cuda", devices: ["RTX 4090"], layers: { offloaded: 29, total: 29 } }, noGpu), undefined);
  assert.match(explainGpuUnused({ ...base, gpuSetting: "off" }, noGpu)!.fix, /docent\.gpu to "auto"/);
  const nvidiaCpu = explainGpuUnused(base, { ...noGpu, nvidiaDriver: true })!;
  assert.match(nvidiaCpu.reason, /NVIDIA driver is installed, but only the CPU binary/);
  assert.match(nvidiaCpu.fix, /Docent: Enable CUDA/);
  const amd = explainGpuUnused(base, { ...noGpu, renderNode: true })!;
  assert.match(amd.fix, /Vulkan driver/);
  const llvmpipe = explainGpuUnused({ ...base, binary: "vulkan" }, noGpu)!;
  assert.match(llvmpipe.reason, /Vulkan lists no GPU device/);
  assert.match(llvmpipe.fix, /Mesa RADV for AMD, ANV for Intel/);
  const full = explainGpuUnused(
    { ...base, binary: "vulkan", devices: ["Radeon 780M"], vram: { totalBytes: 2 ** 31, usedBytes: 2 ** 31 - 2 ** 26, freeBytes: 2 ** 26 } },
    noGpu,
  )!;
  assert.match(full.reason, /Radeon 780M.*none of the model's 29 layers fit.*0\.1 GiB of VRAM free/);
  const cudaFailed = explainGpuUnused(
    { ...base, binary: "vulkan", cuda: { ...base.cuda, installed: ["@node-llama-cpp/linux-x64-cuda"], error: "libcuda.so.1: cannot open" } },
    noGpu,
  )!;
  assert.match(cudaFailed.reason, /CUDA binary fetched by Enable CUDA did not load: libcuda\.so\.1/);
});

test("the text of Model Status names backend, device, VRAM, layers, context, threads and speed", () => {
  const lines = modelStatusLines({
    ...base,
    backend: "cuda",
    binary: "cuda",
    devices: ["NVIDIA H200"],
    vram: { totalBytes: 140 * 2 ** 30, usedBytes: 2 * 2 ** 30, freeBytes: 138 * 2 ** 30 },
    layers: { offloaded: 29, total: 29 },
    contextSize: 4096,
    threads: 1,
    lastAnswer: { tokensPerSecond: 151.26, tokens: 200, firstTokenMs: 42.4 },
  });
  assert.deepEqual(lines, [
    "Backend: CUDA",
    "Device: NVIDIA H200",
    "VRAM: 2.00 GiB used, 138.00 GiB free of 140.00 GiB",
    "Model: m.gguf",
    "Layers on the GPU: 29 of 29",
    "Context: 4,096 tokens",
    "Threads: 1",
    "Last answer: 151.3 tokens/s (200 tokens, first token after 42 ms)",
  ]);
});

test("GPU auto on this machine: the Vulkan binary loads, offloads 0 layers, the model answers on the CPU, and Model Status says why", async (t) => {
  if (process.platform !== "linux" || process.arch !== "x64" || !vulkanLoaderPresent()) {
    const why = "needs linux-x64 with the Vulkan loader and Mesa's Vulkan drivers (scripts/install-test-deps.sh installs mesa-vulkan-drivers)";
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const models = await ensureTinyModels();
  const { engine } = await startEngine({ chatModel: models.chatTemplate });
  try {
    assert.equal(engine.getStatus().model, "tiny-chat-template.gguf");
    assert.equal(engine.getStatus().device, "cpu", "the device is where the model runs, not the binary's GPU type");
    const before = await engine.modelStatus();
    assert.equal(before.binary, "vulkan");
    assert.equal(before.backend, "cpu");
    assert.deepEqual(before.devices, []);
    assert.equal(before.vram, undefined);
    assert.deepEqual(before.layers, { offloaded: 0, total: 3 });
    assert.equal(before.threads, 1);
    assert.ok(before.contextSize! > 0);
    assert.equal(before.lastAnswer, undefined);
    assert.match(before.gpuUnused!.reason, /Vulkan binary loaded, but Vulkan lists no GPU device/);

    const result = await engine.ask({ id: "q", question: "What is jvm.memory.used?" });
    assert.equal(result.mode, "model");
    const after = await engine.modelStatus();
    assert.equal(after.lastAnswer!.tokens, result.tokens.answer);
    assert.ok(after.lastAnswer!.tokensPerSecond > 0);
    assert.equal(after.lastAnswer!.tokensPerSecond, result.tokensPerSecond.answer);
    assert.ok(modelStatusLines(after).includes("Backend: CPU (Vulkan binary loaded)"));
  } finally {
    await engine.dispose();
  }
});

test("Enable CUDA through the engine: the CUDA packages of node-llama-cpp's version come from the configured registry; one that cannot load falls back to Vulkan/CPU and says why", async (t) => {
  const names = cudaPackageNames();
  if (!names || process.platform !== "linux") {
    t.skip("CUDA packages exist for linux-x64 and win32-x64 only; this test runs on linux-x64");
    return;
  }
  // CUDA cannot run here (no NVIDIA GPU): the registry serves packages with the real names and
  // node-llama-cpp's version, packed by npm, whose bins folder is empty, so loading CUDA fails as
  // it would with a broken driver, and the fallback is exercised with real node-llama-cpp.
  const version = (JSON.parse(await fs.readFile(path.join("node_modules", "node-llama-cpp", "package.json"), "utf8")) as { version: string }).version;
  const work = await makeTempDir();
  const tarballs = new Map<string, Buffer>();
  for (const name of [names.binary, names.runtime]) {
    const dir = path.join(work, name.split("/")[1]!);
    await writeTree(dir, {
      "package.json": JSON.stringify({ name, version, type: "module", main: "dist/index.js", files: ["dist/"] }),
      "dist/index.js":
        'import path from "node:path"; import { fileURLToPath } from "node:url";\n' +
        `export function getBinsDir() { return { binsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bins"), packageVersion: ${JSON.stringify(version)} }; }\n`,
    });
    const file = execFileSync("npm", ["pack", dir, "--pack-destination", work, "--silent"], { encoding: "utf8" }).trim().split("\n").at(-1)!;
    tarballs.set(name, await fs.readFile(path.join(work, file)));
  }
  const server = http.createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    for (const [name, tgz] of tarballs) {
      const slug = name.replace("/", "%2f");
      if (req.url === `/${slug}/${version}`) {
        const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
        res.end(JSON.stringify({ name, version, dist: { tarball: `http://127.0.0.1:${port}/${slug}.tgz`, integrity } }));
        return;
      }
      if (req.url === `/${slug}.tgz`) return void res.end(tgz);
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const previous = process.env.npm_config_registry;
  process.env.npm_config_registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gpuDir = path.join(work, "global-storage");
  try {
    const first = await startEngine({}, gpuDir);
    const progress: string[] = [];
    const enabled = await first.engine.enableCuda((p) => progress.push(p.name));
    await first.engine.dispose();
    const runtimeNeeded = !(await hasSystemCudaRuntime());
    assert.deepEqual(
      enabled.installed.map((p) => p.name),
      runtimeNeeded ? [names.binary, names.runtime] : [names.binary],
    );
    assert.ok(enabled.installed.every((p) => p.version === version));
    assert.ok(progress.includes(names.binary));

    // The next engine finds them, tries CUDA, and falls back with the reason kept.
    const models = await ensureTinyModels();
    const second = await startEngine({ chatModel: models.chatTemplate }, gpuDir);
    try {
      const status = await second.engine.modelStatus();
      assert.ok(status.cuda.installed.includes(names.binary));
      assert.ok(status.cuda.error, "the CUDA failure is reported");
      assert.notEqual(status.binary, "cuda");
      assert.equal(second.engine.getStatus().model, "tiny-chat-template.gguf", "the model still loads, on Vulkan/CPU");
      assert.match(status.gpuUnused?.reason ?? "", /CUDA binary fetched by Enable CUDA did not load/);
      assert.ok(second.logs.some((l) => /CUDA binary from storage did not load/.test(l)));
    } finally {
      await second.engine.dispose();
    }
  } finally {
    if (previous === undefined) delete process.env.npm_config_registry;
    else process.env.npm_config_registry = previous;
    await new Promise<void>((r) => server.close(() => r()));
    await fs.rm(work, { recursive: true, force: true });
  }
});
