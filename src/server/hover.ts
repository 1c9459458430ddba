// Hover over a name the docs define: the identifier under the cursor, and the Markdown shown.
import { pathToFileURL } from "node:url";

/** Dots, underscores and hyphens belong to the name (`http.server.request.duration`). */
const NAME = /[\p{L}\p{N}_][\p{L}\p{N}_.\-/:]*[\p{L}\p{N}_]|[\p{L}\p{N}_]/gu;

export function wordAt(line: string, character: number): { text: string; start: number; end: number } | undefined {
  for (const m of line.matchAll(NAME)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (character >= start && character <= end) return { text: m[0], start, end };
  }
  return undefined;
}

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
