// The formats other than Markdown and plain text, by file extension: each has a
// scanner that reads the file into Markdown blocks (./block.ts); MDX and notebooks are read as Markdown
// line for line once mdx.ts or notebook.ts has made their lines Markdown. The chunker chunks those blocks;
// the card, excerpt and citation code read the same blocks as a Markdown view of the file's lines.
// YAML and JSON files are read as OpenAPI / AsyncAPI specs when they are one, else as plain text.
import { isYamlOrJson, mayBeApiSpec, scanApiSpec } from "./apiSpec.js";
import { scanAsciidoc } from "./asciidoc.js";
import type { ScannedDocument } from "./block.js";
import { scanHtml } from "./html.js";
import { fitToSourceLines, markdownView } from "./markdownView.js";
import { mdxAsMarkdown } from "./mdx.js";
import { notebookAsMarkdown } from "./notebook.js";
import { scanRst } from "./rst.js";
import { parseParagraphs } from "../plainText.js";

type Scanner = (source: string, lines: readonly string[]) => ScannedDocument;

const SCANNERS: Record<string, Scanner> = {
  adoc: (_, lines) => scanAsciidoc(lines),
  asciidoc: (_, lines) => scanAsciidoc(lines),
  asc: (_, lines) => scanAsciidoc(lines),
  html: (source) => scanHtml(source),
  htm: (source) => scanHtml(source),
  rst: (_, lines) => scanRst(lines),
};

/** A spec's sections, or the file's paragraphs as plain text when it is not a spec. */
const scanYamlOrJson: Scanner = (source, lines) => scanApiSpec(source) ?? { blocks: parseParagraphs([...lines], 0), notes: [] };

function scannerFor(path: string): Scanner | undefined {
  if (isYamlOrJson(path)) return scanYamlOrJson;
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : SCANNERS[path.slice(dot + 1).toLowerCase()];
}

const isMdx = (path: string) => path.toLowerCase().endsWith(".mdx");
const isNotebook = (path: string) => path.toLowerCase().endsWith(".ipynb");

/**
 * The lines the Markdown scanner reads for a format read as Markdown line for line (MDX, notebooks),
 * or undefined for any other file.
 */
export function markdownLinesOf(source: string, lines: readonly string[], path: string): string[] | undefined {
  if (isMdx(path)) return mdxAsMarkdown(lines);
  if (isNotebook(path)) return notebookAsMarkdown(source, lines);
  return undefined;
}

/** Whether the file is read through a scanner of this folder, or as MDX or a notebook (its lines are then read as a Markdown view). */
export function isConvertedFormat(path: string): boolean {
  return scannerFor(path) !== undefined || isMdx(path) || isNotebook(path);
}

/** The file's blocks, each fitted to its source lines, or undefined for Markdown (MDX and notebooks included) and plain text. */
export function scanConvertedFormat(source: string, lines: readonly string[], path: string): ScannedDocument | undefined {
  const scan = scannerFor(path);
  if (!scan) return undefined;
  const doc = scan(source, lines);
  // A block with more Markdown lines than source lines (`<pre><code>` opens on the code's first line)
  // first takes the unused lines after it, up to the next block.
  const blocks = doc.blocks.map((block, k) => {
    const wanted = block.startLine + block.lines.length - 1;
    if (wanted <= block.endLine) return block;
    const free = Math.min(doc.blocks[k + 1]?.startLine ?? lines.length + 1, lines.length + 1) - 1;
    return { ...block, endLine: Math.max(block.endLine, Math.min(wanted, free)) };
  });
  return { ...doc, blocks: blocks.map(fitToSourceLines) };
}

/** The Markdown view of a file's text (one entry per source line), or undefined for Markdown and plain text (read as they are). */
export function markdownViewOf(source: string, lines: readonly string[], path: string): string[] | undefined {
  const asMarkdown = markdownLinesOf(source, lines, path);
  if (asMarkdown) return asMarkdown;
  // YAML or JSON that is not a spec is plain text: its view is its lines.
  if (isYamlOrJson(path) && !mayBeApiSpec(source)) return undefined;
  const doc = scanConvertedFormat(source, lines, path);
  return doc ? markdownView(lines.length, doc.blocks) : undefined;
}
