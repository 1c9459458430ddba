// Inline Markdown parsing: code spans, emphasis, links, autolinks, citations, line breaks and
// character references ("&rarr;", "&#8594;") (pure, no DOM).
import { decodeHTMLStrict } from "entities/lib/decode.js";
import { MAX_DEPTH, type Inline } from "./ast.js";
import { trimEndSpaces } from "./text.js";

const SPECIAL = /[\\`*_[!<&\n]/g;
const ESCAPABLE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const CITATION = /^\[(\d{1,6}(?:\s*,\s*\d{1,6})*)\]/;
const AUTOLINK = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/;
/**
 * `(url "title")` after a link's label. Whitespace runs and the URL are matched atomically ("(?=(x*))\1"),
 * an empty URL being the one other choice: with plain "\s*" on both sides of an empty URL, "(" and 2,000
 * spaces backtracked for 20 ms, and every "[a](" of a document could cost that.
 */
const LINK_TAIL = /^\((?=(\s*))\1(?:<([^<>\n]*)>|(?=((?:[^\s()]|\([^\s()]*\))*))\3|)(?=(\s*))\4(?:(?<=\s)(?:"[^"\n]*"|'[^'\n]*')(?=(\s*))\5)?\)/;
/** A character reference as CommonMark reads one: named (HTML5's list, with the ";"), decimal or hexadecimal. */
const CHARACTER_REFERENCE = /^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

export function parseInlines(text: string, depth = 0): Inline[] {
  if (!text) return [];
  const out: Inline[] = [];
  let i = 0;
  // The text since the last node: finished lines in `lines`, the current one in `buffer`. Only the
  // current line is ever searched or trimmed, so a paragraph of many lines stays linear (a growing
  // string's endsWith or slice copies all of it).
  const lines: string[] = [];
  let buffer = "";
  // Literal text is taken from the source a run at a time, text[literalFrom, i): added one character
  // at a time, a run of 200,000 "[" built a string of as many parts.
  let literalFrom = 0;
  const takeLiteral = (to: number) => {
    if (to > literalFrom) buffer += text.slice(literalFrom, to);
    literalFrom = to;
  };
  const flushText = () => {
    const run = lines.length ? lines.join("") + buffer : buffer;
    if (run) out.push({ type: "text", text: run });
    lines.length = 0;
    buffer = "";
  };
  /** Adds a node found at `i` (the literal text before it first); the text goes on at `end`. */
  const push = (node: Inline, end: number) => {
    takeLiteral(i);
    flushText();
    out.push(node);
    literalFrom = end;
  };
  const nested = (inner: string): Inline[] => (depth < MAX_DEPTH ? parseInlines(inner, depth + 1) : [{ type: "text", text: inner }]);
  // Where a search for a closing delimiter already failed: later searches from further on fail too,
  // so a long run of unmatched "*" stays linear.
  const noCloser = new Map<string, number>();

  const findCloser = (from: number, delim: string): number => {
    if ((noCloser.get(delim) ?? Infinity) <= from) return -1;
    const ch = delim[0]!;
    let j = from;
    for (;;) {
      j = text.indexOf(delim, j);
      if (j === -1) {
        noCloser.set(delim, Math.min(noCloser.get(delim) ?? Infinity, from));
        return -1;
      }
      let end = j;
      while (text[end] === ch) end++;
      const before = text[j - 1]!;
      const after = text[end];
      const closes = j > from && !SPACE.test(before) && !(ch === "_" && after !== undefined && WORD.test(after));
      if (closes) return end - delim.length;
      j = end;
    }
  };

  // Where each "[" closes, found once for the whole text (scanning ahead from every "[" of a run of
  // thousands was quadratic up to the label limit).
  let brackets: Int32Array | undefined;
  const closers = (): Int32Array => (brackets ??= matchBrackets(text));

  while (i < text.length) {
    SPECIAL.lastIndex = i;
    const found = SPECIAL.exec(text);
    if (!found) {
      i = text.length;
      break;
    }
    i = found.index;
    const c = text[i]!;

    if (c === "\\") {
      const next = text[i + 1];
      if (next === "\n") {
        push({ type: "break" }, i + 2);
        i += 2;
      } else if (next !== undefined && ESCAPABLE.includes(next)) {
        takeLiteral(i);
        buffer += next;
        i += 2;
        literalFrom = i;
      } else {
        i++;
      }
      continue;
    }

    if (c === "\n") {
      takeLiteral(i);
      // Scanned from the end: a regex like /[ \t]+$/ would rescan the whole paragraph at every line.
      const hard = buffer.endsWith("  ");
      buffer = trimEndSpaces(buffer);
      if (hard) push({ type: "break" }, i);
      else {
        lines.push(buffer + "\n");
        buffer = "";
      }
      i++;
      while (text[i] === " " || text[i] === "\t") i++;
      literalFrom = i;
      continue;
    }

    if (c === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const fence = "`".repeat(run);
      let close = -1;
      if ((noCloser.get(fence) ?? Infinity) > i) {
        let j = i + run;
        for (;;) {
          j = text.indexOf(fence, j);
          if (j === -1) break;
          let end = j;
          while (text[end] === "`") end++;
          if (end - j === run) {
            close = j;
            break;
          }
          j = end;
        }
        if (close === -1) noCloser.set(fence, i);
      }
      if (close === -1) {
        i += run;
        continue;
      }
      let code = text.slice(i + run, close).replace(/\n/g, " ");
      if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
      push({ type: "code", text: code }, close + run);
      i = close + run;
      continue;
    }

    if (c === "*" || c === "_") {
      let run = 1;
      while (text[i + run] === c) run++;
      const before = text[i - 1];
      const after = text[i + run];
      // Opens only before a non-space; "_" never inside a word (snake_case names stay whole).
      const opens = after !== undefined && !SPACE.test(after) && !(c === "_" && before !== undefined && WORD.test(before));
      if (opens) {
        const width = run >= 2 ? 2 : 1;
        const delim = c.repeat(width);
        // "***x***": the opening run's extra "*" belongs to the inner text (strong, then em inside).
        const innerStart = i + width;
        const close = findCloser(innerStart, delim);
        if (close !== -1) {
          push({ type: width === 2 ? "strong" : "em", children: nested(text.slice(innerStart, close)) }, close + width);
          i = close + width;
          continue;
        }
      }
      i += run;
      continue;
    }

    if (c === "!" && text[i + 1] !== "[") {
      i++;
      continue;
    }

    if (c === "[" || c === "!") {
      const start = c === "!" ? i + 1 : i;
      const link = matchLink(text, start, closers());
      if (link) {
        push({ type: "link", children: nested(link.label), url: link.url }, link.end);
        i = link.end;
        continue;
      }
      if (c === "[") {
        const cite = CITATION.exec(text.slice(i, i + 80));
        if (cite) {
          push({ type: "citation", numbers: cite[1]!.split(",").map((n) => Number(n.trim())) }, i + cite[0].length);
          i += cite[0].length;
          continue;
        }
      }
      i++;
      continue;
    }

    if (c === "&") {
      // Docs written for HTML renderers use references ("a &rarr; b"); the chat shows text nodes,
      // never HTML, so they are decoded here. An unknown name stays as it was typed.
      const ref = CHARACTER_REFERENCE.exec(text.slice(i, i + 40));
      const decoded = ref ? decodeHTMLStrict(ref[0]) : undefined;
      if (ref && decoded !== undefined && decoded !== ref[0]) {
        takeLiteral(i);
        buffer += decoded;
        i += ref[0].length;
        literalFrom = i;
        continue;
      }
      i++;
      continue;
    }

    if (c === "<") {
      const auto = AUTOLINK.exec(text.slice(i, i + 2048));
      if (auto) {
        push({ type: "link", children: [{ type: "text", text: auto[1]! }], url: auto[1]! }, i + auto[0].length);
        i += auto[0].length;
        continue;
      }
      i++;
      continue;
    }

    i++;
  }
  takeLiteral(text.length);
  flushText();
  return out;
}

/** For each "[" the index of its "]" (backslash escapes skipped), or -1; other indexes hold -1 too. */
function matchBrackets(text: string): Int32Array {
  const close = new Int32Array(text.length).fill(-1);
  const open: number[] = [];
  for (let j = 0; j < text.length; j++) {
    const ch = text[j];
    if (ch === "\\") j++;
    else if (ch === "[") open.push(j);
    else if (ch === "]" && open.length) close[open.pop()!] = j;
  }
  return close;
}

/** `[label](url "title")` starting at `start`; labels longer than 1,000 characters are not links. */
function matchLink(text: string, start: number, brackets: Int32Array): { label: string; url: string; end: number } | undefined {
  const close = brackets[start] ?? -1;
  if (close === -1 || close - start >= 1000 || text[close + 1] !== "(") return undefined;
  const m = LINK_TAIL.exec(text.slice(close + 1, close + 2049));
  if (!m) return undefined;
  return { label: text.slice(start + 1, close), url: m[2] ?? m[3] ?? "", end: close + 1 + m[0].length };
}
