// The docs' own "[1]" footnotes in a retrieval-only answer stay text; only the answer's citations
// become the chat's source buttons (issue 23 item 2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion, parseCitations } from "../../src/engine/answer/pipeline.js";
import { escapeDocsCitations } from "../../src/engine/answer/docsBrackets.js";
import { parseMarkdown } from "../../webview/markdown/blocks.js";
import { parseInlines } from "../../webview/markdown/inlines.js";
import { tempDocs } from "../helpers/tempDocs.js";
import { allInlines } from "../helpers/markdownAst.js";

/** The citation numbers the chat would draw as buttons, in order. */
function citationButtons(markdown: string): number[] {
  return allInlines(parseMarkdown(markdown)).flatMap((n) => (n.type === "citation" ? n.numbers : []));
}

test("escapeDocsCitations: bracketed numbers escaped in text, kept in code spans, fences and link labels", () => {
  assert.equal(escapeDocsCitations("See [1] and [2, 3]."), "See \\[1] and \\[2, 3].");
  assert.equal(escapeDocsCitations("`a[1]` then [4]"), "`a[1]` then \\[4]");
  assert.equal(escapeDocsCitations("```\nx = a[1]\n```\n[5]"), "```\nx = a[1]\n```\n\\[5]");
  assert.equal(escapeDocsCitations("~~~~\n[1]\n~~~\n[2]\n~~~~\n[3]"), "~~~~\n[1]\n~~~\n[2]\n~~~~\n\\[3]");
  assert.equal(escapeDocsCitations("[1](https://example.com) and \\[2] and [x]"), "[1](https://example.com) and \\[2] and [x]");
  assert.equal(escapeDocsCitations("an `unclosed [6]"), "an `unclosed \\[6]");
  // As the chat reads it: text, no citation.
  assert.deepEqual(
    parseInlines(escapeDocsCitations("[1] `http.request.method`")).map((n) => n.type),
    ["text", "code"],
  );
});

test("escapeDocsCitations stays linear on hostile lines", () => {
  const ticks = "` ``x ".repeat(40_000) + "[1]";
  const brackets = "[1]".repeat(200_000);
  const started = process.hrtime.bigint();
  assert.ok(escapeDocsCitations(ticks).endsWith("\\[1]"));
  assert.equal(escapeDocsCitations(brackets), "\\[1]".repeat(200_000));
  // A generous bound for a loaded machine: quadratic work here takes minutes, linear a few ms.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 5_000);
});

test("a retrieval-only answer shows the docs' footnotes as text: the only citation buttons are its sources' own", async () => {
  const root = await tempDocs({
    "db/metrics.md": [
      "# Database metrics",
      "",
      "## Metric: db.client.operation.duration",
      "",
      "Duration of database client operations, in seconds [1].",
      "",
      "[1] `db.collection.name` is recorded when known.",
      "[2] db.namespace SHOULD be set.",
      "",
      "```text",
      "rows[1] stays as it is",
      "```",
    ].join("\n"),
    "http/metrics.md": "# HTTP metrics\n\n## Metric: http.server.request.duration\n\nDuration of HTTP server requests [3].\n",
  });
  const index = new DocsIndex([root]);
  await index.update();
  const result = await answerQuestion(index, undefined, "What does db.client.operation.duration measure?");
  assert.equal(result.mode, "retrieval-only");
  assert.ok(result.sources.length >= 1);
  assert.match(result.answer, /\\\[1\] `db\.collection\.name`/);
  assert.match(result.answer, /rows\[1\] stays/, "code keeps its text");
  // One button per source (its label's [n]) and nothing from the docs' text.
  assert.deepEqual(
    citationButtons(result.answer),
    result.sources.map((s) => s.n),
  );
  assert.deepEqual(
    result.citations.map((c) => c.n),
    result.sources.map((s) => s.n),
  );
  assert.deepEqual(
    parseCitations("\\[2] is the docs', [1] the answer's", result.sources).citations.map((c) => c.n),
    [1],
  );
});
