// The engine's status: one object that the index keeper and the model host both update, sent to
// the clients at every change (the status bar, the chat's status line, the CLI's progress).
import { isRemoteModelReference } from "./model/download/references.js";
import type { Logger } from "./util/logger.js";
import type { EngineStatus, ModelFailure } from "../shared/protocol.js";

export class EngineStatusBoard {
  private readonly status: EngineStatus = { state: "starting", files: 0, sections: 0, warnings: [], pid: process.pid };

  constructor(
    private readonly logger: Logger,
    private readonly publish: (status: EngineStatus) => void,
    /** The index's counts once it is open: every status sent carries them. */
    private readonly counts: () => { files: number; sections: number } | undefined,
  ) {}

  /** A copy, safe to send or keep. */
  get(): EngineStatus {
    return { ...this.status, warnings: [...this.status.warnings] };
  }

  /** The chat model's name, when one is loaded or connected. */
  get model(): string | undefined {
    return this.status.model;
  }

  /** "cuda", "vulkan", "metal", "cpu" or "server" when a chat model is loaded. */
  get device(): string | undefined {
    return this.status.device;
  }

  /** Changes the status and sends it. */
  set(patch: Partial<EngineStatus>): void {
    Object.assign(this.status, patch);
    const counts = this.counts();
    if (counts) {
      this.status.files = counts.files;
      this.status.sections = counts.sections;
    }
    this.publish(this.get());
  }

  /** Changes the status without sending it: the change goes out with the next set(). */
  note(patch: Partial<EngineStatus>): void {
    Object.assign(this.status, patch);
  }

  /** Logs an error and shows it with the status (the last five, each once). */
  warn(message: string): void {
    this.logger.error(message);
    this.status.warnings = [...this.status.warnings.filter((w) => w !== message), message].slice(-5);
    this.set({});
  }

  /** Drops the warnings that start with `prefix` (all of them without one); sent with the next set(). */
  dropWarnings(prefix?: string): void {
    this.status.warnings = prefix === undefined ? [] : this.status.warnings.filter((w) => !w.startsWith(prefix));
  }

  /** Remembers which model failed (shown with the next status), so the editor can offer Retry or another file. */
  modelFailed(setting: ModelFailure["setting"], ref: string | undefined, err: unknown): void {
    if (!ref) return;
    this.status.modelFailure = { setting, ref, message: (err as Error).message, download: isRemoteModelReference(ref) };
  }
}
