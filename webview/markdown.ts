// Renders model output (draft, answer) as Markdown without ever parsing HTML: `parseMarkdown` turns
// text into a small AST (pure, tested in Node), and `renderMarkdown` builds elements and text nodes
// from it. Tags in the text stay text; links are shown with their URL and are never clickable.

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  /** Shown as its text and its URL; never an anchor. Images come out as links too. */
  | { type: "link"; children: Inline[]; url: string }
  /** `[1]` or `[1, 2]`; whether a number names a source is decided when rendering. */
  | { type: "citation"; numbers: number[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: number; children: Inline[] }
  /** Each item is a list of blocks (a tight item is a single paragraph). */
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "code"; lang: string; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "table"; header: Inline[][]; rows: Inline[][][] }
  | { type: "rule" };

/** Nesting beyond this (lists, quotes, emphasis) is kept as plain text, so no input can recurse deeply. */
const MAX_DEPTH = 8;

export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").split("\n"), 0);
}

// ---------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE = /^ {0,3}>/;
const LIST_ITEM = /^([ \t]*)([-*+]|(\d{1,9})([.)]))([ \t]+|$)(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

interface ListMarker {
  indent: number;
  ordered: boolean;
  /** "-", "*", "+" for bullets, "." or ")" for numbers: a different one starts a new list. */
  kind: string;
  start: number;
  /** Column where the item's content starts; continuation lines indented this far belong to it. */
  contentIndent: number;
  rest: string;
}

const isBlank = (line: string): boolean => /^[ \t]*$/.test(line);

/** Leading whitespace in columns, a tab reaching the next multiple of 4. */
function indentOf(line: string): number {
  let cols = 0;
  for (const ch of line) {
    if (ch === " ") cols++;
    else if (ch === "\t") cols += 4 - (cols % 4);
    else break;
  }
  return cols;
}

/** Removes up to `cols` columns of leading whitespace. */
function dedent(line: string, cols: number): string {
  let used = 0;
  let i = 0;
  while (i < line.length && used < cols) {
    const ch = line[i];
    if (ch === " ") used++;
    else if (ch === "\t") used += 4 - (used % 4);
    else break;
    i++;
  }
  return line.slice(i);
}

function listMarker(line: string): ListMarker | undefined {
  const m = LIST_ITEM.exec(line);
  if (!m) return undefined;
  const indent = indentOf(m[1]!);
  const marker = m[2]!;
  const spaces = m[5]!.replace(/\t/g, "    ").length;
  const rest = m[6]!;
  // Five or more spaces after the marker would be indented code in CommonMark: count one.
  const gap = rest === "" || spaces > 4 ? 1 : spaces;
  return {
    indent,
    ordered: m[3] !== undefined,
    kind: m[4] ?? marker,
    start: m[3] !== undefined ? Number(m[3]) : 1,
    contentIndent: indent + marker.length + gap,
    rest: spaces > 4 ? m[5]!.slice(1) + rest : rest,
  };
}

function opensFence(line: string): RegExpExecArray | undefined {
  const m = FENCE.exec(line);
  // A backtick fence's info string cannot contain a backtick (that is inline code).
  if (!m || (m[2]![0] === "`" && m[3]!.includes("`"))) return undefined;
  return m;
}

/** Lines that end a paragraph (and a list item's lazy continuation) without a blank line. */
function startsBlock(line: string): boolean {
  return opensFence(line) !== undefined || HEADING.test(line) || RULE.test(line) || QUOTE.test(line);
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ type: "paragraph", children: parseInlines(paragraph.join("\n").trim(), depth) });
    paragraph = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      flush();
      i++;
      continue;
    }

    const fence = opensFence(line);
    if (fence) {
      flush();
      const indent = fence[1]!.length;
      const mark = fence[2]!;
      const body: string[] = [];
      i++;
      // An unclosed fence (a streamed answer mid-block) runs to the end.
      while (i < lines.length) {
        const close = FENCE_CLOSE.exec(lines[i]!);
        if (close && close[1]![0] === mark[0] && close[1]!.length >= mark.length) {
          i++;
          break;
        }
        body.push(dedent(lines[i]!, indent));
        i++;
      }
      blocks.push({ type: "code", lang: fence[3]!.trim().split(/\s+/)[0] ?? "", text: body.join("\n") });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      const title = (heading[2] ?? "").replace(/(?:^|[ \t]+)#+[ \t]*$/, "").trim();
      blocks.push({ type: "heading", level: heading[1]!.length, children: parseInlines(title, depth) });
      i++;
      continue;
    }

    const setext = paragraph.length > 0 ? SETEXT.exec(line) : null;
    if (setext) {
      const text = paragraph.join("\n").trim();
      paragraph = [];
      blocks.push({ type: "heading", level: setext[1]![0] === "=" ? 1 : 2, children: parseInlines(text, depth) });
      i++;
      continue;
    }

    if (RULE.test(line)) {
      flush();
      blocks.push({ type: "rule" });
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      flush();
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) {
        inner.push(lines[i]!.replace(/^ {0,3}> ?/, ""));
        i++;
      }
      blocks.push({ type: "quote", children: depth < MAX_DEPTH ? parseBlocks(inner, depth + 1) : [plainParagraph(inner)] });
      continue;
    }

    if (line.includes("|") && i + 1 < lines.length && lines[i + 1]!.includes("|") && TABLE_DELIMITER.test(lines[i + 1]!)) {
      const header = splitRow(line);
      if (header.length === splitRow(lines[i + 1]!).length) {
        flush();
        i += 2;
        const rows: Inline[][][] = [];
        while (i < lines.length && !isBlank(lines[i]!) && lines[i]!.includes("|") && !startsBlock(lines[i]!)) {
          const cells = splitRow(lines[i]!);
          rows.push(header.map((_, c) => parseInlines(cells[c] ?? "", depth)));
          i++;
        }
        blocks.push({ type: "table", header: header.map((cell) => parseInlines(cell, depth)), rows });
        continue;
      }
    }

    const marker = listMarker(line);
    // As in CommonMark, only a bullet or "1." can interrupt a paragraph ("2024. was..." cannot).
    if (marker && !(paragraph.length > 0 && (marker.rest === "" || (marker.ordered && marker.start !== 1)))) {
      flush();
      const list = parseList(lines, i, marker, depth);
      blocks.push(list.block);
      i = list.next;
      continue;
    }

    paragraph.push(line.replace(/^[ \t]+/, ""));
    i++;
  }
  flush();
  return blocks;
}

function plainParagraph(lines: string[]): Block {
  return { type: "paragraph", children: [{ type: "text", text: lines.join("\n").trim() }] };
}

function sameList(a: ListMarker, b: ListMarker): boolean {
  return a.ordered === b.ordered && a.kind === b.kind;
}

function parseList(lines: string[], from: number, first: ListMarker, depth: number): { block: Block; next: number } {
  const items: Block[][] = [];
  let i = from;
  let marker = first;
  for (;;) {
    const itemLines = [marker.rest];
    i++;
    while (i < lines.length) {
      const line = lines[i]!;
      if (isBlank(line)) {
        let j = i + 1;
        while (j < lines.length && isBlank(lines[j]!)) j++;
        if (j < lines.length && indentOf(lines[j]!) >= marker.contentIndent) {
          for (; i < j; i++) itemLines.push("");
          continue;
        }
        break;
      }
      const indent = indentOf(line);
      if (indent >= marker.contentIndent) {
        itemLines.push(dedent(line, marker.contentIndent));
        i++;
        continue;
      }
      const inner = listMarker(line);
      // Models often indent a sub-list by two spaces under "1. ": more than the parent's marker is enough.
      if (inner && indent > marker.indent) {
        itemLines.push(dedent(line, indent));
        i++;
        continue;
      }
      if (inner || startsBlock(line)) break;
      // Lazy continuation of the item's last paragraph.
      if (!isBlank(itemLines[itemLines.length - 1]!)) {
        itemLines.push(line.replace(/^[ \t]+/, ""));
        i++;
        continue;
      }
      break;
    }
    items.push(depth < MAX_DEPTH ? parseBlocks(itemLines, depth + 1) : [plainParagraph(itemLines)]);

    let j = i;
    while (j < lines.length && isBlank(lines[j]!)) j++;
    const next = j < lines.length ? listMarker(lines[j]!) : undefined;
    if (!next || !sameList(first, next) || next.indent > first.indent + 3 || RULE.test(lines[j]!)) break;
    marker = next;
    i = j;
  }
  return { block: { type: "list", ordered: first.ordered, start: first.start, items }, next: i };
}

// ---------------------------------------------------------------------------------------------
// Inlines

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

// ---------------------------------------------------------------------------------------------
// DOM

/** What the renderer needs of an element: HTMLElement fits, and so does a small fake in tests. */
export interface MarkdownElement<E> {
  className: string;
  setAttribute(name: string, value: string): void;
  append(...nodes: (E | string)[]): void;
}

export interface MarkdownDocument<E extends MarkdownElement<E>> {
  createElement(tagName: string): E;
}

/** A source an inline citation can open. */
export interface CitedSource {
  n: number;
  heading: string;
  path: string;
  startLine: number;
  endLine: number;
}

export function citationLabel(s: CitedSource): string {
  return `Open source ${s.n}: ${headingText(s.heading)}, ${s.path} lines ${s.startLine} to ${s.endLine}`;
}

/** A heading as plain text: "Metric: `http.server.request.duration`" loses its backticks. */
export function headingText(heading: string): string {
  return parseInlines(heading).map(plainText).join("");
}

/**
 * Builds elements for the blocks. Citations whose number names a source become
 * `<button class="cite" data-n>` (the caller handles their clicks, by delegation); other numbers stay text.
 */
export function renderMarkdown<E extends MarkdownElement<E>>(
  doc: MarkdownDocument<E>,
  blocks: Block[],
  sourceFor: (n: number) => CitedSource | undefined,
): E[] {
  return builder(doc, sourceFor).blocks(blocks);
}

/** One line of inline Markdown (a section heading, say) as nodes to append; no citation buttons. */
export function renderInlineMarkdown<E extends MarkdownElement<E>>(doc: MarkdownDocument<E>, text: string): (E | string)[] {
  return builder(doc, () => undefined).inlines(parseInlines(text));
}

function builder<E extends MarkdownElement<E>>(doc: MarkdownDocument<E>, sourceFor: (n: number) => CitedSource | undefined) {
  const el = (tag: string, className?: string, ...children: (E | string)[]): E => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    e.append(...children);
    return e;
  };

  const inlines = (nodes: Inline[]): (E | string)[] =>
    nodes.flatMap((node): (E | string)[] => {
      switch (node.type) {
        case "text":
          return [node.text];
        case "code":
          return [el("code", "md-inline-code", node.text)];
        case "strong":
          return [el("strong", undefined, ...inlines(node.children))];
        case "em":
          return [el("em", undefined, ...inlines(node.children))];
        case "break":
          return [el("br")];
        case "link": {
          const label = inlines(node.children);
          const labelText = node.children.map(plainText).join("");
          const link = el("span", "md-link");
          if (labelText.trim() && labelText !== node.url) link.append(...label, " ");
          link.append(el("span", "md-url", labelText.trim() && labelText !== node.url ? `(${node.url})` : node.url));
          return [link];
        }
        case "citation": {
          const parts: (E | string)[] = [];
          const unknown: number[] = [];
          for (const n of node.numbers) {
            const source = sourceFor(n);
            if (!source) {
              unknown.push(n);
              continue;
            }
            const button = el("button", "cite", String(n));
            button.setAttribute("type", "button");
            button.setAttribute("data-n", String(n));
            button.setAttribute("aria-label", citationLabel(source));
            button.setAttribute("title", `${headingText(source.heading)} — ${source.path}:${source.startLine}-${source.endLine}`);
            parts.push(button);
          }
          if (unknown.length) parts.push(`[${unknown.join(", ")}]`);
          return parts;
        }
      }
    });

  const block = (b: Block): E => {
    switch (b.type) {
      case "paragraph":
        return el("p", undefined, ...inlines(b.children));
      case "heading":
        return el("p", `md-heading md-h${b.level}`, el("strong", undefined, ...inlines(b.children)));
      case "code": {
        const pre = el("pre", "md-code", el("code", undefined, b.text));
        if (b.lang) pre.setAttribute("data-lang", b.lang);
        return pre;
      }
      case "quote":
        return el("blockquote", undefined, ...b.children.map(block));
      case "rule":
        return el("hr");
      case "list": {
        const list = el(b.ordered ? "ol" : "ul");
        if (b.ordered && b.start !== 1) list.setAttribute("start", String(b.start));
        for (const item of b.items) {
          // A tight item's single paragraph goes straight into the <li>.
          const only = item.length === 1 ? item[0]! : undefined;
          list.append(only?.type === "paragraph" ? el("li", undefined, ...inlines(only.children)) : el("li", undefined, ...item.map(block)));
        }
        return list;
      }
      case "table": {
        const head = el("tr", undefined, ...b.header.map((cell) => el("th", undefined, ...inlines(cell))));
        const rows = b.rows.map((row) => el("tr", undefined, ...row.map((cell) => el("td", undefined, ...inlines(cell)))));
        return el("div", "md-table", el("table", undefined, el("thead", undefined, head), el("tbody", undefined, ...rows)));
      }
    }
  };

  return { inlines, blocks: (blocks: Block[]) => blocks.map(block) };
}

/** The text of inlines, as a reader would see it (for labels and copying). */
export function plainText(node: Inline): string {
  switch (node.type) {
    case "text":
    case "code":
      return node.text;
    case "strong":
    case "em":
    case "link":
      return node.children.map(plainText).join("");
    case "citation":
      return `[${node.numbers.join(", ")}]`;
    case "break":
      return "\n";
  }
}
