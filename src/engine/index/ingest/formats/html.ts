// HTML read into Markdown blocks with a real HTML parser (parse5, with source locations): headings
// h1-h6 as sections, tables as pipe tables, `pre` as code, lists, definition lists and paragraphs as
// text; `script`, `style`, `nav`, `header`, `footer` and what is never shown are dropped. Each block
// points at the source lines of its element.
import { parse, type DefaultTreeAdapterMap } from "parse5";
import type { Block, ScannedDocument } from "./block.js";
import { capHeading } from "../headingText.js";
import { pipeTable } from "./markdownTable.js";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

const DROPPED = new Set(["script", "style", "nav", "header", "footer", "noscript", "template", "head", "svg", "math", "iframe", "object", "button", "select"]);
const BLOCKS = new Set([
  "html", "body", "main", "article", "section", "aside", "div", "p", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
  "figure", "figcaption", "details", "summary", "address", "hr", "form", "fieldset", "center", "caption",
]); // prettier-ignore
const HEADING = /^h([1-6])$/;
/** Elements whose end tag may be left out: the parser closes them itself, so they do not nest deeper. */
const OPTIONAL_END = new Set([
  "p",
  "li",
  "dt",
  "dd",
  "tr",
  "td",
  "th",
  "option",
  "optgroup",
  "thead",
  "tbody",
  "tfoot",
  "colgroup",
  "rb",
  "rt",
  "rp",
  "rtc",
  "caption",
]);
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "keygen"]);
/**
 * parse5's tree building walks its stack of open elements for many tags, so its time grows with the
 * square of the nesting depth (100 KB of `<div>` took 5 s). Real pages nest a few dozen deep; a file
 * nested deeper than this is not parsed (the index lists it as skipped, with this reason).
 */
export const MAX_HTML_DEPTH = 128;

const isElement = (node: Node): node is Element => "tagName" in node;
const collapse = (text: string) => text.replace(/\s+/g, " ");

/** The deepest nesting of elements the tags say (elements with optional end tags not counted): a linear scan. */
export function htmlNestingDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = source.indexOf("<"); i >= 0; i = source.indexOf("<", i + 1)) {
    const closing = source.charCodeAt(i + 1) === 47;
    let j = i + (closing ? 2 : 1);
    const start = j;
    while (j < source.length && j - start < 20 && /[A-Za-z0-9]/.test(source[j]!)) j++;
    if (j === start) continue;
    const name = source.slice(start, j).toLowerCase();
    if (OPTIONAL_END.has(name) || VOID.has(name)) continue;
    if (closing) depth = Math.max(0, depth - 1);
    else if (++depth > max) max = depth;
  }
  return max;
}

function lineRange(node: Node): { startLine: number; endLine: number } | undefined {
  const loc = node.sourceCodeLocation;
  if (!loc) return undefined;
  return { startLine: loc.startLine, endLine: Math.max(loc.startLine, loc.endLine ?? loc.startLine) };
}

/** An element's text as Markdown inline text: `code` in backticks, scripts and styles left out, white space collapsed. */
function inlineText(root: Element): string {
  let out = "";
  const stack: (Node | string)[] = [...root.childNodes].reverse();
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item === "string") {
      out += item;
      continue;
    }
    if (item.nodeName === "#text") out += (item as DefaultTreeAdapterMap["textNode"]).value;
    if (!isElement(item) || DROPPED.has(item.tagName)) continue;
    if (item.tagName === "br") out += " ";
    else if (item.tagName === "img") {
      // A badge's alt text says what it shows ("Stable"), as in Markdown's `![Stable](…)`.
      const alt = item.attrs.find((a) => a.name === "alt")?.value;
      if (alt) out += `![${alt}](${item.attrs.find((a) => a.name === "src")?.value ?? ""})`;
    } else if (item.tagName === "code" || item.tagName === "kbd" || item.tagName === "samp") {
      stack.push("`");
      for (let k = item.childNodes.length - 1; k >= 0; k--) stack.push(item.childNodes[k]!);
      stack.push("`");
    } else {
      if (BLOCKS.has(item.tagName) || item.tagName === "tr") stack.push(" ");
      for (let k = item.childNodes.length - 1; k >= 0; k--) stack.push(item.childNodes[k]!);
    }
  }
  return collapse(out).trim();
}

function textContent(root: Element): string {
  let out = "";
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeName === "#text") out += (node as DefaultTreeAdapterMap["textNode"]).value;
    else if (isElement(node) && !DROPPED.has(node.tagName)) for (let k = node.childNodes.length - 1; k >= 0; k--) stack.push(node.childNodes[k]!);
  }
  return out;
}

function tableLines(table: Element): string[] {
  const rows: { cells: string[]; head: boolean }[] = [];
  // Rows of this table only: a table inside a cell is that cell's text.
  const stack: Node[] = [...table.childNodes].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    if (!isElement(node) || DROPPED.has(node.tagName) || node.tagName === "table") continue;
    if (node.tagName === "tr") {
      const cells = node.childNodes.filter((c): c is Element => isElement(c) && (c.tagName === "td" || c.tagName === "th"));
      const inHead = node.parentNode !== null && "tagName" in node.parentNode && node.parentNode.tagName === "thead";
      rows.push({ cells: cells.map(inlineText), head: inHead || (cells.length > 0 && cells.every((c) => c.tagName === "th")) });
      continue;
    }
    for (let k = node.childNodes.length - 1; k >= 0; k--) stack.push(node.childNodes[k]!);
  }
  const header = rows[0]?.head ? rows.shift()!.cells : [];
  return pipeTable(
    header,
    rows.map((r) => r.cells),
  );
}

function fenceLines(pre: Element): string[] {
  const code = pre.childNodes.find((c): c is Element => isElement(c) && c.tagName === "code");
  const classes = [pre, code].flatMap((el) => el?.attrs.find((a) => a.name === "class")?.value.split(/\s+/) ?? []);
  const language = classes.find((c) => c.startsWith("language-") || c.startsWith("lang-"))?.replace(/^lang(uage)?-/, "") ?? "";
  const text = textContent(pre)
    .replace(/^\r?\n/, "")
    .replace(/\s+$/, "");
  return ["```" + language, ...text.split(/\r\n|\r|\n/), "```"];
}

export function scanHtml(source: string): ScannedDocument {
  const depth = htmlNestingDepth(source);
  if (depth > MAX_HTML_DEPTH) throw new Error(`HTML nested ${depth} elements deep (over ${MAX_HTML_DEPTH}): not parsed`);
  const document = parse(source, { sourceCodeLocationInfo: true });
  const blocks: Block[] = [];
  let title: string | undefined;
  let para: Block | undefined;
  let prefix = "";
  const closePara = () => {
    if (para && para.lines.some((l) => l.trim())) blocks.push({ ...para, lines: para.lines.map((l) => l.trim()).filter((l) => l) });
    para = undefined;
  };
  const addText = (text: string, range: { startLine: number; endLine: number } | undefined, newLine = false) => {
    if (!para) {
      if (!text.trim() || !range) return;
      para = { kind: "para", startLine: range.startLine, endLine: range.endLine, lines: [prefix] };
      prefix = "";
    }
    if (newLine) para.lines.push("");
    para.lines[para.lines.length - 1] += text;
    if (range) para.endLine = Math.max(para.endLine, range.endLine);
  };
  const add = (block: Block) => {
    closePara();
    blocks.push(block);
  };

  const stack: (Node | { exit: Element })[] = [document];
  while (stack.length) {
    const item = stack.pop()!;
    if ("exit" in item) {
      if (BLOCKS.has(item.exit.tagName)) closePara();
      continue;
    }
    const node = item;
    if (node.nodeName === "#text") {
      addText(collapse((node as DefaultTreeAdapterMap["textNode"]).value), lineRange(node));
      continue;
    }
    if (!isElement(node)) {
      // The document and its fragments: their children, in order.
      if ("childNodes" in node) for (let k = node.childNodes.length - 1; k >= 0; k--) stack.push(node.childNodes[k]!);
      continue;
    }
    const tag = node.tagName;
    if (tag === "head") {
      const titleElement = node.childNodes.find((c): c is Element => isElement(c) && c.tagName === "title");
      if (titleElement && title === undefined) title = capHeading(collapse(textContent(titleElement)).trim()) || undefined;
    }
    if (DROPPED.has(tag)) continue;
    const range = lineRange(node);
    const heading = HEADING.exec(tag);
    if (heading && range) {
      const text = capHeading(inlineText(node));
      if (!text) continue;
      const level = Number(heading[1]);
      add({ kind: "heading", ...range, lines: [`${"#".repeat(level)} ${text}`], level, headingText: text });
      continue;
    }
    if (tag === "pre" && range) {
      add({ kind: "fence", ...range, lines: fenceLines(node) });
      continue;
    }
    if (tag === "table" && range) {
      add({ kind: "table", ...range, lines: tableLines(node) });
      continue;
    }
    if ((tag === "code" || tag === "kbd" || tag === "samp") && range) {
      addText(`\`${inlineText(node)}\``, range);
      continue;
    }
    if (tag === "dd" && range) {
      // "term" / ": definition", the definition list form the card code reads.
      const last = para ?? blocks[blocks.length - 1];
      const definition = `: ${inlineText(node)}`;
      if (para && para.lines.length === 1) {
        para.lines.push(definition);
        para.endLine = Math.max(para.endLine, range.endLine);
        closePara();
      } else if (last && !para) add({ kind: "para", ...range, lines: [definition] });
      else add({ kind: "para", ...range, lines: [definition] });
      continue;
    }
    if (tag === "br") {
      if (para) para.lines.push("");
      continue;
    }
    if (BLOCKS.has(tag)) {
      closePara();
      if (tag === "li") prefix = node.parentNode && "tagName" in node.parentNode && node.parentNode.tagName === "ol" ? "1. " : "- ";
      if (tag === "dt" && range) {
        para = { kind: "para", ...range, lines: [inlineText(node)] };
        continue;
      }
    }
    stack.push({ exit: node });
    const children = tag === "template" ? [] : node.childNodes;
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]!);
  }
  closePara();
  return { blocks: withoutOverlaps(blocks), ...(title ? { title } : {}), notes: [] };
}

/**
 * Blocks in document order that share no source line, where that can be (several elements on one
 * line, as in minified HTML, become one block there), so the Markdown view of the file places each
 * line once. A heading is never merged away: it may share its line with the block before it (the
 * view then shows the heading there, and the card code reads that section from its chunk's text).
 */
function withoutOverlaps(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    const prev = out[out.length - 1];
    if (!prev || block.startLine > prev.endLine) {
      out.push(block);
      continue;
    }
    if (block.kind === "heading" || prev.kind === "heading") {
      // The block before keeps only the lines above the heading, if it has any.
      if (block.kind === "heading" && block.startLine > prev.startLine) prev.endLine = block.startLine - 1;
      out.push(block);
      continue;
    }
    // Merged in place: a minified page merges thousands of blocks, and copying each time would be quadratic.
    if (prev.kind !== block.kind) prev.kind = "para";
    prev.endLine = Math.max(prev.endLine, block.endLine);
    for (const line of block.lines) prev.lines.push(line);
  }
  return out;
}
