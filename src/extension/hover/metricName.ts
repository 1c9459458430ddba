// The name "Explain This Metric" works on: the selection, or the name under the cursor, where
// dots, underscores and hyphens belong to the name (`http.server.request.duration`).
import { nameAt } from "../../shared/names.js";

/** The name under the cursor, as the hover sees it. */
export function nameUnderCursor(line: string, character: number): string | undefined {
  return nameAt(line, character)?.text;
}

/** A selection is trimmed of quotes, backticks and surrounding punctuation. */
export function cleanSelection(text: string): string {
  return text
    .trim()
    .replace(/^[`'"([{<\s]+|[`'")\]}>.,;:\s]+$/g, "")
    .slice(0, 300);
}

export function explainQuestion(name: string): string {
  return `Explain \`${name}\`: what it means, its unit, how it is computed or recorded, ` + `what values are normal, and which attributes go with it.`;
}
