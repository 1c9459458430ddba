// The Markdown of a definition hover. No vscode import, so it is unit-tested with the engine.
import { pathToFileURL } from "node:url";
import type { Definition } from "../shared/protocol.js";

/** The hover's Markdown; the one command link is enabled by the hover provider for this command only. */
export function hoverMarkdown(d: Definition): string {
  const link = `${pathToFileURL(d.file).href}#L${d.startLine}`;
  const args = encodeURIComponent(JSON.stringify([d.term]));
  const summary = d.summary.replace(/\r?\n/g, " ").trim();
  return [
    `**\`${d.term}\`** — ${escapeMarkdown(d.heading)}`,
    "",
    escapeMarkdown(summary),
    "",
    `[${escapeMarkdown(d.path)}:${d.startLine}](${link}) · [Explain with Docent](command:docent.explainMetric?${args})`,
  ].join("\n");
}

/** The docs' text is shown as text: characters Markdown would act on are escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}
