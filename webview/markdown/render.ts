// Rendering the Markdown AST as DOM elements and text nodes (never HTML), with citation buttons
// for the sources an answer cites.
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
