// "Docent: Enable CUDA": node-llama-cpp's CUDA binaries are too big for every .vsix (180 MB, plus
// 360 MB of CUDA runtime where the system has none), so they are fetched on request. The engine
// process does the work (engine.enableCuda: npm registry metadata, a download that resumes after a
// dropped connection and ends a stalled one (src/engine/model/download/resumableDownload.ts), sha512
// integrity check, unpack into global storage); this asks first, shows the progress, and restarts
// the engine, which then maps the packages for node-llama-cpp (src/engine/model/local/gpuPackages.ts).
import * as vscode from "vscode";
import type { EnableCudaResult } from "../../shared/protocol.js";
import type { EngineClient } from "../engineClient.js";

export async function enableCuda(
  engine: EngineClient | undefined,
  restartEngine: () => Promise<void>,
  options: { confirm?: boolean } = {},
): Promise<EnableCudaResult | undefined> {
  if (!engine) throw new Error("Docent has no workspace folder open, so no engine is running to fetch CUDA");
  if (options.confirm !== false) {
    const go = await vscode.window.showInformationMessage(
      "Enable CUDA? Docent downloads node-llama-cpp's CUDA binary for NVIDIA GPUs from the npm registry (a 143 MB download, 180 MB unpacked; when your system has no CUDA runtime, also the runtime package: 177 MB, 360 MB unpacked), checks its integrity and keeps it in its global storage. A dropped connection is resumed.",
      { modal: true },
      "Download",
    );
    if (go !== "Download") return undefined;
  }
  const result = await Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Docent: fetching CUDA", cancellable: true }, (progress, token) => {
      let lastPct = 0;
      let lastName = "";
      let lastBytes = 0;
      return engine.requestWithProgress("enableCuda", undefined, token, "gpuPackageProgress", (p) => {
        // A new package, or a server that sent the file again from its start (a resume it refused).
        if (p.name !== lastName || p.receivedBytes < lastBytes) {
          lastName = p.name;
          lastPct = 0;
        }
        lastBytes = p.receivedBytes;
        const mb = (p.receivedBytes / 1e6).toFixed(0);
        if (!p.totalBytes) return progress.report({ message: `${p.name}: ${mb} MB` });
        const pct = (100 * p.receivedBytes) / p.totalBytes;
        if (pct - lastPct < 1 && p.receivedBytes < p.totalBytes) return;
        progress.report({ increment: pct - lastPct, message: `${p.name}: ${mb} of ${(p.totalBytes / 1e6).toFixed(0)} MB` });
        lastPct = pct;
      });
    }),
  );
  await restartEngine();
  void vscode.window
    .showInformationMessage(`Docent: CUDA fetched (${result.installed.map((p) => p.name).join(", ")}); the engine restarted to use it.`, "Show Model Status")
    .then((a) => a && vscode.commands.executeCommand("docent.showModelStatus"));
  return result;
}
