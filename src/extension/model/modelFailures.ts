// Downloads that failed, remembered across windows and restarts (global state, like the model
// settings they come from): a reference whose download failed is not tried again at every start
// (which stalled each start for up to a minute), until the user asks for it with Retry or changes
// the setting. The setting itself is left as the user wrote it.
import * as vscode from "vscode";
import type { EngineSettings, ModelFailure } from "../../shared/protocol.js";

const KEY = "docent.failedDownloads";

export interface FailedDownload {
  setting: ModelFailure["setting"];
  ref: string;
  message: string;
  /** When it failed (ISO time). */
  at: string;
}

export class FailedDownloads {
  constructor(private readonly state: vscode.Memento) {}

  list(): FailedDownload[] {
    const saved = this.state.get<unknown>(KEY, []);
    return Array.isArray(saved) ? saved.filter((f): f is FailedDownload => typeof f?.ref === "string" && typeof f?.setting === "string") : [];
  }

  async record(failure: ModelFailure): Promise<void> {
    if (!failure.download) return;
    const rest = this.list().filter((f) => !(f.setting === failure.setting && f.ref === failure.ref));
    await this.state.update(KEY, [...rest, { setting: failure.setting, ref: failure.ref, message: failure.message, at: new Date().toISOString() }].slice(-10));
  }

  /** Forgets the failures of one setting (it changed, or Retry), or of one reference in it. */
  async forget(setting: ModelFailure["setting"], ref?: string): Promise<void> {
    await this.state.update(
      KEY,
      this.list().filter((f) => f.setting !== setting || (ref !== undefined && f.ref !== ref)),
    );
  }

  /** The settings without the references whose download failed before, and which those were. */
  apply(settings: EngineSettings): { settings: EngineSettings; skipped: FailedDownload[] } {
    const failed = this.list();
    const find = (setting: ModelFailure["setting"], ref: string | undefined) => failed.find((f) => f.setting === setting && f.ref === ref);
    const skipped: FailedDownload[] = [];
    const keep = (setting: ModelFailure["setting"], ref: string | undefined): boolean => {
      const f = find(setting, ref);
      if (f) skipped.push(f);
      return !f;
    };
    return {
      settings: {
        ...settings,
        chatModel: keep("chatModel", settings.chatModel) ? settings.chatModel : undefined,
        embeddingModel: keep("embeddingModel", settings.embeddingModel) ? settings.embeddingModel : undefined,
        lora: settings.lora.filter((a) => keep("loraAdapters", a.path)),
      },
      skipped,
    };
  }
}

/** The words for a setting in messages. */
export function settingLabel(setting: ModelFailure["setting"]): string {
  return setting === "chatModel" ? "chat model" : setting === "embeddingModel" ? "embedding model" : "LoRA adapter";
}
