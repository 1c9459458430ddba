// Model Status as text: the lines of "Docent: Show Model Status", the status bar tooltip and the
// CLI. Pure, so the engine, the extension and the tests share one wording.
import type { ModelStatus } from "./protocol.js";

export function backendLabel(backend: string | undefined): string {
  return backend === "cuda" ? "CUDA" : backend === "vulkan" ? "Vulkan" : backend === "metal" ? "Metal" : "CPU";
}

/** Model Status as plain text lines (the status bar tooltip, the CLI, the command's document). */
export function modelStatusLines(s: ModelStatus): string[] {
  const lines: string[] = [];
  const binary = s.binary && s.binary !== s.backend ? ` (${backendLabel(s.binary)} binary loaded)` : "";
  lines.push(`Backend: ${backendLabel(s.backend)}${binary}`);
  lines.push(`Device: ${s.devices.length ? s.devices.join(", ") : s.backend === "cpu" ? "CPU" : "unknown"}`);
  if (s.vram) lines.push(`VRAM: ${gib(s.vram.usedBytes)} used, ${gib(s.vram.freeBytes)} free of ${gib(s.vram.totalBytes)}`);
  lines.push(`Model: ${s.model ?? "none loaded"}`);
  if (s.layers) lines.push(`Layers on the GPU: ${s.layers.offloaded} of ${s.layers.total}`);
  if (s.contextSize) lines.push(`Context: ${s.contextSize.toLocaleString("en-US")} tokens`);
  if (s.threads)
    lines.push(s.readThreads && s.readThreads !== s.threads ? `Threads: ${s.readThreads} reading the prompt, ${s.threads} writing` : `Threads: ${s.threads}`);
  if (s.lastAnswer) {
    const ttft = s.lastAnswer.firstTokenMs !== undefined ? `, first token after ${Math.round(s.lastAnswer.firstTokenMs)} ms` : "";
    lines.push(`Last answer: ${s.lastAnswer.tokensPerSecond.toFixed(1)} tokens/s (${s.lastAnswer.tokens} tokens${ttft})`);
  } else lines.push("Last answer: none yet");
  const b = s.answerBudget;
  if (b) {
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    lines.push(
      `Speed on this device: reads ${n(b.promptTokensPerSecond)} prompt tokens/s, writes ${b.generationTokensPerSecond.toFixed(1)} tokens/s (${b.samples} measurement${b.samples === 1 ? "" : "s"})`,
    );
    const why =
      b.limitedBy === "time"
        ? `what reads in the ${b.firstTokenSeconds} s to the first word`
        : b.limitedBy === "floor"
          ? `the floor: fewer would lose facts; ${b.firstTokenSeconds} s to the first word is not reachable here`
          : b.firstTokenSeconds > 0
            ? "the whole context reads within the target time"
            : "the whole context (no target time)";
    const expected = b.expectedSeconds !== undefined ? `, first word after about ${Math.round(b.expectedSeconds)} s` : "";
    lines.push(`Docs per answer: up to ${n(b.sourceTokens)} tokens (${why}${expected})`);
  }
  if (s.cuda.installed.length) lines.push(`CUDA from storage: ${s.cuda.installed.join(", ")}`);
  if (s.gpuUnused) lines.push(`GPU unused: ${s.gpuUnused.reason}`, `Fix: ${s.gpuUnused.fix}`);
  return lines;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
