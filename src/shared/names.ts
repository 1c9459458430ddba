// What counts as a name in docs and code: `http.server.request.duration`, `jvm.memory.used`,
// `snake_case`, `kebab-name`, `k8s.pod/phase`. Dots, underscores, hyphens, slashes and colons
// belong to the name, but it never starts or ends with one. One definition for the hover,
// "Explain This Metric" and the exact-term lookup.

const NAME_SOURCE = "[\\p{L}\\p{N}_][\\p{L}\\p{N}_.\\-/:]*[\\p{L}\\p{N}_]|[\\p{L}\\p{N}_]";

/** The whole string is one name. */
export const WHOLE_NAME = new RegExp(`^(?:${NAME_SOURCE})$`, "u");

/**
 * Whether a name is worth a definition lookup: it has a dot, underscore, hyphen, colon or slash
 * (`jvm.memory.used`), so plain words are never looked up (hovering every word would be noise).
 */
export function isDefinableName(name: string): boolean {
  return /[._\-:/]/.test(name);
}

/**
 * A name as the defined-terms index keys it: lower case, except that the Kelvin sign (U+212A) stays
 * itself. It is the one character beyond ASCII whose lower case is ASCII ("k"), so folding it would
 * make a look-alike (`\u212Aafka.lag`) the same name as `kafka.lag`: a doc could define, or be
 * answered as, a name it does not spell.
 */
export function foldName(name: string): string {
  return name.includes("\u212A")
    ? name
        .split("\u212A")
        .map((part) => part.toLowerCase())
        .join("\u212A")
    : name.toLowerCase();
}

/** Every name in a text, in order. */
export function namesIn(text: string): string[] {
  return [...text.matchAll(new RegExp(NAME_SOURCE, "gu"))].map((m) => m[0]);
}

/** The name under a cursor position in a line (the character just after a name counts too). */
export function nameAt(line: string, character: number): { text: string; start: number; end: number } | undefined {
  for (const m of line.matchAll(new RegExp(NAME_SOURCE, "gu"))) {
    const start = m.index!;
    const end = start + m[0].length;
    if (character >= start && character <= end) return { text: m[0], start, end };
  }
  return undefined;
}
