// Model-related CLI options, shared by `ask`, `eval --answers` and `dataset`.
import { ModelHost, type GpuSetting, type ModelSettings } from "../engine/model/llm.js";
import { resolveModelReference } from "../engine/model/download.js";
import { userCacheDir } from "../engine/index/openIndex.js";
import type { Logger } from "../engine/util/logger.js";
import { intOption, numberOption, UsageError } from "./args.js";

export const modelOptions = {
  model: { type: "string" },
  "embedding-model": { type: "string" },
  lora: { type: "string", multiple: true },
  gpu: { type: "string" },
  threads: { type: "string" },
  "context-size": { type: "string" },
  "models-dir": { type: "string" },
} as const;

export interface ModelFlags {
  model?: string;
  "embedding-model"?: string;
  lora?: string[];
  gpu?: string;
  threads?: string;
  "context-size"?: string;
  "models-dir"?: string;
}

export function defaultModelsDir(): string {
  return userCacheDir("models");
}

/** `path[:scale]`, scale defaulting to 1. A Windows drive letter is not a scale. */
export function parseLora(spec: string): { ref: string; scale: number } {
  const m = /^(.*?):(-?\d+(?:\.\d+)?)$/.exec(spec);
  if (!m || m[1]!.length === 0) return { ref: spec, scale: 1 };
  return { ref: m[1]!, scale: numberOption(m[2], "lora scale", 1, -4, 4) };
}

/** Resolves paths and hf: references (downloading with progress on stderr) and loads the models. */
export async function loadModels(flags: ModelFlags, logger: Logger, signal?: AbortSignal): Promise<ModelHost | undefined> {
  if (!flags.model && !flags["embedding-model"]) {
    if (flags.lora?.length) throw new UsageError("--lora needs --model");
    return undefined;
  }
  const gpu = (flags.gpu ?? "auto") as GpuSetting;
  if (gpu !== "auto" && gpu !== "off") throw new UsageError('--gpu is "auto" or "off"');
  const modelsDir = flags["models-dir"] ?? defaultModelsDir();
  const resolve = (ref: string) =>
    resolveModelReference(ref, {
      modelsDir,
      signal,
      onProgress: ({ downloadedBytes, totalBytes, fileName }) => {
        const pct = totalBytes ? ((100 * downloadedBytes) / totalBytes).toFixed(1) : "?";
        process.stderr.write(`\rdownloading ${fileName}: ${pct}%`);
        if (totalBytes && downloadedBytes >= totalBytes) process.stderr.write("\n");
      },
    });
  const settings: ModelSettings = {
    chatModel: flags.model ? await resolve(flags.model) : undefined,
    embeddingModel: flags["embedding-model"] ? await resolve(flags["embedding-model"]) : undefined,
    lora: await Promise.all((flags.lora ?? []).map(parseLora).map(async ({ ref, scale }) => ({ path: await resolve(ref), scale }))),
    gpu,
    threads: flags.threads ? intOption(flags.threads, "threads", 1) : undefined,
    contextSize: flags["context-size"] ? intOption(flags["context-size"], "context-size", 4096) : undefined,
  };
  return ModelHost.load(settings, logger);
}
