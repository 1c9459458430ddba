// Inline Markdown parsing: code spans, emphasis, links, autolinks, citations and line breaks
// (pure, no DOM).
import { MAX_DEPTH, type Inline } from "./ast.js";

const SPECIAL = /[\\`*_[!<\n]/g;
const ESCAPABLE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const CITATION = /^\[(\d{1,6}(?:\s*,\s*\d{1,6})*)\]/;
const AUTOLINK = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

export function parseInlines(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const push = (node: Inline) => {
    if (buffer) out.push({ type: "text", text: buffer });
    buffer = "";
    out.push(node);
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

  let i = 0;
  while (i < text.length) {
    SPECIAL.lastIndex = i;
    const found = SPECIAL.exec(text);
    if (!found) {
      buffer += text.slice(i);
      break;
    }
    buffer += text.slice(i, found.index);
    i = found.index;
    const c = text[i]!;

    if (c === "\\") {
      const next = text[i + 1];
      if (next === "\n") {
        push({ type: "break" });
        i += 2;
      } else if (next !== undefined && ESCAPABLE.includes(next)) {
        buffer += next;
        i += 2;
      } else {
        buffer += c;
        i++;
      }
      continue;
    }

    if (c === "\n") {
      const hard = / {2,}$/.test(buffer);
      buffer = buffer.replace(/[ \t]+$/, "");
      if (hard) push({ type: "break" });
      else buffer += "\n";
      i++;
      while (text[i] === " " || text[i] === "\t") i++;
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
        buffer += fence;
        i += run;
        continue;
      }
      let code = text.slice(i + run, close).replace(/\n/g, " ");
      if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
      push({ type: "code", text: code });
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
          push({ type: width === 2 ? "strong" : "em", children: nested(text.slice(innerStart, close)) });
          i = close + width;
          continue;
        }
      }
      buffer += c.repeat(run);
      i += run;
      continue;
    }

    if (c === "!" && text[i + 1] !== "[") {
      buffer += c;
      i++;
      continue;
    }

    if (c === "[" || c === "!") {
      const start = c === "!" ? i + 1 : i;
      const link = matchLink(text, start);
      if (link) {
        push({ type: "link", children: nested(link.label), url: link.url });
        i = link.end;
        continue;
      }
      if (c === "[") {
        const cite = CITATION.exec(text.slice(i, i + 80));
        if (cite) {
          push({ type: "citation", numbers: cite[1]!.split(",").map((n) => Number(n.trim())) });
          i += cite[0].length;
          continue;
        }
      }
      buffer += c;
      i++;
      continue;
    }

    if (c === "<") {
      const auto = AUTOLINK.exec(text.slice(i, i + 2048));
      if (auto) {
        push({ type: "link", children: [{ type: "text", text: auto[1]! }], url: auto[1]! });
        i += auto[0].length;
        continue;
      }
      buffer += c;
      i++;
      continue;
    }

    buffer += c;
    i++;
  }
  if (buffer) out.push({ type: "text", text: buffer });
  return out;
}

/** `[label](url "title")` starting at `start`; labels longer than 1,000 characters are not links. */
function matchLink(text: string, start: number): { label: string; url: string; end: number } | undefined {
  let depth = 0;
  let close = -1;
  const limit = Math.min(text.length, start + 1000);
  for (let j = start; j < limit; j++) {
    const ch = text[j];
    if (ch === "\\") j++;
    else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) {
      close = j;
      break;
    }
  }
  if (close === -1 || text[close + 1] !== "(") return undefined;
  const m = /^\(\s*(?:<([^<>\n]*)>|((?:[^\s()]|\([^\s()]*\))*))(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/.exec(text.slice(close + 1, close + 2049));
  if (!m) return undefined;
  return { label: text.slice(start + 1, close), url: m[1] ?? m[2] ?? "", end: close + 1 + m[0].length };
}
