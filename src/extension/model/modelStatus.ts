// "Docent: Show Model Status": where the chat model runs (CUDA, Vulkan, Metal or the CPU), its
// devices, VRAM, layers on the GPU, context, threads and the last answer's speed, and, when a GPU
// is present but unused, why and how to fix it. The engine reports it (ModelStatusRequest); this
// renders it as a Markdown document, and offers "Enable CUDA" when that is the fix.
import * as vscode from "vscode";
import { modelStatusLines } from "../../shared/modelStatusText.js";
import type { ModelStatus } from "../../shared/protocol.js";
import type { EngineClient } from "../engineClient.js";

export interface ShownModelStatus {
  status: ModelStatus;
  /** The document's text. */
  text: string;
}

export function modelStatusMarkdown(s: ModelStatus): string {
  const lines = modelStatusLines(s).filter((l) => !l.startsWith("GPU unused:") && !l.startsWith("Fix:"));
  const out = ["# Docent: Model Status", "", ...lines.map((l) => `- ${l}`)];
  if (s.gpuUnused) out.push("", "## The GPU is not used", "", s.gpuUnused.reason, "", `**Fix:** ${s.gpuUnused.fix}`);
  out.push("", `GPU setting: \`docent.gpu\` = \`${s.gpuSetting}\`. CUDA: ${cudaLine(s)}.`, "");
  return out.join("\n");
}

function cudaLine(s: ModelStatus): string {
  if (!s.cuda.supported) return "not available on this platform";
  if (s.cuda.installed.length) return `fetched (${s.cuda.installed.join(", ")})${s.cuda.error ? `, but it failed to load: ${s.cuda.error}` : ""}`;
  return `not fetched${s.cuda.nvidiaDriver ? ' (an NVIDIA driver is installed: "Docent: Enable CUDA" fetches it)' : ""}`;
}

/** Opens the status as a Markdown document beside the editor; returns what it showed (tests). */
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
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: text });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  if (status.gpuUnused?.fix.includes("Enable CUDA")) {
    void vscode.window.showInformationMessage(`Docent runs on the CPU: ${status.gpuUnused.reason}`, "Enable CUDA").then((a) => {
      if (a) void vscode.commands.executeCommand("docent.enableCuda");
    });
  }
  return { status, text };
}
