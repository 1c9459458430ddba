// Small string helpers for the parsers (pure, no DOM).
//
// Patterns ending in "[ \t]+$" are retried from every space of a run, so they are quadratic in its
// length (40,000 spaces took seconds); these scan once from the end instead.

export const isSpace = (ch: string | undefined): boolean => ch === " " || ch === "\t";

/** `line` without trailing spaces and tabs. */
export function trimEndSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && isSpace(line[end - 1])) end--;
  return line.slice(0, end);
}
