// The code check: string literals shaped like the docs' names, classified against the defined
// names (defined, deprecated, misspelled, undefined), and the recognised metric calls' instrument
// and unit compared with the card. Pure: the CLI and the extension host run it on a file's text,
// with no engine round trip. Linear in the text: one scan for literals, and per name literal a
// bounded look back (the call) and forward (its arguments).
import { documentedInstrument, metricCallTable, type MetricCallTable } from "./metricCalls.js";
import { isDottedName, type DefinedNamesIndex } from "./namesIndex.js";
import { stringLiterals, type LanguageFamily, type StringLiteral } from "./literals.js";
import type { DefinedName, Finding } from "./types.js";

/** A comment holding this on a line (or the line before) silences the check there. */
export const IGNORE_MARK = "docent-ignore";

/** The last segment of names that are file names, not the docs' names (`http.js`, `db.json`). */
const FILE_EXTENSIONS = new Set(
  "js mjs cjs ts tsx jsx json md py go java cs kt rb rs c h cpp yaml yml toml txt html htm css scss png jpg jpeg gif svg xml proto sh log csv gz zip tar lock ini cfg conf env map wasm node exe dll so".split(
    " ",
  ),
);

/** How far back from a name literal a call's method name may be (spaces, `(`, a C# `<double>`). */
const CALL_LOOKBACK = 80;
/** How far forward a call's arguments (and a Java builder's chain) are read for the unit. */
const CALL_LOOKAHEAD = 2000;

export function checkText(text: string, family: LanguageFamily, names: DefinedNamesIndex): Finding[] {
  const findings: Finding[] = [];
  if (names.size === 0) return findings;
  const literals = stringLiterals(text, family);
  const table = metricCallTable(family);
  const lines = new LineIndex(text);
  for (let k = 0; k < literals.length; k++) {
    const lit = literals[k]!;
    if (lit.dynamic || lit.end - lit.start < 3 || lit.end - lit.start > 120) continue;
    const value = text.slice(lit.start, lit.end);
    if (!isDottedName(value)) continue;
    const def = names.get(value);
    if (!def && (!names.isNamespace(value.slice(0, value.indexOf("."))) || FILE_EXTENSIONS.has(value.slice(value.lastIndexOf(".") + 1)))) continue;
    if (lines.ignored(lit.start)) continue;
    const at = { name: value, start: lit.start, end: lit.end, ...lines.position(lit.start) };
    if (!def) {
      // `system.cpu`: the group of `system.cpu.time` and its kin; `http.request.header.x-id`: a templated name.
      if (names.isGroup(value) || names.fitsTemplate(value)) continue;
      const near = names.near(value);
      // A name near no defined one is flagged only where the docs use its first segments.
      if (!near.length && !names.usesPrefix(value)) continue;
      findings.push(
        near.length
          ? { ...at, kind: "misspelled", suggestions: near, message: `"${value}" is not defined in the docs. Did you mean "${near[0]}"?` }
          : { ...at, kind: "undefined", suggestions: [], message: `"${value}" is not defined in the docs.` },
      );
      continue;
    }
    if (def.deprecated) {
      const r = def.deprecated.replacement;
      findings.push({
        ...at,
        kind: "deprecated",
        suggestions: r ? [r] : [],
        message: r
          ? `"${value}" is deprecated in the docs: use "${r}".`
          : `"${value}" is deprecated in the docs${def.deprecated.note ? `: ${def.deprecated.note}` : "."}`,
      });
    }
    if (table) checkCall(text, literals, k, table, def, at, lines, findings);
  }
  return findings;
}

type At = Pick<Finding, "name" | "start" | "end" | "line" | "column">;

/** The name is the first argument of a recognised metric call: its instrument and unit against the card. */
function checkCall(
  text: string,
  literals: StringLiteral[],
  k: number,
  table: MetricCallTable,
  def: DefinedName,
  at: At,
  lines: LineIndex,
  findings: Finding[],
): void {
  const lit = literals[k]!;
  const method = methodBefore(text, lit.open);
  const created = method ? table.methods[method] : undefined;
  if (!method || !created) return;
  const documented = def.kindLabel === "Type" ? undefined : documentedInstrument(def.kind);
  if (documented && documented !== created)
    findings.push({
      ...at,
      kind: "instrument",
      suggestions: [],
      expected: documented,
      actual: created,
      call: method,
      message: `The docs define "${def.name}" as a ${documented}, not a ${created} (${method}).`,
    });
  if (!def.unit) return;
  const unit = unitLiteral(text, literals, k, table);
  if (!unit) return;
  const actual = text.slice(unit.start, unit.end);
  if (actual !== def.unit)
    // Reported at the unit literal: that is what the fix rewrites.
    findings.push({
      ...at,
      start: unit.start,
      end: unit.end,
      ...lines.position(unit.start),
      kind: "unit",
      suggestions: [def.unit],
      expected: def.unit,
      actual,
      call: method,
      unitRange: { start: unit.start, end: unit.end },
      message: `The docs give "${def.name}" the unit "${def.unit}", not "${actual}".`,
    });
}

function isIdent(c: string | undefined): boolean {
  return c !== undefined && isIdentCode(c.charCodeAt(0));
}

function isIdentCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The method called with the literal at `open` as its first argument: `createHistogram` of `meter.createHistogram(`, `CreateHistogram<double>(`. */
function methodBefore(text: string, open: number): string | undefined {
  const stop = Math.max(0, open - CALL_LOOKBACK);
  let p = open - 1;
  while (p >= stop && isSpaceCode(text.charCodeAt(p))) p--;
  // The name passed by keyword: Python `name="..."`, C# `name: "..."`.
  const sep = text.charCodeAt(p);
  if (sep === 61 /* = */ || sep === 58 /* : */) {
    p--;
    while (p >= stop && isSpaceCode(text.charCodeAt(p))) p--;
    if (text.slice(p - 3, p + 1) !== "name" || isIdentCode(text.charCodeAt(p - 4))) return undefined;
    p -= 4;
    while (p >= stop && isSpaceCode(text.charCodeAt(p))) p--;
  }
  if (text.charCodeAt(p) !== 40 /* ( */) return undefined;
  p--;
  while (p >= stop && isSpaceCode(text.charCodeAt(p))) p--;
  if (text[p] === ">") {
    // A C# generic argument: back to its `<` (no nesting deeper than the look-back allows).
    let depth = 0;
    for (; p >= stop; p--) {
      if (text[p] === ">") depth++;
      else if (text[p] === "<" && --depth === 0) break;
    }
    p--;
    while (p >= stop && isSpaceCode(text.charCodeAt(p))) p--;
  }
  const end = p + 1;
  while (p >= stop && isIdentCode(text.charCodeAt(p))) p--;
  return end > p + 1 ? text.slice(p + 1, end) : undefined;
}

/** The unit literal of the call whose first argument is literal k, if code gives one as a literal. */
function unitLiteral(text: string, literals: StringLiteral[], k: number, table: MetricCallTable): StringLiteral | undefined {
  const lit = literals[k]!;
  const limit = Math.min(text.length, lit.close + CALL_LOOKAHEAD);
  // Where the call ends (its closing parenthesis), or for builders the statement; literals skipped whole.
  let depth = 1;
  let next = k + 1;
  let end = limit;
  for (let i = lit.close; i < limit; i++) {
    if (next < literals.length && literals[next]!.open === i) {
      i = literals[next]!.close - 1;
      next++;
      continue;
    }
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0 && !table.unit.chained) {
        end = i;
        break;
      }
      if (depth < 0) {
        end = i;
        break;
      }
    } else if (c === ";" && depth <= 0) {
      end = i;
      break;
    }
  }
  for (let j = k + 1; j < literals.length && literals[j]!.open < end; j++) {
    const candidate = literals[j]!;
    if (candidate.dynamic) continue;
    const before = text.slice(Math.max(lit.close, candidate.open - 40), candidate.open).replace(/["'\s]/g, "");
    if (j === k + 1 && table.unit.positional && text.slice(lit.close, candidate.open).trim() === ",") return candidate;
    for (const key of table.unit.keys) if (before.endsWith(key) && !isIdent(before[before.length - key.length - 1])) return candidate;
    for (const call of table.unit.calls) if (before.endsWith(call)) return candidate;
  }
  return undefined;
}

/** Offsets to 1-based lines and columns, and the lines the ignore mark silences. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.starts[line]! + 1 };
  }

  private lineText(line: number): string {
    if (line < 0) return "";
    return this.text.slice(this.starts[line]!, line + 1 < this.starts.length ? this.starts[line + 1]! : this.text.length);
  }

  ignored(offset: number): boolean {
    const line = this.lineOf(offset);
    return this.lineText(line).includes(IGNORE_MARK) || this.lineText(line - 1).includes(IGNORE_MARK);
  }
}
