// Rendering the Markdown AST as DOM elements and text nodes (never HTML), with citation buttons
// for the sources an answer cites.
import { MAX_HEADING_CHARS } from "../../src/shared/defaults.js";
import type { Block, Inline } from "./ast.js";
import { parseInlines } from "./inlines.js";

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

/** Raw Markdown read for a heading: enough for MAX_HEADING_CHARS of text, however much of it is markup. */
const MAX_HEADING_SOURCE = MAX_HEADING_CHARS * 10;

export function citationLabel(s: CitedSource): string {
  return `Open source ${s.n}: ${headingText(s.heading)}, ${clipText(s.path, MAX_PATH_CHARS)} lines ${s.startLine} to ${s.endLine}`;
}

/** The most characters of a path shown in labels and the source list. */
export const MAX_PATH_CHARS = 300;

/** `text` cut to `max` characters, ending in "…" when cut. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/**
 * A heading as plain text: "Metric: `http.server.request.duration`" loses its backticks. At most
 * `max` characters (a hostile doc's heading can be hundreds of KB), ending in "…" when cut.
 */
export function headingText(heading: string, max = MAX_HEADING_CHARS): string {
  return clipInlines(parseHeading(heading, max), max).map(plainText).join("");
}

function parseHeading(heading: string, max: number): Inline[] {
  const source = String(heading);
  const limit = Math.max(max * 10, MAX_HEADING_SOURCE);
  if (source.length <= limit) return parseInlines(source);
  // Cut raw Markdown: mark it cut with a text "…" that clipInlines keeps (or replaces when it cuts too).
  return [...parseInlines(source.slice(0, limit)), { type: "text", text: "…" }];
}

/**
 * Inlines whose text is at most `max` characters, the last one ending in "…" when cut. Nesting is
 * at most MAX_DEPTH deep (the parser's limit), so the recursion is bounded.
 */
export function clipInlines(nodes: Inline[], max: number): Inline[] {
  if (textLength(nodes, max) <= max) return nodes;
  // One character is kept for the "…".
  let left = max - 1;
  let cut = false;
  const clip = (list: Inline[]): Inline[] => {
    const out: Inline[] = [];
    for (const node of list) {
      if (cut) break;
      if (node.type === "strong" || node.type === "em") {
        out.push({ type: node.type, children: clip(node.children) });
        continue;
      }
      if (node.type === "link") {
        // Shown as its label and its URL: a link cut short, or whose URL does not fit, keeps only its label.
        const children = clip(node.children);
        if (!cut && node.url.length <= left) {
          left -= node.url.length;
          out.push({ ...node, children });
        } else {
          for (const child of children) out.push(child);
          if (!cut) out.push({ type: "text", text: "…" });
          cut = true;
        }
        continue;
      }
      const size = plainText(node).length;
      if (size <= left) {
        out.push(node);
        left -= size;
        continue;
      }
      cut = true;
      out.push(node.type === "text" || node.type === "code" ? { ...node, text: `${node.text.slice(0, left)}…` } : { type: "text", text: "…" });
    }
    return out;
  };
  return clip(nodes);
}

/** The length of the inlines' text as shown (links with their URL), counted no further than past `max`. */
function textLength(nodes: Inline[], max: number): number {
  let total = 0;
  const count = (list: Inline[]): void => {
    for (const node of list) {
      if (total > max) return;
      if (node.type === "strong" || node.type === "em") count(node.children);
      else if (node.type === "link") {
        count(node.children);
        total += node.url.length;
      } else total += plainText(node).length;
    }
  };
  count(nodes);
  return total;
}

/**
 * Builds elements for the blocks. Citations whose number names a source become
 * `<button class="cite" data-n>` (the caller handles their clicks, by delegation); other numbers stay
 * text, flagged `<span class="cite-unknown">`. Children are appended one at a time: a block can hold
 * any number of them, so none is ever spread into a call.
 */
export function renderMarkdown<E extends MarkdownElement<E>>(
  doc: MarkdownDocument<E>,
  blocks: Block[],
  sourceFor: (n: number) => CitedSource | undefined,
): E[] {
  return builder(doc, sourceFor).blocks(blocks);
}

/**
 * One line of inline Markdown (a section heading, say) as nodes to append; no citation buttons.
 * At most `max` characters of text, ending in "…" when cut.
 */
export function renderInlineMarkdown<E extends MarkdownElement<E>>(doc: MarkdownDocument<E>, text: string, max = MAX_HEADING_CHARS): (E | string)[] {
  return builder(doc, undefined).inlines(clipInlines(parseHeading(text, max), max));
}

/** Appends nodes one by one: `append(...nodes)` overflows the stack once there are ~100k of them. */
export function appendAll<E extends MarkdownElement<E>>(parent: E, nodes: readonly (E | string)[]): E {
  for (const node of nodes) parent.append(node);
  return parent;
}

/** `sourceFor` undefined: a heading, whose "[1]" is text, not a citation. */
function builder<E extends MarkdownElement<E>>(doc: MarkdownDocument<E>, sourceFor: ((n: number) => CitedSource | undefined) | undefined) {
  const el = (tag: string, className?: string, children: readonly (E | string)[] = []): E => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    return appendAll(e, children);
  };

  const inlines = (nodes: Inline[]): (E | string)[] => {
    const out: (E | string)[] = [];
    for (const node of nodes) {
      switch (node.type) {
        case "text":
          out.push(node.text);
          break;
        case "code":
          out.push(el("code", "md-inline-code", [node.text]));
          break;
        case "strong":
          out.push(el("strong", undefined, inlines(node.children)));
          break;
        case "em":
          out.push(el("em", undefined, inlines(node.children)));
          break;
        case "break":
          out.push(el("br"));
          break;
        case "link": {
          const labelText = node.children.map(plainText).join("");
          if (isOpenableLink(node.url)) {
            // A clickable link: a span with the address in data-href, never an anchor (nothing the
            // webview navigates to); the host opens it (web links after the editor's confirmation).
            const link = el("span", "md-link openable");
            link.setAttribute("role", "link");
            link.setAttribute("tabindex", "0");
            link.setAttribute("data-href", node.url);
            link.setAttribute("title", node.url);
            if (labelText.trim()) appendAll(link, inlines(node.children));
            else link.append(node.url);
            out.push(link);
            break;
          }
          if (node.url.trim().startsWith("#") && labelText.trim()) {
            // A link to a heading of the same doc ("[name](#metric-name)"): the excerpt is shown
            // away from its page, so the anchor means nothing here; the label is the text.
            const link = el("span", "md-link", inlines(node.children));
            link.setAttribute("title", node.url);
            out.push(link);
            break;
          }
          const link = el("span", "md-link");
          if (labelText.trim() && labelText !== node.url) {
            appendAll(link, inlines(node.children));
            link.append(" ");
          }
          link.append(el("span", "md-url", [labelText.trim() && labelText !== node.url ? `(${node.url})` : node.url]));
          out.push(link);
          break;
        }
        case "citation": {
          if (!sourceFor) {
            out.push(plainText(node));
            break;
          }
          const unknown: number[] = [];
          for (const n of node.numbers) {
            const source = Number.isSafeInteger(n) && n > 0 ? sourceFor(n) : undefined;
            if (!source) {
              unknown.push(n);
              continue;
            }
            const button = el("button", "cite", [String(n)]);
            button.setAttribute("type", "button");
            button.setAttribute("data-n", String(n));
            button.setAttribute("aria-label", citationLabel(source));
            button.setAttribute("title", `${headingText(source.heading)} — ${clipText(source.path, MAX_PATH_CHARS)}:${source.startLine}-${source.endLine}`);
            out.push(button);
          }
          // Numbers that name no source stay visible as text, flagged.
          if (unknown.length) {
            const flag = el("span", "cite-unknown", [`[${unknown.join(", ")}]`]);
            flag.setAttribute("title", "Not a source of this answer");
            out.push(flag);
          }
          break;
        }
      }
    }
    return out;
  };

  const block = (b: Block): E => {
    switch (b.type) {
      case "paragraph":
        return el("p", undefined, inlines(b.children));
      case "heading":
        // A heading is one line: one from a hostile doc (hundreds of KB) is cut, as in the source list.
        return el("p", `md-heading md-h${b.level}`, [el("strong", undefined, inlines(clipInlines(b.children, MAX_HEADING_CHARS)))]);
      case "code": {
        const pre = el("pre", "md-code", [el("code", undefined, [b.text])]);
        if (b.lang) pre.setAttribute("data-lang", b.lang);
        return pre;
      }
      case "quote":
        return el("blockquote", undefined, b.children.map(block));
      case "rule":
        return el("hr");
      case "list": {
        const list = el(b.ordered ? "ol" : "ul");
        if (b.ordered && b.start !== 1) list.setAttribute("start", String(b.start));
        for (const item of b.items) {
          // A tight item's single paragraph goes straight into the <li>.
          const only = item.length === 1 ? item[0]! : undefined;
          list.append(only?.type === "paragraph" ? el("li", undefined, inlines(only.children)) : el("li", undefined, item.map(block)));
        }
        return list;
      }
      case "table": {
        const head = el(
          "tr",
          undefined,
          b.header.map((cell) => el("th", undefined, inlines(cell))),
        );
        const rows = b.rows.map((row) =>
          el(
            "tr",
            undefined,
            row.map((cell) => el("td", undefined, inlines(cell))),
          ),
        );
        return el("div", "md-table", [el("table", undefined, [el("thead", undefined, [head]), el("tbody", undefined, rows)])]);
      }
    }
  };

  return { inlines, blocks: (blocks: Block[]) => blocks.map(block) };
}

/**
 * Links the chat lets you click: web addresses (http, https, mailto) and relative links (to other
 * docs, resolved by the host against the file they came from). Every other scheme (javascript:,
 * command:, file:, vscode:, data:) and protocol-relative "//host" stays text.
 */
export function isOpenableLink(url: string): boolean {
  const u = url.trim();
  if (!u || u.length > 2048 || u.startsWith("//") || u.startsWith("#") || [...u].some((c) => c.charCodeAt(0) < 32)) return false;
  if (/^(https?:\/\/|mailto:)/i.test(u)) return true;
  return !/^[a-z][a-z0-9+.-]*:/i.test(u);
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
