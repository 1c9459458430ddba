// A definition card: what the docs define about a name (a metric's instrument and unit, an
// attribute's type), read from its definition table, definition list or heading. The engine builds
// cards; the chat view, the hover and the CLI show them. This file imports nothing.

/** An attribute a definition lists (OTel metrics list the attributes they carry). */
export interface CardAttribute {
  name: string;
  /** "Required", "Recommended", "Conditionally Required", "Opt-In", ... */
  requirement?: string;
  type?: string;
}

export interface DefinitionCard {
  /** The name as the docs write it. */
  term: string;
  /** The name as the question misspelt it, when `term` is its nearest defined name ("Did you mean `term`?"). */
  askedAs?: string;
  /** Instrument (Histogram, Counter, ...) for a metric; value type for an attribute. */
  kind?: string;
  /** What `kind` is, from its column: "Instrument", "Type". */
  kindLabel?: string;
  unit?: string;
  description?: string;
  stability?: string;
  requirement?: string;
  examples?: string;
  attributes?: CardAttribute[];
  /** Where it is defined: the defining section, and the line of the definition itself. */
  path: string;
  file: string;
  heading: string;
  startLine: number;
  endLine: number;
  line: number;
}

/** The card's facts in one line: "Instrument: Histogram · Unit: s · Stability: Stable". */
export function cardFacts(card: DefinitionCard): string {
  const parts: string[] = [];
  if (card.kind) parts.push(`${card.kindLabel ?? "Kind"}: ${card.kind}`);
  if (card.unit) parts.push(`Unit: ${card.unit}`);
  if (card.requirement) parts.push(`Requirement: ${card.requirement}`);
  if (card.stability) parts.push(`Stability: ${card.stability}`);
  return parts.join(" · ");
}

/** The card as Markdown (for the CLI, the model's context and copying): name, facts, description, attributes, where. */
export function cardMarkdown(card: DefinitionCard, maxAttributes = 12): string {
  const facts = cardFacts(card);
  const lines = [`**${codeSpan(card.term)}**${facts ? ` — ${facts}` : ""}`];
  if (card.askedAs) lines.unshift(`Did you mean ${codeSpan(card.term)}? (the docs do not define ${codeSpan(card.askedAs)})`);
  if (card.description) lines.push(card.description);
  if (card.examples) lines.push(`Examples: ${card.examples}`);
  if (card.attributes?.length) {
    const shown = card.attributes.slice(0, maxAttributes).map((a) => `${codeSpan(a.name)}${a.requirement ? ` (${a.requirement})` : ""}`);
    const more = card.attributes.length - shown.length;
    lines.push(`Attributes: ${shown.join(", ")}${more > 0 ? `, and ${more} more` : ""}`);
  }
  lines.push(`Defined in ${card.path}:${card.line}`);
  return lines.join("  \n");
}

/** Text as inline code, fenced with more backticks than it holds in a row. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}
