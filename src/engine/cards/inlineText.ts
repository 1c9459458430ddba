// Markdown inline markup reduced to what a reader sees: badges become their alt text ("Stable"),
// links their label, reference links their label, code its text.
//
// Everything here runs on untrusted document text on the answer path (cards, hovers, excerpts,
// the model's context), so every pass is one left-to-right scan: no pattern here may try each start
// position against the rest of the line (a run of 30,000 "[" made the old link patterns quadratic).

/**
 * The first index at or after `from` holding one of two characters, or the text's length.
 * Calls must come with non-decreasing `from`: the last answer is reused while `from` is still
 * before it, so a whole pass over the text costs one scan however many starts ask.
 */
function seeker(text: string, a: string, b: string): (from: number) => number {
  let start = Number.POSITIVE_INFINITY;
  let found = -1;
  return (from) => {
    if (from >= start && from <= found) return found;
    let i = from;
    while (i < text.length && text[i] !== a && text[i] !== b) i++;
    start = from;
    found = i;
    return i;
  };
}

type Bracketed = "image" | "link" | "reference";

/**
 * Replaces each `![label](target)` ("image"), `[label](target)` ("link") or `[label][ref]`
 * ("reference", label not empty) by its label, matching exactly what the patterns
 * /!\[([^\]\n]*)\]\([^)\n]*\)/g, /\[([^\]\n]*)\]\([^)\n]*\)/g and /\[([^\]\n]+)\]\[[^\]\n]*\]/g
 * matched, in linear time.
 */
function replaceBracketed(text: string, kind: Bracketed): string {
  if (!text.includes("[")) return text;
  const labelEnd = seeker(text, "]", "\n");
  const targetEnd = kind === "reference" ? seeker(text, "]", "\n") : seeker(text, ")", "\n");
  const open = kind === "reference" ? "[" : "(";
  const close = kind === "reference" ? "]" : ")";
  let out = "";
  let copied = 0;
  for (let p = 0; p < text.length; p++) {
    const bracket = kind === "image" ? p + 1 : p;
    if (text[bracket] !== "[" || (kind === "image" && text[p] !== "!")) continue;
    const q = labelEnd(bracket + 1);
    if (text[q] !== "]" || text[q + 1] !== open || (kind === "reference" && q === bracket + 1)) continue;
    const r = targetEnd(q + 2);
    if (text[r] !== close) continue;
    out += text.slice(copied, p) + text.slice(bracket + 1, q);
    copied = r + 1;
    p = r;
  }
  return copied ? out + text.slice(copied) : text;
}

/** Replaces each `` `code` `` by its text and each `**bold**` by its text (one pass each). */
function replacePaired(text: string, mark: "`" | "**"): string {
  let out = "";
  let copied = 0;
  let from = 0;
  for (;;) {
    const p = text.indexOf(mark, from);
    if (p < 0) break;
    const bodyStart = p + mark.length;
    // `code` may be empty and may hold anything but a backtick; **bold** needs a body free of "*".
    const q = mark === "`" ? text.indexOf("`", bodyStart) : text.indexOf("*", bodyStart);
    if (q < 0) break;
    if (mark === "**" && (q === bodyStart || text[q + 1] !== "*")) {
      from = q === bodyStart ? p + 1 : q;
      continue;
    }
    out += text.slice(copied, p) + text.slice(bodyStart, q);
    copied = q + mark.length;
    from = copied;
  }
  return copied ? out + text.slice(copied) : text;
}

/** Drops a trailing footnote mark ("Stable [2]") with the white space before it. */
function withoutFootnoteMark(text: string): string {
  if (!text.endsWith("]")) return text;
  let i = text.length - 2;
  while (i >= 0 && text[i]! >= "0" && text[i]! <= "9") i--;
  if (i === text.length - 2 || text[i] !== "[") return text;
  return text.slice(0, i).trimEnd();
}

/** A table cell or heading as plain text: "![Stable](…)" → "Stable", "[`a.b`](…)" → "a.b". */
export function plainInline(text: string): string {
  const unlinked = replaceBracketed(replaceBracketed(replaceBracketed(text, "image"), "link"), "reference");
  return withoutFootnoteMark(replacePaired(replacePaired(unlinked, "`"), "**"))
    .replace(/\s+/g, " ")
    .trim();
}

/** The text without HTML comments (`<!--` to the first `-->` after it; an unclosed one is kept). */
function withoutComments(text: string): string {
  let out = "";
  let copied = 0;
  for (;;) {
    const p = text.indexOf("<!--", copied);
    if (p < 0) break;
    const q = text.indexOf("-->", p + 4);
    // No "-->" after this opening means none after any later one either.
    if (q < 0) break;
    out += text.slice(copied, p);
    copied = q + 3;
  }
  return copied ? out + text.slice(copied) : text;
}

/** White space within one line: what `\s` matches less the line ends. */
const ALERT_LINE = /^([^\S\r\n\u2028\u2029]*>[^\S\r\n\u2028\u2029]*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][^\S\r\n\u2028\u2029]*$/gim;

/**
 * Markdown kept as Markdown but without what renders as noise outside its document: reference
 * links ("[recommended][MetricRecommended]" → "recommended"), badges (→ their alt text), HTML
 * comments and GitHub alert markers ("> [!WARNING]").
 */
export function readableMarkdown(text: string): string {
  // The alert pattern stays within one line (white space but not \s): \s* ran on across blank lines from
  // every line start, quadratic in a run of blank lines.
  return replaceBracketed(replaceBracketed(withoutComments(text), "image"), "reference").replace(ALERT_LINE, "$1**$2**");
}

/** Table rows (a line whose first non-blank character is "|") without cell padding. */
const TABLE_ROW = /^[^\S\r\n\u2028\u2029]*\|.*$/gm;

/**
 * Markdown for the model: readable, and without what costs tokens and says nothing to it: link
 * targets (a link keeps its label) and the padding of aligned table cells.
 */
export function compactMarkdown(text: string): string {
  return replaceBracketed(readableMarkdown(text), "link")
    .replace(TABLE_ROW, (row) => row.replace(/ {2,}/g, " ").replace(/-{4,}/g, "---"))
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
