// Docs in AsciiDoc and HTML read like the same docs in Markdown: sections at the source's lines,
// the title, and the definition card of a metric from its table, through the index and cards the
// CLI's `define` uses; the sample docs' metric files rendered by pandoc give the Markdown's cards.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { chunkDocument } from "../../src/engine/index/ingest/chunker.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { DocLines } from "../../src/engine/index/search/fileLines.js";
import { asciidocInline } from "../../src/engine/index/ingest/formats/asciidoc.js";
import { MAX_HTML_DEPTH } from "../../src/engine/index/ingest/formats/html.js";
import { mdxAsMarkdown } from "../../src/engine/index/ingest/formats/mdx.js";
import { notebookAsMarkdown } from "../../src/engine/index/ingest/formats/notebook.js";
import { OTEL_METRICS } from "../fixtures/otelMetrics.js";
import { tempDocs } from "../helpers/tempDocs.js";

const ASCIIDOC = `= Cache Service Guide
:toc:
:description: How the cache reports its work.

Intro paragraph about the cache.

include::shared/attributes.adoc[]

== Metrics

The cache reports one metric.

.Cache metrics
[cols="2,1,1,3",options="header"]
|===
|Name |Instrument |Unit |Description
|\`cache.hit.ratio\`
|Gauge
|\`1\`
|Share of lookups served from the cache.
|===

NOTE: The ratio is computed over one minute.

=== Configuration

[source,yaml]
----
cache:
  size: 512MB
  | not a table
----

* first item
** nested item
* second item

hit ratio:: the share of lookups served
`;

test("an AsciiDoc document: title, sections at their lines, code kept whole, the include noted", () => {
  const doc = chunkDocument(ASCIIDOC, "guide.adoc");
  assert.equal(doc.title, "Cache Service Guide");
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]),
    [
      ["Cache Service Guide", 1, 5],
      ["Cache Service Guide > Metrics", 9, 23],
      ["Cache Service Guide > Metrics > Configuration", 25, 39],
    ],
  );
  assert.deepEqual(doc.notes, ["line 7: include::shared/attributes.adoc[] not followed (includes are not read)"]);
  const config = doc.chunks.find((c) => c.headingPath.at(-1) === "Configuration")!;
  assert.match(config.text, /```yaml\ncache:\n {2}size: 512MB\n {2}\| not a table\n```/);
  assert.match(config.text, /- first item\n {2}- nested item\n- second item/);
  assert.match(config.text, /hit ratio\n: the share of lookups served/);
  const metrics = doc.chunks.find((c) => c.headingPath.at(-1) === "Metrics")!;
  assert.match(metrics.text, /\| Name \| Instrument \| Unit \| Description \|\n\| --- \| --- \| --- \| --- \|\n\| `cache.hit.ratio` \| Gauge \| `1` \|/);
  assert.match(metrics.text, /\*\*Note:\*\* The ratio is computed over one minute\./);
  assert.doesNotMatch(doc.chunks.map((c) => c.text).join("\n"), /:toc:|include::/);
});

const HTML = `<!doctype html>
<html>
<head><title>Cache Service Guide</title><style>h2 { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
<header><p>Site banner</p></header>
<h1>Cache service</h1>
<p>Intro paragraph about the cache.</p>
<h2 id="metrics">Metrics</h2>
<p>The cache reports one metric.</p>
<table>
  <thead>
    <tr><th>Name</th><th>Instrument</th><th>Unit</th><th>Description</th></tr>
  </thead>
  <tbody>
    <tr><td><code>cache.hit.ratio</code></td><td>Gauge</td><td><code>1</code></td><td>Share of lookups served from the cache.</td></tr>
  </tbody>
</table>
<h3>Configuration</h3>
<pre><code class="language-yaml">cache:
  size: 512MB
</code></pre>
<ul>
  <li>first item</li>
  <li>second item</li>
</ul>
<script>console.log("not text")</script>
<footer>Copyright</footer>
</body>
</html>
`;

test("an HTML page: its title, sections at the source lines of their elements, scripts and chrome dropped", () => {
  const doc = chunkDocument(HTML, "guide.html");
  assert.equal(doc.title, "Cache Service Guide");
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]),
    [
      ["Cache service", 7, 8],
      ["Cache service > Metrics", 9, 18],
      ["Cache service > Metrics > Configuration", 19, 25],
    ],
  );
  const all = doc.chunks.map((c) => c.text).join("\n");
  assert.doesNotMatch(all, /Home|Site banner|console\.log|Copyright|color: red/);
  assert.match(all, /```yaml\ncache:\n {2}size: 512MB\n```/);
  assert.match(all, /- first item\n\n- second item/);
});

const MDX = `---
title: Cache Service Guide
---
import Tabs from "@theme/Tabs";
import TabItem from "@theme/TabItem";
export const meta = { draft: false };

## Metrics

The cache reports one metric.

| Name | Instrument | Unit | Description |
| --- | --- | --- | --- |
| \`cache.hit.ratio\` | Gauge | \`1\` | Share of lookups served from the cache. |

:::note Averaging
The ratio is computed over one minute.
:::

## Configuration

<Tabs>
<TabItem value="yaml" label="YAML">

\`\`\`yaml
cache:
  size: 512MB
\`\`\`

</TabItem>
</Tabs>
`;

test("an MDX document: imports, exports and component tags are not text, tab labels and admonitions keep their text", () => {
  const doc = chunkDocument(MDX, "guide.mdx");
  assert.equal(doc.title, "Cache Service Guide");
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]),
    [
      ["Metrics", 8, 17],
      ["Configuration", 20, 28],
    ],
  );
  const all = doc.chunks.map((c) => c.text).join("\n");
  assert.doesNotMatch(all, /import|export|<\/?Tabs|<\/?TabItem|:::/);
  assert.match(all, /\*\*Note:\*\* Averaging\nThe ratio is computed over one minute\./);
  assert.match(all, /\*\*YAML\*\*\n\n```yaml\ncache:\n {2}size: 512MB\n```/);
  // Line for line: the view has the file's line count, code in fences untouched.
  assert.equal(mdxAsMarkdown(MDX.split("\n")).length, MDX.split("\n").length);
  assert.deepEqual(mdxAsMarkdown(["```jsx", "import A from 'a';", "<Tabs>", "```"]), ["```jsx", "import A from 'a';", "<Tabs>", "```"]);
});

// As Jupyter writes it (indent 1, one source line per JSON line, keys sorted).
const NOTEBOOK = JSON.stringify(
  {
    cells: [
      { cell_type: "markdown", id: "a1", metadata: {}, source: ["# Cache Service Guide\n", "\n", "Intro paragraph about the cache."] },
      {
        cell_type: "markdown",
        id: "a2",
        metadata: {},
        source: [
          "## Metrics\n",
          "\n",
          "| Name | Instrument | Unit | Description |\n",
          "| --- | --- | --- | --- |\n",
          "| `cache.hit.ratio` | Gauge | `1` | Share of lookups served from the cache. |\n",
          "\n",
          "- first item\n",
          "- second item",
        ],
      },
      {
        cell_type: "code",
        execution_count: 1,
        id: "a3",
        metadata: {},
        outputs: [
          { name: "stdout", output_type: "stream", text: ["OUTPUT NOT TEXT\n"] },
          { data: { "application/json": { source: ["nested"] } }, metadata: {}, output_type: "display_data" },
        ],
        source: ["ratio = hits / lookups\n", "print(ratio)"],
      },
    ],
    metadata: { kernelspec: { display_name: "Python 3", language: "python", name: "python3" }, language_info: { name: "python" } },
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  1,
);

test("a Jupyter notebook: Markdown cells as Markdown, code cells as code, outputs dropped, lines in the .ipynb", () => {
  const lines = NOTEBOOK.split("\n");
  const doc = chunkDocument(NOTEBOOK, "guide.ipynb");
  assert.equal(doc.title, "Cache Service Guide");
  const at = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]),
    [
      ["Cache Service Guide", at("# Cache Service Guide"), at("Intro paragraph")],
      ["Cache Service Guide > Metrics", at("## Metrics"), at('"print(ratio)"') + 1],
    ],
  );
  const all = doc.chunks.map((c) => c.text).join("\n");
  assert.match(all, /```python\nratio = hits \/ lookups\nprint\(ratio\)\n```/);
  assert.doesNotMatch(all, /OUTPUT NOT TEXT|nested|nbformat|kernelspec/);
  assert.equal(notebookAsMarkdown(NOTEBOOK, lines).length, lines.length);
});

test("a notebook that is not JSON is skipped with the reason", async () => {
  const root = await tempDocs({ "broken.ipynb": '{"cells": [', "ok.ipynb": NOTEBOOK });
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.deepEqual(
    report.skipped.map((s) => [s.relPath, s.reason]),
    [["broken.ipynb", "unreadable"]],
  );
  assert.match(report.skipped[0]!.detail, /JSON/);
  assert.equal(index.fileCount, 1);
});

const RST = `Cache Service Guide
===================

Intro paragraph about the cache.

Metrics
-------

.. list-table:: Cache metrics
   :header-rows: 1

   * - Name
     - Instrument
     - Unit
     - Description
   * - \`\`cache.hit.ratio\`\`
     - Gauge
     - \`\`1\`\`
     - Share of lookups served from the cache.

Sizes
-----

+----------------------+-----------+------+------------------------+
| Name                 | Instrument| Unit | Description            |
+======================+===========+======+========================+
| \`\`cache.size\`\`       | Gauge     | By   | Bytes held.            |
+----------------------+-----------+------+------------------------+

=====================  ==========  =======  =====================
Name                   Instrument  Unit     Description
=====================  ==========  =======  =====================
\`\`cache.evictions\`\`    Counter     {entry}  Entries evicted.
=====================  ==========  =======  =====================

eviction
   Removing an entry to make room.

\`\`cache.warmup\`\`
----------------

The time the cache takes to fill after a start.
`;

test("reStructuredText: list-table, grid and simple tables give cards; definition lists; a heading that is a literal gets its paragraph", async () => {
  const doc = chunkDocument(RST, "guide.rst");
  assert.equal(doc.title, "Cache Service Guide");
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]),
    [
      ["Cache Service Guide", 1, 4],
      ["Cache Service Guide > Metrics", 6, 19],
      ["Cache Service Guide > Sizes", 21, 37],
      ["Cache Service Guide > ``cache.warmup``", 39, 42],
    ],
  );
  const root = await tempDocs({ "guide.rst": RST });
  const index = new DocsIndex([root]);
  await index.update();
  for (const [name, kind, unit, description] of [
    ["cache.hit.ratio", "Gauge", "1", "Share of lookups served from the cache."],
    ["cache.size", "Gauge", "By", "Bytes held."],
    ["cache.evictions", "Counter", "{entry}", "Entries evicted."],
  ]) {
    const card = await cardForName(index, name!);
    assert.ok(card, `a card for ${name}`);
    assert.deepEqual({ term: card.term, kind: card.kind, unit: card.unit, description: card.description }, { term: name, kind, unit, description });
  }
  const warmup = await cardForName(index, "cache.warmup");
  assert.equal(warmup?.description, "The time the cache takes to fill after a start.");
  assert.match(doc.chunks.map((c) => c.text).join("\n"), /eviction\n: Removing an entry to make room\./);
});

for (const [name, file, source, tableLines] of [
  ["AsciiDoc", "guide.adoc", ASCIIDOC, [15, 21]],
  ["MDX", "guide.mdx", MDX, [12, 14]],
  [
    "Jupyter",
    "guide.ipynb",
    NOTEBOOK,
    [NOTEBOOK.split("\n").findIndex((l) => l.includes("| Name |")) + 1, NOTEBOOK.split("\n").findIndex((l) => l.includes("cache.hit.ratio")) + 1],
  ],
  ["HTML", "guide.html", HTML, [11, 18]],
] as const) {
  test(`the ${name} table defines its metric: define gives the card (name, instrument, unit) at the table's lines`, async () => {
    const root = await tempDocs({ [file]: source, "other.md": "# Other\n\nNothing here.\n" });
    const index = new DocsIndex([root]);
    await index.update();
    const card = await cardForName(index, "cache.hit.ratio");
    assert.ok(card, "a card");
    assert.equal(card.term, "cache.hit.ratio");
    assert.equal(card.kind, "Gauge");
    assert.equal(card.kindLabel, "Instrument");
    assert.equal(card.unit, "1");
    assert.equal(card.description, "Share of lookups served from the cache.");
    assert.equal(card.path, file);
    assert.ok(card.line >= tableLines[0] && card.line <= tableLines[1], `line ${card.line} inside the table's lines ${tableLines.join("-")}`);
    // The Markdown view the cards read has one line per source line.
    const view = await new DocLines(index).of(path.join(root, file));
    assert.equal(view!.length, source.split("\n").length);
  });
}

test("the sample metric files rendered to AsciiDoc, HTML and reStructuredText give the Markdown's cards", async () => {
  const fixtures = path.resolve("test/fixtures/formats/otel");
  const rendered = ["cpython-metrics", "faas-metrics", "container-metrics", "cicd-metrics", "dotnet-http-metrics"];
  const metrics = OTEL_METRICS.filter((m) => rendered.includes(path.basename(m.path, ".md")));
  assert.ok(metrics.length >= 6, `${metrics.length} hand-checked metrics in the rendered files`);
  const markdown = new DocsIndex([path.resolve("samples/otel-semconv")]);
  await markdown.update();
  for (const format of ["adoc", "html", "rst"]) {
    const index = new DocsIndex([path.join(fixtures, format)]);
    await index.update();
    for (const metric of metrics) {
      const card = await cardForName(index, metric.name);
      const expected = await cardForName(markdown, metric.name);
      assert.ok(card, `${format}: a card for ${metric.name}`);
      assert.deepEqual(
        { term: card.term, kind: card.kind, unit: card.unit, description: card.description, path: path.basename(card.path).replace(/\.\w+$/, "") },
        { term: metric.name, kind: metric.instrument, unit: metric.unit, description: expected!.description, path: path.basename(metric.path, ".md") },
        `${format}: ${metric.name}`,
      );
      assert.deepEqual(
        card.attributes?.map((a) => a.name),
        expected!.attributes?.map((a) => a.name),
        `${format}: ${metric.name}'s attributes`,
      );
    }
  }
});

test("an HTML page nested deeper than the parser's limit is skipped with the reason, the other files indexed", async () => {
  const root = await tempDocs({ "deep.html": "<div>".repeat(MAX_HTML_DEPTH + 1) + "text", "ok.html": "<h1>Fine</h1><p>Indexed.</p>" });
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.deepEqual(
    report.skipped.map((s) => [s.relPath, s.reason, s.detail]),
    [["deep.html", "unreadable", `HTML nested ${MAX_HTML_DEPTH + 1} elements deep (over ${MAX_HTML_DEPTH}): not parsed`]],
  );
  assert.equal(index.fileCount, 1);
});

test("AsciiDoc links, images and cross references read as Markdown", () => {
  assert.equal(asciidocInline("see link:/docs/a.md[`a.b`] and https://x.org/y[the site]"), "see [`a.b`](/docs/a.md) and [the site](https://x.org/y)");
  assert.equal(asciidocInline("image:https://img/b.svg[Stable] <<sec-id,Section>> xref:o.adoc[Other]"), "![Stable](https://img/b.svg) Section Other");
  assert.equal(asciidocInline("[".repeat(10) + "x"), "[".repeat(10) + "x");
});
