// Model-related CLI options, shared by `ask`, `eval --answers` and `dataset`.
import type { GpuSetting } from "../engine/model/local/gpuSetting.js";
import { parseServerUrl } from "../engine/model/remote/serverUrl.js";
import { intOption, numberOption, UsageError } from "./args.js";

export const modelOptions = {
  model: { type: "string" },
  "embedding-model": { type: "string" },
  lora: { type: "string", multiple: true },
  gpu: { type: "string" },
  threads: { type: "string" },
  "context-size": { type: "string" },
  "models-dir": { type: "string" },
  server: { type: "string" },
  "server-model": { type: "string" },
  "server-embedding-model": { type: "string" },
  "server-embedding-url": { type: "string" },
  "server-timeout": { type: "string" },
} as const;

export interface ModelFlags {
  model?: string;
  "embedding-model"?: string;
  lora?: string[];
  gpu?: string;
  threads?: string;
  "context-size"?: string;
  "models-dir"?: string;
  server?: string;
  "server-model"?: string;
  "server-embedding-model"?: string;
  "server-embedding-url"?: string;
  "server-timeout"?: string;
}

/** `path[:scale]`, scale defaulting to 1. A Windows drive letter is not a scale. */
export function parseLora(spec: string): { ref: string; scale: number } {
  const m = /^(.*?):(-?\d+(?:\.\d+)?)$/.exec(spec);
  if (!m || m[1]!.length === 0) return { ref: spec, scale: 1 };
  return { ref: m[1]!, scale: numberOption(m[2], "lora scale", 1, -4, 4) };
}

/** The model part of the engine's settings, checked; references are resolved by the engine. */
export function modelSettingsFrom(flags: ModelFlags) {
  if (flags.lora?.length && !flags.model) throw new UsageError("--lora needs --model");
  if ((flags["server-model"] || flags["server-embedding-model"] || flags["server-embedding-url"] || flags["server-timeout"]) && !flags.server) {
    throw new UsageError("--server-model, --server-embedding-model, --server-embedding-url and --server-timeout need --server URL");
  }
  for (const flag of ["server", "server-embedding-url"] as const) {
    const url = flags[flag];
    if (!url) continue;
    try {
      parseServerUrl(url);
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message.replace(/^docent\.server\.url /, "")}`);
    }
  }
  const gpu = (flags.gpu ?? "auto") as GpuSetting;
  if (gpu !== "auto" && gpu !== "off") throw new UsageError('--gpu is "auto" or "off"');
  return {
    chatModel: flags.model,
    embeddingModel: flags["embedding-model"],
    lora: (flags.lora ?? []).map(parseLora).map(({ ref, scale }) => ({ path: ref, scale })),
    gpu,
    threads: flags.threads ? intOption(flags.threads, "threads", 1) : undefined,
    contextSize: flags["context-size"] ? intOption(flags["context-size"], "context-size", 4096) : undefined,
    server: flags.server
      ? {
          url: flags.server,
          chatModel: flags["server-model"],
          embeddingModel: flags["server-embedding-model"],
          embeddingUrl: flags["server-embedding-url"],
          timeoutSeconds: flags["server-timeout"] ? intOption(flags["server-timeout"], "server-timeout", 60) : undefined,
        }
      : undefined,
  };
}
