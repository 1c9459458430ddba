// Docent's settings, read through typed getters in one place. Model and adapter paths come from
// user settings only (they are "machine"-scoped in package.json, and read here from the global
// value alone), so a workspace cannot make Docent load a file of its choosing.
import * as vscode from "vscode";
import { DEFAULT_MEMORY_BUDGET_MB } from "../shared/defaults.js";
import { DEFAULT_PIPELINE } from "../shared/pipelineSettings.js";
import type { EngineSettings, ServerSettings } from "../shared/protocol.js";

const SECTION = "docent";

function get<T>(key: string, fallback: T): T {
  return vscode.workspace.getConfiguration(SECTION).get<T>(key, fallback);
}

/** The user-level value only: workspace and folder values are ignored on purpose. */
function userOnly<T>(key: string, fallback: T): T {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

export function engineSettings(): EngineSettings {
  const threads = get<number>("threads", 0);
  const chatModel = userOnly<string>("chatModel", "").trim();
  const embeddingModel = userOnly<string>("embeddingModel", "").trim();
  return {
    include: get<string[]>("docs.include", []),
    exclude: get<string[]>("docs.exclude", []),
    maxFileBytes: Math.round(get<number>("docs.maxFileSizeMB", 2) * 1024 * 1024),
    memoryBudgetMB: get<number>("index.memoryBudgetMB", DEFAULT_MEMORY_BUDGET_MB),
    // Paths are resolved by the engine (~, relative paths, hf: references), as by the CLI.
    chatModel: chatModel || undefined,
    embeddingModel: embeddingModel || undefined,
    lora: userOnly<{ path: string; scale?: number }[]>("loraAdapters", [])
      .filter((a) => a && typeof a.path === "string" && a.path.trim())
      .map((a) => ({ path: a.path.trim(), scale: typeof a.scale === "number" ? a.scale : 1 })),
    gpu: get<"auto" | "off">("gpu", "auto") === "off" ? "off" : "auto",
    threads: threads > 0 ? threads : undefined,
    contextSize: get<number>("contextSize", 4096),
    server: serverSettings(),
    pipeline: {
      ...DEFAULT_PIPELINE,
      draft: get<boolean>("draft.enabled", true),
      draftForNamedTerms: get<boolean>("draft.whenTermNamed", DEFAULT_PIPELINE.draftForNamedTerms),
      draftMaxTokens: get<number>("draft.maxTokens", DEFAULT_PIPELINE.draftMaxTokens),
      answerMaxTokens: get<number>("answer.maxTokens", DEFAULT_PIPELINE.answerMaxTokens),
      sources: get<number>("sources", DEFAULT_PIPELINE.sources),
      firstTokenSeconds: get<number>("answer.firstTokenSeconds", DEFAULT_PIPELINE.firstTokenSeconds),
    },
  };
}

/**
 * The team's model server, from user settings only: a workspace that named the server would
 * choose where the user's questions and docs are sent.
 */
function serverSettings(): ServerSettings | undefined {
  const url = userOnly<string>("server.url", "").trim();
  if (!url) return undefined;
  const timeoutSeconds = userOnly<number>("server.timeoutSeconds", 60);
  return {
    url,
    chatModel: userOnly<string>("server.chatModel", "").trim() || undefined,
    embeddingModel: userOnly<string>("server.embeddingModel", "").trim() || undefined,
    embeddingUrl: userOnly<string>("server.embeddingUrl", "").trim() || undefined,
    timeoutSeconds: typeof timeoutSeconds === "number" && timeoutSeconds > 0 ? timeoutSeconds : 60,
  };
}

/** Whether a configuration change concerns Docent at all. */
export function affectsDocent(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}

/** The file watcher is built from the include globs, so changing them needs a new engine. */
export function affectsWatcher(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${SECTION}.docs.include`);
}

export async function setUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}
