// .gitignore rules, matched without regular expressions. The `ignore` package compiles a pattern to
// a backtracking regex: `*a*a*a*a*a*a*a*a*b` against a name of 60 `a`s ran for minutes (issue 26
// item 3), and repositories are untrusted input. Here `*` within a name and `**` across folders are
// matched by the greedy wildcard algorithm (one backtrack point per level), so one test costs at
// most (path length x pattern length) steps, whatever the pattern.
// Semantics as git's (gitignore(5)), case-insensitive as the `ignore` package was by default:
// blank lines and `#` comments, `\` escapes, `!` re-includes, a trailing `/` matches folders only, a
// slash at the start or in the middle anchors the pattern to the .gitignore's folder (else it
// matches a name at any depth), `**/`, `/**/` and a trailing `/**`, `*`, `?` and `[...]` classes;
// a path inside an ignored folder is ignored (git cannot re-include it; corpus.ts applies that).

/** One character class or literal, or `*` (any run of characters within a name). */
type CharToken = { kind: "star" } | { kind: "char"; test: (c: string) => boolean };
/** One path segment's pattern, `**` (any number of segments) or any one segment. */
type SegmentToken = { kind: "globstar" } | { kind: "segment"; chars: CharToken[] };

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  segments: SegmentToken[];
}

const STAR: CharToken = { kind: "star" };
const GLOBSTAR: SegmentToken = { kind: "globstar" };
const ANY_SEGMENT: SegmentToken = { kind: "segment", chars: [STAR] };

export class GitignoreRules {
  private readonly rules: Rule[] = [];

  constructor(text: string) {
    for (const line of text.split(/\r?\n/)) {
      const rule = parseRule(line);
      if (rule) this.rules.push(rule);
    }
  }

  /**
   * The verdict of the last rule matching a path relative to the .gitignore's folder (forward
   * slashes): true ignored, false re-included (`!`), undefined when no rule matches. Folders above
   * the path are not looked at here (corpus.ts walks them, with every .gitignore on the way).
   */
  match(relPath: string, isDir: boolean): boolean | undefined {
    const parts = relPath
      .toLowerCase()
      .split("/")
      .filter((p) => p !== "");
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const rule = this.rules[i]!;
      if (rule.dirOnly && !isDir) continue;
      if (matchSegments(rule.segments, parts)) return !rule.negate;
    }
    return undefined;
  }
}

function parseRule(line: string): Rule | undefined {
  // Trailing spaces go unless escaped with a backslash. (Loops, not regexes: `[ ]+$` is quadratic on a long run of spaces.)
  let end = line.length;
  while (end > 0 && line[end - 1] === " " && line[end - 2] !== "\\") end--;
  let pattern = line.slice(0, end);
  if (!pattern || pattern.startsWith("#")) return undefined;
  let negate = false;
  if (pattern.startsWith("!")) {
    negate = true;
    pattern = pattern.slice(1);
  } else if (pattern.startsWith("\\!") || pattern.startsWith("\\#")) pattern = pattern.slice(1);
  // A trailing unescaped backslash is not a valid pattern (git ignores the line).
  let backslashes = 0;
  while (pattern[pattern.length - 1 - backslashes] === "\\") backslashes++;
  if (backslashes % 2) return undefined;
  let dirOnly = false;
  while (pattern.endsWith("/")) {
    dirOnly = true;
    pattern = pattern.slice(0, -1);
  }
  if (!pattern) return undefined;
  const anchored = pattern.includes("/");
  const parts = pattern
    .toLowerCase()
    .split("/")
    .filter((p, i) => p !== "" || i === 0);
  if (parts[0] === "") parts.shift();
  const segments: SegmentToken[] = anchored ? [] : [GLOBSTAR];
  parts.forEach((part, i) => {
    if (part !== "**") segments.push({ kind: "segment", chars: parseSegment(part) });
    // A trailing `/**` is everything inside, not the folder itself: one segment at least.
    else if (i === parts.length - 1 && i > 0) segments.push(ANY_SEGMENT, GLOBSTAR);
    else if (segments[segments.length - 1] !== GLOBSTAR) segments.push(GLOBSTAR);
  });
  return { negate, dirOnly, segments };
}

/** A name's pattern as tokens; runs of `*` are one star (git treats `a**b` as `a*b`). */
function parseSegment(part: string): CharToken[] {
  const tokens: CharToken[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === "*") {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === "?") tokens.push({ kind: "char", test: () => true });
    else if (c === "\\" && i + 1 < part.length) {
      const literal = part[++i]!;
      tokens.push({ kind: "char", test: (x) => x === literal });
    } else if (c === "[") {
      const parsed = parseClass(part, i);
      if (parsed) {
        tokens.push({ kind: "char", test: parsed.test });
        i = parsed.end;
      } else tokens.push({ kind: "char", test: (x) => x === "[" });
    } else tokens.push({ kind: "char", test: (x) => x === c });
  }
  return tokens;
}

/** A `[...]` class from `start` (the `[`): its test and the index of its `]`, or undefined when it is not closed. */
function parseClass(part: string, start: number): { test: (c: string) => boolean; end: number } | undefined {
  let i = start + 1;
  const negate = part[i] === "!" || part[i] === "^";
  if (negate) i++;
  const ranges: [string, string][] = [];
  let first = true;
  for (; i < part.length; i++) {
    let c = part[i]!;
    if (c === "]" && !first) {
      const test = (x: string) => ranges.some(([lo, hi]) => lo <= x && x <= hi) !== negate;
      return { test, end: i };
    }
    first = false;
    if (c === "\\" && i + 1 < part.length) c = part[++i]!;
    if (part[i + 1] === "-" && i + 2 < part.length && part[i + 2] !== "]") {
      let hi = part[i + 2]!;
      i += 2;
      if (hi === "\\" && i + 1 < part.length) hi = part[++i]!;
      ranges.push([c, hi]);
    } else ranges.push([c, c]);
  }
  return undefined;
}

/**
 * Whether the tokens match the whole sequence, `wild` matching any run (possibly empty) and every
 * other token exactly one item: the greedy algorithm, which only ever goes back to the last
 * wildcard seen, so it takes at most items x tokens steps (a backtracking regex takes exponential time).
 */
function wildcardMatch<T, I>(tokens: readonly T[], items: readonly I[], isWild: (t: T) => boolean, matchOne: (t: T, item: I) => boolean): boolean {
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < items.length) {
    if (t < tokens.length && isWild(tokens[t]!)) {
      starT = t++;
      starI = i;
    } else if (t < tokens.length && matchOne(tokens[t]!, items[i]!)) {
      t++;
      i++;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (t < tokens.length && isWild(tokens[t]!)) t++;
  return t === tokens.length;
}

const matchName = (chars: readonly CharToken[], name: string) =>
  wildcardMatch(
    chars,
    [...name],
    (t) => t.kind === "star",
    (t, c) => t.kind === "char" && t.test(c),
  );

const matchSegments = (segments: readonly SegmentToken[], parts: readonly string[]) =>
  wildcardMatch(
    segments,
    parts,
    (s) => s.kind === "globstar",
    (s, part) => s.kind === "segment" && matchName(s.chars, part),
  );
