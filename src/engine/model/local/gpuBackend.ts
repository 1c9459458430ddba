// Which llama.cpp binary the engine loads, and what Model Status says about it. With "GPU auto"
// node-llama-cpp tries CUDA, then Vulkan, then the CPU binary, among the binary packages it can
// import. CUDA fetched by "Docent: Enable CUDA" lives in global storage (gpuPackages.ts): when it
// is there, the engine maps its package names and asks for CUDA explicitly first (node-llama-cpp's
// own "auto" tries CUDA only when the CUDA runtime is installed system-wide, which the `-cuda-ext`
// package makes unnecessary), and falls back to "auto" with the reason kept for Model Status.
import { existsSync, readdirSync } from "node:fs";
import * as os from "node:os";
import { backendLabel as label } from "../../../shared/modelStatusText.js";
import type { ModelStatus } from "../../../shared/protocol.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import { cudaPackageNames, installedGpuPackages, registerGpuPackages } from "./gpuPackages.js";
import type { GpuSetting } from "./gpuSetting.js";
import { getLlamaInstance, type ChatModel } from "./llm.js";
import { importNodeLlamaCpp, type NodeLlamaCpp } from "./nodeLlamaCpp.js";

export type Llama = Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>;

export interface LlamaBackend {
  llama: Llama;
  /** CUDA packages found in storage and mapped for node-llama-cpp. */
  cudaInstalled: string[];
  /** Why the CUDA binary from storage was not used, when it was not. */
  cudaError?: string;
}

/** The Llama for a GPU setting, preferring CUDA from storage when it was fetched. */
export async function loadLlamaBackend(gpu: GpuSetting, logger: Logger = silentLogger, gpuPackagesDir?: string): Promise<LlamaBackend> {
  if (gpu === "off" || !gpuPackagesDir) return { llama: await getLlamaInstance(gpu, logger), cudaInstalled: [] };
  const { getModuleVersion } = await importNodeLlamaCpp();
  const installed = await installedGpuPackages(gpuPackagesDir, await getModuleVersion());
  const cuda = cudaPackageNames();
  const cudaInstalled = installed.filter((p) => p.name === cuda?.binary || p.name === cuda?.runtime).map((p) => p.name);
  if (!cuda || !cudaInstalled.includes(cuda.binary)) return { llama: await getLlamaInstance(gpu, logger), cudaInstalled };
  try {
    await registerGpuPackages(installed);
    const llama = await getLlamaInstance("cuda", logger);
    logger.info(`CUDA binary from ${gpuPackagesDir} loaded`);
    return { llama, cudaInstalled };
  } catch (err) {
    const cudaError = (err as Error).message.split("\n")[0]!;
    logger.warn(`The CUDA binary from storage did not load (${cudaError}); trying Vulkan and the CPU`);
    return { llama: await getLlamaInstance(gpu, logger), cudaInstalled, cudaError };
  }
}

/** An NVIDIA driver on this machine (the files node-llama-cpp also looks for). */
export function hasNvidiaDriver(platform: NodeJS.Platform = process.platform): boolean {
  if (platform === "linux")
    return (
      existsSync("/proc/driver/nvidia/version") || ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"].some((d) => existsSync(`${d}/libnvidia-ml.so.1`))
    );
  if (platform === "win32") return existsSync(`${process.env.windir ?? "C:\\Windows"}\\System32\\nvml.dll`);
  return false;
}

/** A GPU the kernel exposes for rendering (Linux DRM render nodes); software renderers have none. */
export function hasRenderNode(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== "linux") return false;
  try {
    return readdirSync("/dev/dri").some((n) => n.startsWith("renderD"));
  } catch {
    return false;
  }
}

export interface ModelStatusInput {
  gpuSetting: GpuSetting;
  backend?: LlamaBackend;
  chat?: ChatModel;
  lastAnswer?: ModelStatus["lastAnswer"];
  /** Facts about the machine; read from it when absent (tests pass their own). */
  machine?: { platform: NodeJS.Platform; nvidiaDriver: boolean; renderNode: boolean };
}

/** What Model Status shows: backend, devices, VRAM, layers, context, threads, speed, and why a GPU is unused. */
export async function describeModelStatus(input: ModelStatusInput): Promise<ModelStatus> {
  const machine = input.machine ?? { platform: process.platform, nvidiaDriver: hasNvidiaDriver(), renderNode: hasRenderNode() };
  const llama = input.backend?.llama;
  const binary = llama ? llama.gpu || "cpu" : undefined;
  const devices = llama && llama.gpu ? await llama.getGpuDeviceNames().catch(() => []) : [];
  const vramState = llama && llama.gpu ? await llama.getVramState().catch(() => undefined) : undefined;
  const vram = vramState && vramState.total > 0 ? { totalBytes: vramState.total, usedBytes: vramState.used, freeBytes: vramState.free } : undefined;
  const chat = input.chat;
  const layers = chat ? { offloaded: chat.gpuLayers, total: chat.model.fileInsights.totalLayers } : undefined;
  const backend = binary && binary !== "cpu" && (layers ? layers.offloaded > 0 : devices.length > 0) ? binary : "cpu";
  const status: ModelStatus = {
    backend,
    binary,
    gpuSetting: input.gpuSetting,
    devices,
    vram,
    model: chat?.path.split(/[\\/]/).pop(),
    layers,
    contextSize: chat?.contextSize,
    threads: chat?.threads,
    readThreads: chat?.readThreads,
    lastAnswer: input.lastAnswer,
    cuda: {
      supported: cudaPackageNames(machine.platform, os.arch()) !== undefined,
      installed: input.backend?.cudaInstalled ?? [],
      nvidiaDriver: machine.nvidiaDriver,
      error: input.backend?.cudaError,
    },
  };
  const unused = explainGpuUnused(status, machine);
  if (unused) status.gpuUnused = unused;
  return status;
}

/**
 * Why the model runs on the CPU although a GPU seems present, and what fixes it; undefined when
 * it runs on a GPU, or when nothing suggests this machine has one.
 */
export function explainGpuUnused(s: ModelStatus, machine: { platform: NodeJS.Platform; nvidiaDriver: boolean; renderNode: boolean }): ModelStatus["gpuUnused"] {
  if (s.backend !== "cpu" || !s.binary) return undefined;
  const enableCuda = s.cuda.supported && s.cuda.installed.length === 0 ? ' or run "Docent: Enable CUDA"' : "";
  if (s.gpuSetting === "off") return { reason: 'The GPU is switched off in Docent\'s settings (docent.gpu is "off").', fix: 'Set docent.gpu to "auto".' };
  if (s.cuda.error) {
    return {
      reason: `The CUDA binary fetched by Enable CUDA did not load: ${s.cuda.error}`,
      fix: 'Update the NVIDIA driver (CUDA 12 needs driver 525 or later), then reload the window; or run "Docent: Enable CUDA" again.',
    };
  }
  if (s.binary !== "cpu" && s.devices.length > 0 && s.layers && s.layers.offloaded === 0) {
    const free = s.vram ? ` (${(s.vram.freeBytes / 2 ** 30).toFixed(1)} GiB of VRAM free)` : "";
    return {
      reason: `The ${label(s.binary)} GPU ${s.devices.join(", ")} is in use, but none of the model's ${s.layers.total} layers fit in its free memory${free}.`,
      fix: "Close other programs that use the GPU, choose a smaller model or quantisation, or lower docent.contextSize.",
    };
  }
  if (s.binary === "vulkan" && s.devices.length === 0) {
    return {
      reason:
        "The Vulkan binary loaded, but Vulkan lists no GPU device (llama.cpp does not use a software renderer such as llvmpipe), so no layers were offloaded.",
      fix: machine.nvidiaDriver
        ? `Install NVIDIA's Vulkan driver (part of the NVIDIA driver package)${enableCuda}, then reload the window.`
        : `Install your GPU's Vulkan driver (Mesa RADV for AMD, ANV for Intel, or NVIDIA's driver)${enableCuda}, then reload the window. Without a GPU the model runs on the CPU.`,
    };
  }
  if (s.binary === "cpu" && (machine.nvidiaDriver || machine.renderNode)) {
    const gpu = machine.nvidiaDriver ? "An NVIDIA driver is installed" : "A GPU is present (/dev/dri)";
    return {
      reason: `${gpu}, but only the CPU binary of llama.cpp loaded (no CUDA binary, and no Vulkan loader or driver was found).`,
      fix: machine.nvidiaDriver
        ? `Run "Docent: Enable CUDA"${s.cuda.supported ? "" : " (not available on this platform)"}, or install the Vulkan loader (libvulkan1) and reload the window.`
        : "Install the Vulkan loader and your GPU's Vulkan driver (e.g. libvulkan1 and mesa-vulkan-drivers), then reload the window.",
    };
  }
  return undefined;
}
