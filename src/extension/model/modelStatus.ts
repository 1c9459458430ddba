// "Docent: Show Model Status": where the chat model runs (CUDA, Vulkan, Metal or the CPU), its
// devices, VRAM, layers on the GPU, context, threads and the last answer's speed, and, when a GPU
// is present but unused, why and how to fix it. The engine reports it (ModelStatusRequest); this
// renders it as a read-only Markdown document (a `docent-status:` URI served from memory: no
// "Untitled" buffer that asks to be saved), and offers "Enable CUDA" or "Select Model" when that
// is the fix.
import * as vscode from "vscode";
import { modelStatusLines } from "../../shared/modelStatusText.js";
import type { ModelStatus } from "../../shared/protocol.js";
import type { EngineClient } from "../engineClient.js";

export interface ShownModelStatus {
  status: ModelStatus;
  /** The document's text. */
  text: string;
}

/** The read-only document's address; its path's ".md" gives it Markdown's colours. */
export const MODEL_STATUS_URI = vscode.Uri.from({ scheme: "docent-status", path: "/Model Status.md" });

/** Serves the Model Status document's text from memory (the last one shown). */
class ModelStatusDocument implements vscode.TextDocumentContentProvider {
  private text = "";
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(): string {
    return this.text;
  }

  show(text: string): void {
    this.text = text;
    this.changed.fire(MODEL_STATUS_URI);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const statusDocument = new ModelStatusDocument();

/** Registers the `docent-status:` scheme (at activation). */
export function registerModelStatusDocument(): vscode.Disposable {
  return vscode.Disposable.from(vscode.workspace.registerTextDocumentContentProvider(MODEL_STATUS_URI.scheme, statusDocument), statusDocument);
}

/** Said when no chat model is loaded: what answers are then, and where to choose one. */
export const NO_MODEL_NOTE =
  "No chat model is loaded, so answers are the best-matching sections of the docs, with their lines. Choose a model with **Docent: Select Model**.";

export function modelStatusMarkdown(s: ModelStatus): string {
  const lines = modelStatusLines(s).filter((l) => !l.startsWith("GPU unused:") && !l.startsWith("Fix:"));
  const out = ["# Docent: Model Status", "", ...(s.model ? [] : [NO_MODEL_NOTE, ""]), ...lines.map((l) => `- ${l}`)];
  if (s.gpuUnused) out.push("", "## The GPU is not used", "", s.gpuUnused.reason, "", `**Fix:** ${s.gpuUnused.fix}`);
  out.push("", `GPU setting: \`docent.gpu\` = \`${s.gpuSetting}\`. CUDA: ${cudaLine(s)}.`, "");
  return out.join("\n");
}

function cudaLine(s: ModelStatus): string {
  if (!s.cuda.supported) return "not available on this platform";
  if (s.cuda.installed.length) return `fetched (${s.cuda.installed.join(", ")})${s.cuda.error ? `, but it failed to load: ${s.cuda.error}` : ""}`;
  return `not fetched${s.cuda.nvidiaDriver ? ' (an NVIDIA driver is installed: "Docent: Enable CUDA" fetches it)' : ""}`;
}

/** Opens the status as a read-only Markdown document beside the editor; returns what it showed (tests). */
export async function showModelStatus(engine: EngineClient | undefined): Promise<ShownModelStatus | undefined> {
  if (!engine) {
    void vscode.window.showWarningMessage("Docent has no workspace folder open, so no engine is running.");
    return undefined;
  }
  const status = await engine.request("modelStatus", undefined);
  if (!status) {
    void vscode.window.showInformationMessage("Docent's engine is still starting; try again in a moment.");
    return undefined;
  }
  const text = modelStatusMarkdown(status);
  statusDocument.show(text);
  const doc = await vscode.workspace.openTextDocument(MODEL_STATUS_URI);
  // Shown again, it stays where it is (Beside an editor that is itself the status would open a second one).
  const shownIn = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === MODEL_STATUS_URI.toString())?.viewColumn;
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: shownIn ?? vscode.ViewColumn.Beside });
  if (!status.model) {
    void vscode.window.showInformationMessage("Docent has no chat model: answers are the best-matching sections of the docs.", "Select Model").then((a) => {
      if (a) void vscode.commands.executeCommand("docent.selectModel");
    });
  } else if (status.gpuUnused?.fix.includes("Enable CUDA")) {
    void vscode.window.showInformationMessage(`Docent runs on the CPU: ${status.gpuUnused.reason}`, "Enable CUDA").then((a) => {
      if (a) void vscode.commands.executeCommand("docent.enableCuda");
    });
  }
  return { status, text };
}
