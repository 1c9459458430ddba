// Text from the docs (file names, headings, section texts, model output) printed to a terminal:
// control characters are shown escaped, so a file named "\x1b]0;pwned\x07" cannot set the
// window title, move the cursor or hide what follows.

/** C0 and C1 controls and DEL; bidirectional overrides and isolates (which reorder what is shown). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of doc-derived text for the terminal: every control character escaped (\x1b). */
export function safeText(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** Doc-derived running text (answers, drafts, log messages): newlines and tabs kept, other controls escaped. */
export function safeLines(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escapeChar);
}

/**
 * A value as one line of JSON for stdout. JSON.stringify already escapes C0 controls; C1 controls
 * and bidirectional overrides are escaped too (\u009b is a CSI to some terminals). Still valid JSON.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
