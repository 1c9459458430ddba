// The name "Explain This Metric" works on: the selection, or the name under the cursor, where
// dots, underscores and hyphens belong to the name (`http.server.request.duration`).
import { isDefinableName, nameAt, namesIn } from "../../shared/names.js";

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

/** The part of a document scanned for names, and the most distinct names looked up in it. */
const MAX_SCANNED_CHARS = 200_000;
const MAX_NAMES_LOOKED_UP = 300;

/** The distinct names in a text that are worth a definition lookup, in order (at most `max`, from its first 200,000 characters). */
export function definableNames(text: string, max = MAX_NAMES_LOOKED_UP): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const name of namesIn(text.slice(0, MAX_SCANNED_CHARS))) {
    const key = name.toLowerCase();
    if (seen.has(key) || !isDefinableName(name)) continue;
    seen.add(key);
    names.push(name);
    if (names.length >= max) break;
  }
  return names;
}

// The question itself is shared with the webview, which recalls it in its short form.
export { explainQuestion } from "../../shared/explainQuestion.js";
