// Issue 26 items 1 and 2, the answer path's regexes: each attack kept with the outcome it must have.
// Time is compared as a ratio (100 KB against 10 KB, test/helpers/linearTime.ts), never as
// milliseconds. The old patterns are kept here as the reference the linear scans must agree with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import fc from "fast-check";
import { compactMarkdown, plainInline, readableMarkdown } from "../../src/engine/cards/inlineText.js";
import { isDelimiterRow, tablesIn } from "../../src/engine/cards/markdownTables.js";
import { buildCard } from "../../src/engine/cards/definitionCard.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { unitsOf } from "../../src/engine/answer/excerptUnits.js";
import { bestExcerpt } from "../../src/engine/answer/excerpts.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { definitionRow } from "../../src/engine/lookup.js";
import { describeTimes, LARGE_BYTES, linearTimes, SMALL_BYTES } from "../helpers/linearTime.js";
import { tempDocs } from "../helpers/tempDocs.js";

/** Asserts that `f` on `make(LARGE_BYTES)` takes under 30x its time on `make(SMALL_BYTES)`. */
function assertLinear(what: string, f: (text: string) => unknown, make: (n: number) => string): void {
  const t = linearTimes(f, make(SMALL_BYTES), make(LARGE_BYTES));
  assert.ok(t.linear, describeTimes(what, t));
}

// The patterns as they were (quadratic on long runs, exact on short text): the reference.
const OLD_DELIMITER = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const OLD_IMAGE = /!\[([^\]\n]*)\]\([^)\n]*\)/g;
const OLD_LINK = /\[([^\]\n]*)\]\([^)\n]*\)/g;
const OLD_REFERENCE_LINK = /\[([^\]\n]+)\]\[[^\]\n]*\]/g;
const oldPlainInline = (text: string) =>
  text
    .replace(OLD_IMAGE, "$1")
    .replace(OLD_LINK, "$1")
    .replace(OLD_REFERENCE_LINK, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/\s*\[\d+\]$/, "")
    .replace(/\s+/g, " ")
    .trim();
/** readableMarkdown without the alert markers (whose pattern changed on purpose, see below). */
const oldReadableNoAlerts = (text: string) =>
  text
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(OLD_IMAGE, "$1")
    .replace(OLD_REFERENCE_LINK, "$1");

const ISSUE_DOC = (spaces: number) => "# Metric: `hang.metric`\n\nThe hang metric.\n\na | b\n" + " ".repeat(spaces) + "x\n";

test("item 1: the delimiter check is linear in a line of spaces under a line holding a pipe", () => {
  assertLinear("isDelimiterRow", isDelimiterRow, (n) => " ".repeat(n) + "x");
  assertLinear(
    "tablesIn",
    (t) => tablesIn(["a | b", t], 1),
    (n) => " ".repeat(n) + "x",
  );
});

test("item 1: the issue's document gets its card (the hover's function) and a retrieval-only answer", async () => {
  const root = await tempDocs({ "doc.md": ISSUE_DOC(40_000) });
  try {
    const index = new DocsIndex([root]);
    await index.update();
    const card = await cardForName(index, "hang.metric");
    assert.equal(card?.term, "hang.metric");
    assert.equal(card?.description, "The hang metric.");
    const result = await answerQuestion(index, undefined, "what is hang.metric");
    assert.equal(result.mode, "retrieval-only");
    assert.equal(result.sources[0]?.path, "doc.md");
    assert.equal(result.cards?.[0]?.description, "The hang metric.");
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test("delimiter rows: the scan accepts exactly the rows the old pattern accepted", () => {
  for (const row of ["---", "--|--", "| --- | :-- |", "|:--|--:|", "  | --- |  ", "-- | -- |", ":--:"]) assert.ok(isDelimiterRow(row), row);
  for (const row of ["-", "| - |", "|", "||", "| --- || --- |", "- -", "| a |", "|-\\|-|", "::", "---x", ""]) assert.ok(!isDelimiterRow(row), row);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(" ", "\t", "|", "-", "--", ":", "a", "\\"), { maxLength: 12 }), (pieces) => {
      const row = pieces.join("");
      assert.equal(isDelimiterRow(row), OLD_DELIMITER.test(row), JSON.stringify(row));
    }),
    { numRuns: 3000 },
  );
});

test("item 2: links, images, reference links, footnote marks and comments are reduced in linear time", () => {
  assertLinear("plainInline on [", plainInline, (n) => "[".repeat(n));
  assertLinear("plainInline on ![", plainInline, (n) => "![".repeat(n / 2));
  assertLinear("plainInline on [a](", plainInline, (n) => "[a](".repeat(n / 4));
  assertLinear("plainInline on [a][", plainInline, (n) => "[a][".repeat(n / 4));
  assertLinear("plainInline on spaces (footnote mark)", plainInline, (n) => " ".repeat(n) + "x");
  assertLinear("readableMarkdown on <!--", readableMarkdown, (n) => "<!--".repeat(n / 4));
  assertLinear("readableMarkdown on ![", readableMarkdown, (n) => "![".repeat(n / 2));
  assertLinear("compactMarkdown on [a](", compactMarkdown, (n) => "[a](".repeat(n / 4));
});

test("item 2: the alert and table-row patterns stay on their line (linear in blank lines and lines of spaces)", () => {
  assertLinear("readableMarkdown on blank lines", readableMarkdown, (n) => "\n".repeat(n) + "x");
  assertLinear("compactMarkdown on blank lines", compactMarkdown, (n) => "\n".repeat(n) + "x");
  assertLinear("compactMarkdown on lines of spaces", compactMarkdown, (n) => (" ".repeat(999) + "\n").repeat(n / 1000) + "x");
  // The old `\s*$` after an alert marker ate the blank line below it, which made the next paragraph
  // a lazy continuation of the quote.
  assert.equal(readableMarkdown("> [!NOTE]\n\nText"), "> **NOTE**\n\nText");
  assert.equal(readableMarkdown("> [!WARNING]  \n> Careful."), "> **WARNING**\n> Careful.");
  assert.equal(compactMarkdown("| a    | b |\n|------|---|\n\n\n\ntext"), "| a | b |\n|---|---|\n\ntext");
});

test("inline text: the linear scans give what the old patterns gave", () => {
  const piece = fc.constantFrom("[", "]", "(", ")", "![", "](", "][", "`", "**", "*", " ", "\n", "\t", "a", "1", "[1]", "<!--", "-->", "|", "-", ">");
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
      const text = pieces.join("");
      assert.equal(plainInline(text), oldPlainInline(text), JSON.stringify(text));
      assert.equal(readableMarkdown(text), oldReadableNoAlerts(text), JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
  assert.equal(plainInline("![Stable](https://img.shields.io/a) [`a.b`](x.md) [rec][Rec] **bold** [2]"), "Stable a.b rec bold");
});

test("definition lists: a run of spaces before a line separator is read in linear time", () => {
  const section = (text: string) => ({ file: "/d/doc.md", path: "doc.md", heading: "a.b", startLine: 1, endLine: 2, lines: ["a.b", text] });
  assertLinear(
    "buildCard",
    (t) => buildCard("a.b", section(t)),
    (n) => ": " + " ".repeat(n) + "x\u2028y",
  );
  assert.equal(buildCard("a.b", section(":   The a b.  "))?.description, "The a b.");
});

test("deep quotes are read as text, not a stack overflow", () => {
  const line = ">".repeat(200_000) + " deep";
  const units = unitsOf([line]);
  assert.ok(units.some((u) => u.text.includes("deep")));
  const query = { weights: new Map([["deep", 1]]), terms: [] };
  assert.ok(bestExcerpt([line], query, 700).text.startsWith("> >>>"));
  // Ordinary nesting is still read as quotes.
  assert.deepEqual(
    unitsOf(["> > Nested text."]).map((u) => [u.text, u.quote !== undefined]),
    [["Nested text.", true]],
  );
});

test("hover: the definition row's header is found in linear time over leading spaces", () => {
  const table = (t: string) => `| Name | Unit |\n|---|---|\n${t}|\n| \`a.b\` | s |`;
  assertLinear(
    "definitionRow",
    (t) => definitionRow({ text: table(t) }, "a.b"),
    (n) => " ".repeat(n),
  );
  assert.deepEqual(definitionRow({ text: "| Name | Unit |\n   |---|---|\n| `a.b` | s |" }, "a.b"), { Unit: "s" });
});
