// Heading text: as people read it (links, tags, emphasis and trailing anchors removed), and capped.
// Linear scans, as everything that reads document text (it may be hostile).
import { MAX_HEADING_CHARS } from "../../../shared/defaults.js";
import { forwardFinder } from "../search/textScanners.js";

// Headings (and titles) are cut at MAX_HEADING_CHARS: real headings are far shorter, and every
// chunk of a section carries its path.
export const capHeading = (text: string) => (text.length > MAX_HEADING_CHARS ? text.slice(0, MAX_HEADING_CHARS).trimEnd() : text);

/**
 * Heading text as people read it: link targets, emphasis and trailing anchors removed. Each step does
 * what a regular expression did (named beside it), by a scan that stays linear on hostile text
 * (`[[[[`, `<<<<`, `{#{#{#` made those expressions quadratic).
 */
export function cleanHeading(raw: string): string {
  return stripEmphasis(stripTags(stripLinks(stripTrailingAnchor(raw)))).trim();
}

/** `/\{#[^}]*\}\s*$/` → "" */
function stripTrailingAnchor(s: string): string {
  const t = s.trimEnd();
  if (!t.endsWith("}")) return s;
  const open = t.indexOf("{#", t.lastIndexOf("}", t.length - 2) + 1);
  return open >= 0 ? s.slice(0, open) : s;
}

/** `/!?\[([^\]]*)\]\([^)]*\)/g` → "$1" */
function stripLinks(s: string): string {
  const nextBracket = forwardFinder(s, "]");
  const nextParen = forwardFinder(s, ")");
  let out = "";
  let copied = 0;
  for (let i = s.indexOf("[", copied); i >= 0;) {
    const close = nextBracket(i + 1);
    const paren = close >= 0 && s.charCodeAt(close + 1) === 40 ? nextParen(close + 2) : -1;
    if (close < 0 || (s.charCodeAt(close + 1) === 40 && paren < 0)) break;
    if (paren < 0) {
      i = s.indexOf("[", i + 1);
      continue;
    }
    const start = i > copied && s.charCodeAt(i - 1) === 33 ? i - 1 : i;
    out += s.slice(copied, start) + s.slice(i + 1, close);
    copied = paren + 1;
    i = s.indexOf("[", copied);
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/** `/<[^>]+>/g` → "" */
function stripTags(s: string): string {
  const nextClose = forwardFinder(s, ">");
  let out = "";
  let copied = 0;
  for (let i = s.indexOf("<"); i >= 0;) {
    const close = nextClose(i + 1);
    if (close < 0) break;
    if (close === i + 1) {
      i = s.indexOf("<", i + 1);
      continue;
    }
    out += s.slice(copied, i);
    copied = close + 1;
    i = s.indexOf("<", copied);
  }
  return copied === 0 ? s : out + s.slice(copied);
}

const isLineTerminator = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** `/(\*\*|__)(.*?)\1/g` → "$2" (`.` stops at line terminators). */
function stripEmphasis(s: string): string {
  const next = { "**": forwardFinder(s, "**"), __: forwardFinder(s, "__") };
  let nextTerminator = -1;
  let out = "";
  let copied = 0;
  for (let i = 0; i < s.length - 1;) {
    const delimiter = s.startsWith("**", i) ? "**" : s.startsWith("__", i) ? "__" : undefined;
    if (!delimiter) {
      i++;
      continue;
    }
    const close = next[delimiter](i + 2);
    if (nextTerminator < i + 2) {
      nextTerminator = i + 2;
      while (nextTerminator < s.length && !isLineTerminator(s.charCodeAt(nextTerminator))) nextTerminator++;
    }
    if (close < 0 || close > nextTerminator) {
      i++;
      continue;
    }
    out += s.slice(copied, i) + s.slice(i + 2, close);
    copied = i = close + 2;
  }
  return copied === 0 ? s : out + s.slice(copied);
}
