// Markdown inline markup reduced to what a reader sees: badges become their alt text ("Stable"),
// links their label, reference links their label, code its text.

const IMAGE = /!\[([^\]\n]*)\]\([^)\n]*\)/g;
const LINK = /\[([^\]\n]*)\]\([^)\n]*\)/g;
const REFERENCE_LINK = /\[([^\]\n]+)\]\[[^\]\n]*\]/g;
const FOOTNOTE_MARK = /\s*\[\d+\]$/;

/** A table cell or heading as plain text: "![Stable](…)" → "Stable", "[`a.b`](…)" → "a.b". */
export function plainInline(text: string): string {
  return text
    .replace(IMAGE, "$1")
    .replace(LINK, "$1")
    .replace(REFERENCE_LINK, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(FOOTNOTE_MARK, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Markdown kept as Markdown but without what renders as noise outside its document: reference
 * links ("[recommended][MetricRecommended]" → "recommended"), badges (→ their alt text), HTML
 * comments and GitHub alert markers ("> [!WARNING]").
 */
export function readableMarkdown(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(IMAGE, "$1")
    .replace(REFERENCE_LINK, "$1")
    .replace(/^(\s*>\s*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$/gim, "$1**$2**");
}

/**
 * Markdown for the model: readable, and without what costs tokens and says nothing to it: link
 * targets (a link keeps its label) and the padding of aligned table cells.
 */
export function compactMarkdown(text: string): string {
  return readableMarkdown(text)
    .replace(LINK, "$1")
    .replace(/^(\s*\|.*)$/gm, (row) => row.replace(/ {2,}/g, " ").replace(/-{4,}/g, "---"))
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
