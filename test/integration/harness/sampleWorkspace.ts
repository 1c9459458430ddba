// The workspace every in-editor and UI test opens: a fresh copy of the sample docs, plus a source
// file that uses metric names (for hovers and Explain This Metric).
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../helpers/repoRoot.js";

/** A new temporary folder with the workspace in it; the caller removes it. */
export async function prepareWorkspace(): Promise<string> {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), "docent-ws-"));
  await fs.cp(path.join(repoRoot(), "samples", "otel-semconv", "docs"), path.join(ws, "docs"), { recursive: true });
  await fs.mkdir(path.join(ws, "src"));
  await fs.writeFile(
    path.join(ws, "src", "telemetry.ts"),
    [
      'import { metrics } from "@opentelemetry/api";',
      "",
      'const meter = metrics.getMeter("shop");',
      'export const requestDuration = meter.createHistogram("http.server.request.duration", { unit: "s" });',
      'export const heapUsed = meter.createUpDownCounter("jvm.memory.used", { unit: "By" });',
      "",
    ].join("\n"),
  );
  return ws;
}
