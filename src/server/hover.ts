// Hover over a name the docs define: the identifier under the cursor, and the Markdown shown.
import { pathToFileURL } from "node:url";
export { nameAt } from "../shared/names.js";

export interface Definition {
  term: string;
  heading: string;
  file: string;
  path: string;
  startLine: number;
  summary: string;
}

/** Markdown for the hover; the command link is enabled by the client for this command only. */
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
