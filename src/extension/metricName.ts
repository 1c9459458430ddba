// The name "Explain This Metric" works on: the selection, or the name under the cursor, where
// dots, underscores and hyphens belong to the name (`http.server.request.duration`).

const NAME = /[\p{L}\p{N}_][\p{L}\p{N}_.\-]*[\p{L}\p{N}_]|[\p{L}\p{N}_]/gu;

export function nameAt(line: string, character: number): string | undefined {
  for (const m of line.matchAll(NAME)) {
    const start = m.index!;
    if (character >= start && character <= start + m[0].length) return m[0];
  }
  return undefined;
}

/** A selection is trimmed of quotes, backticks and surrounding punctuation. */
export function cleanSelection(text: string): string {
  return text.trim().replace(/^[`'"([{<\s]+|[`'")\]}>.,;:\s]+$/g, "").slice(0, 300);
}

export function explainQuestion(name: string): string {
  return (
    `Explain \`${name}\`: what it means, its unit, how it is computed or recorded, ` +
    `what values are normal, and which attributes go with it.`
  );
}
