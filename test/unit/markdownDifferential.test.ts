// A differential test of the Markdown block scanner (src/engine/index/ingest/markdownBlocks.ts)
// against a CommonMark + GFM implementation (micromark, through mdast-util-from-markdown): on
// generated documents, both must find the same headings, code fences and tables at the same lines.
//
// The scanner is not a CommonMark parser: it finds the blocks that sections and cards are made of,
// in time linear in the text. The differences kept on purpose, which the generator does not produce:
// - Containers: a heading, fence or table inside a list item or block quote is read as a block of
//   the document (CommonMark nests it in the item). Blocks that CommonMark puts inside a list or
//   quote are left out of the comparison.
// - Indented code (four spaces or a tab) is read as text: in docs it is far more often a wrapped
//   list continuation than code. The generator indents by at most three spaces.
// - A table's body ends at the first line without a `|`; GFM keeps such a line as a one-cell row.
// - HTML blocks other than comments are text; closed comments are dropped (micromark keeps them as
//   html nodes, which are not compared).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmTable } from "micromark-extension-gfm-table";
import { gfmTableFromMarkdown } from "mdast-util-gfm-table";
import { parseMarkdownBlocks } from "../../src/engine/index/ingest/markdownBlocks.js";

type Found = string; // "heading:1-2", "fence:4-7", "table:9-11"

function commonMarkTree(doc: string) {
  return fromMarkdown(doc, { extensions: [gfmTable()], mdastExtensions: [gfmTableFromMarkdown()] });
}

/** The scanner's blocks, less those CommonMark puts inside a list item or block quote (kept apart on purpose). */
function scannerBlocks(doc: string): Found[] {
  const containers = commonMarkTree(doc)
    .children.filter((n) => n.type === "list" || n.type === "blockquote")
    .map((n) => [n.position!.start.line, n.position!.end.line] as const);
  const inContainer = (line: number) => containers.some(([from, to]) => line >= from && line <= to);
  return parseMarkdownBlocks(doc.split("\n"), 0)
    .filter((b) => b.kind !== "para" && !inContainer(b.startLine))
    .map((b) => `${b.kind}:${b.startLine}-${b.endLine}`);
}

function commonMarkBlocks(doc: string): Found[] {
  const lines = doc.split("\n");
  const found: Found[] = [];
  for (const node of commonMarkTree(doc).children) {
    const { start, end } = node.position!;
    if (node.type === "heading") found.push(`heading:${start.line}-${end.line}`);
    else if (node.type === "table") found.push(`table:${start.line}-${end.line}`);
    else if (node.type === "code" && /^ {0,3}(`{3,}|~{3,})/.test(lines[start.line - 1]!)) {
      // micromark ends an unclosed fence at the document's end, past trailing blank lines' content:
      // the scanner ends it at the last line, which is the same line.
      found.push(`fence:${start.line}-${end.line}`);
    }
  }
  return found;
}

// Words as docs use them, with the characters that matter to block structure among them.
const word = fc.constantFrom("alpha", "beta", "http.server.request.duration", "`code`", "*em*", "a_b", "x", "10", "#tag", "1.", "--");
const words = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(" "));
const indent = fc.integer({ min: 0, max: 3 }).map((n) => " ".repeat(n));
// A line of prose that starts no block of its own.
const proseLine = fc.array(fc.constantFrom("alpha", "beta", "metric", "`code`", "value", "x"), { minLength: 1, maxLength: 5 }).map((w) => w.join(" "));

const atxHeading = fc
  .record({ indent, level: fc.integer({ min: 1, max: 6 }), text: words, closing: fc.boolean() })
  .map(({ indent, level, text, closing }) => `${indent}${"#".repeat(level)} ${text}${closing ? " ##" : ""}`);
const oddHeading = fc.constantFrom("#", "# #", "##   ", "#\tTabbed", "####### seven", "#no-space", "# a \\#");

const setextHeading = fc
  .record({ text: proseLine, indent, char: fc.constantFrom("=", "-"), n: fc.integer({ min: 1, max: 6 }) })
  .map(({ text, indent, char, n }) => `${text}\n${indent}${char.repeat(n)}`);

const fenceContent = fc.oneof(proseLine, atxHeading, fc.constant("| a | b |"), fc.constant("|---|---|"), fc.constant(""), fc.constant("``"), fc.constant("~~"));
const fence = fc
  .record({
    indent,
    char: fc.constantFrom("`", "~"),
    n: fc.integer({ min: 3, max: 5 }),
    info: fc.constantFrom("", "ts", "yaml", " js title=x", "`x`", "~x"),
    body: fc.array(fenceContent, { maxLength: 4 }),
    extra: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ indent, char, n, info, body, extra }) => [`${indent}${char.repeat(n)}${info}`, ...body, `${char.repeat(n + extra)}`].join("\n"));

const cell = fc.constantFrom("name", "unit", "`s`", "Histogram", "http.server.request.duration", "Duration of requests", "x", "a \\| b", "");
const table = fc
  .record({
    cols: fc.integer({ min: 1, max: 4 }),
    outer: fc.boolean(),
    align: fc.array(fc.constantFrom("---", ":--", "--:", ":-:", "-----"), { minLength: 4, maxLength: 4 }),
    rows: fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 3 }),
    header: fc.array(cell, { minLength: 4, maxLength: 4 }),
  })
  .map(({ cols, outer, align, rows, header }) => {
    const row = (cells: string[]) => {
      const inner = cells.slice(0, cols).join(" | ");
      // One column needs its pipes, or the line is not a table row at all.
      return outer || cols === 1 ? `| ${inner} |` : inner;
    };
    return [row(header), row(align), ...rows.map(row)].join("\n");
  });

const listItem = fc.record({ marker: fc.constantFrom("-", "*", "1."), text: words }).map(({ marker, text }) => `${marker} ${text}`);
const quote = words.map((w) => `> ${w}`);
const thematicBreak = fc.constantFrom("***", "___", "* * *", "- - -", "  ***  ");
const comment = fc.constantFrom("<!-- a note -->", "<!-- two\nlines -->", "<!-- x --> after");
const paragraph = fc.array(proseLine, { minLength: 1, maxLength: 3 }).map((l) => l.join("\n"));

const separator = fc.constantFrom("\n\n", "\n\n", "\n\n", "\n");
// Blocks mostly apart, sometimes on adjacent lines, where one block may interrupt another; a table
// is always followed by a blank line (its body ends differently on purpose, see above).
const part = fc.oneof(
  fc.tuple(fc.oneof(atxHeading, oddHeading, setextHeading, fence, paragraph, thematicBreak, comment), separator),
  fc.tuple(fc.oneof(listItem, quote), fc.constant("\n\n"), fc.constant("container")),
  fc.tuple(table, fc.constant("\n\n")),
);
// A list item or quote ends at a blank line and a block at the margin: on an adjacent line, or
// indented, the next block would be part of the container, whose contents are not compared.
const document = fc
  .array(part, { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([b, sep], i) => (parts[i - 1]?.[2] === "container" ? b.trimStart() : b) + sep).join(""));

test("the Markdown block scanner finds headings, fences and tables at the lines CommonMark (micromark + GFM) does", () => {
  // A fixed seed keeps CI deterministic; DOCENT_FC_SEED tries another set of documents.
  const seed = Number(process.env.DOCENT_FC_SEED ?? 20261206);
  fc.assert(
    fc.property(document, (doc) => {
      assert.deepEqual(scannerBlocks(doc), commonMarkBlocks(doc), `document:\n${doc}`);
    }),
    { seed, numRuns: 600 },
  );
});

test("the cases the scanner once read differently from CommonMark", () => {
  const cases: Record<string, string> = {
    // A pipe in a line followed by `---`: a setext heading, not a table (the delimiter row's cell count
    // must match the header's).
    setextNotTable: "a | b\n---\n",
    // A table may interrupt a paragraph.
    tableAfterProse: "Some text\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    // A setext underline makes the whole paragraph above it a heading.
    twoLineSetext: "first line\nsecond line\n===\n",
    // A thematic break ends the paragraph before it; it is not text of the next one.
    breakThenSetext: "***\nalpha\n=\n",
    // A backtick fence's info string may not hold a backtick.
    backtickInfo: "````x`\n```\n\n# After\n",
    // Text after a comment on its line is a paragraph of its own.
    commentTail: "<!-- x --> after\nalpha\n=\n",
  };
  for (const [name, doc] of Object.entries(cases)) assert.deepEqual(scannerBlocks(doc), commonMarkBlocks(doc), name);
});
