// The question "Explain This Metric" asks, and its short form: the chat's Up recalls
// "Explain `name`" (what the user asked for), and asking that short form asks the whole question.
// Shared by the extension and the webview (browser-safe).

/** The question asked about a name: what it means, its unit, how it is computed, normal values, attributes. */
export function explainQuestion(name: string): string {
  return `Explain \`${name}\`: what it means, its unit, how it is computed or recorded, ` + `what values are normal, and which attributes go with it.`;
}

/** What the chat's question box shows for an Explain question: "Explain `name`". */
export function shortExplain(name: string): string {
  return `Explain \`${name}\``;
}

const SHORT = /^Explain `([^`\n]{1,300})`$/;

/** The name of an Explain question, long or short form; undefined for any other question. */
export function explainedName(question: string): string | undefined {
  const text = question.trim();
  const short = SHORT.exec(text);
  if (short) return short[1];
  const m = /^Explain `([^`\n]{1,300})`:/.exec(text);
  return m && text === explainQuestion(m[1]!) ? m[1] : undefined;
}

/** The question as the question box recalls it: an Explain question as "Explain `name`", any other as it is. */
export function recalledForm(question: string): string {
  const name = explainedName(question);
  return name === undefined ? question : shortExplain(name);
}

/** The question to ask for what the box holds: "Explain `name`" typed or recalled asks the whole Explain question. */
export function expandedForm(question: string): string {
  const short = SHORT.exec(question.trim());
  return short ? explainQuestion(short[1]!) : question;
}
