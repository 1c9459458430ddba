// The status bar item: indexing, ready (files and sections), model loading, or error.
import * as vscode from "vscode";
import { modelStatusLines } from "../shared/modelStatusText.js";
import type { EngineStatus, ModelStatus } from "../shared/protocol.js";
import { Disposable } from "./disposable.js";

export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem("docent.status", vscode.StatusBarAlignment.Left, 10));
  private lastStatus?: EngineStatus;
  /** Model Status lines for the tooltip (backend, device, VRAM, layers, speed); set after the engine reports. */
  private modelLines: string[] = [];

  constructor() {
    super();
    this.item.name = "Docent";
    this.item.command = "docent.chat.focus";
    this.show({ state: "starting", files: 0, sections: 0, warnings: [] });
    this.item.show();
  }

  /** Model Status in the tooltip; undefined clears it (no engine, or no model). */
  showModelStatus(status: ModelStatus | undefined): void {
    this.modelLines = status?.model ? modelStatusLines(status) : [];
    if (this.lastStatus) this.show(this.lastStatus);
  }

  get tooltip(): string {
    return typeof this.item.tooltip === "string" ? this.item.tooltip : (this.item.tooltip?.value ?? "");
  }

  show(status: EngineStatus): void {
    this.lastStatus = status;
    const count = `${status.files.toLocaleString("en-US")} files · ${status.sections.toLocaleString("en-US")} sections`;
    const pct = status.progress !== undefined ? ` ${Math.round(status.progress * 100)}%` : "";
    switch (status.state) {
      case "starting":
        this.item.text = "$(loading~spin) Docent";
        break;
      case "indexing":
        this.item.text = status.indexed
          ? `$(sync~spin) Docent: indexing ${status.indexed.done}/${status.indexed.total}`
          : `$(sync~spin) Docent: indexing${status.files ? ` (${status.files})` : ""}`;
        break;
      case "loading-model":
        this.item.text = "$(loading~spin) Docent: loading model";
        break;
      case "downloading-model":
        this.item.text = `$(cloud-download) Docent: downloading model${pct}`;
        break;
      case "ready":
        this.item.text = `${status.warnings.length ? "$(warning)" : "$(book)"} Docent: ${count}`;
        break;
      case "error":
        this.item.text = "$(error) Docent";
        break;
    }
    const model = status.model ? `Model: ${status.model} on ${status.device ?? "cpu"}` : "No chat model: answers show the best-matching sections";
    const lines = [`Docent — ${status.message ?? status.state}`, count, model, ...this.modelLines, ...status.warnings.map((w) => `⚠ ${w}`)];
    this.item.tooltip = lines.join("\n");
    this.item.backgroundColor = status.state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }
}
