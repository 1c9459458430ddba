// The Markdown of a definition hover. No vscode import, so it is unit-tested with the engine.
import { pathToFileURL } from "node:url";
import type { Definition } from "../../shared/protocol.js";

/** Attributes named in a hover; the card in the chat lists them all. */
const HOVER_ATTRIBUTES = 6;

/**
 * The hover's Markdown: the name, its instrument (or type), unit and description in the first line
 * when the docs define them, then where it is defined. The one command link is enabled by the
 * hover provider for this command only.
 */
export function hoverMarkdown(d: Definition): string {
  const card = d.card;
  const link = `${pathToFileURL(card?.file ?? d.file).href}#L${card?.line ?? d.startLine}`;
  const args = encodeURIComponent(JSON.stringify([d.term]));
  const facts: string[] = [];
  if (card?.kind) facts.push(escapeMarkdown(card.kind));
  if (card?.unit) facts.push(`unit \`${codeText(card.unit)}\``);
  const description = (card?.description ?? d.summary).replace(/\r?\n/g, " ").trim();
  const first = `**\`${codeText(card?.term ?? d.term)}\`**${facts.length ? ` — ${facts.join(", ")}` : ""}${description ? `: ${escapeMarkdown(description)}` : ""}`;
  const lines = d.askedAs ? [`Did you mean \`${codeText(d.term)}\`? The docs do not define \`${codeText(d.askedAs)}\`.`, "", first, ""] : [first, ""];
  const more: string[] = [];
  if (card?.stability) more.push(escapeMarkdown(card.stability));
  if (card?.requirement) more.push(escapeMarkdown(card.requirement));
  if (card?.attributes?.length) {
    const names = card.attributes.slice(0, HOVER_ATTRIBUTES).map((a) => `\`${codeText(a.name)}\``);
    const rest = card.attributes.length - names.length;
    more.push(`attributes ${names.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`);
  }
  if (more.length) lines.push(more.join(" · "), "");
  lines.push(
    `${headingMarkdown(d.heading)} · [${escapeMarkdown(d.path)}:${card?.line ?? d.startLine}](${link}) · [Explain with Docent](command:docent.explainMetric?${args})`,
  );
  return lines.join("\n");
}

/** The docs' text is shown as text: characters Markdown would act on are escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}

/**
 * A heading as the docs render it: its code spans (`Metric: \`http.server.request.duration\``) stay
 * code, everything else is escaped text (escaped whole, the backticks showed up as characters).
 */
function headingMarkdown(heading: string): string {
  return heading
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? `\`${codeText(part.slice(1, -1))}\`` : escapeMarkdown(part)))
    .join("");
}

/** Text inside a code span: a backtick would end it. */
function codeText(text: string): string {
  return text.replace(/`/g, "'");
}
