// Hostile documents for the scanners in src/engine/index/ingest/formats (run by bench/pathological.ts): deep
// nesting, about 2 MB of one delimiter, unterminated blocks, and for OpenAPI / AsyncAPI specs alias bombs.
// Target, as for Markdown: every file under 2 s.

/** Repeats a unit until the text is about `size` characters. */
const fill = (unit: string, size: number) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));

/** Lines `make(0)`, `make(1)`, ... until the text is about `size` characters. */
const numbered = (make: (i: number) => string, size: number) => {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const part = make(i);
    parts.push(part);
    length += part.length;
  }
  return parts.join("");
};

/** "Billion laughs": each anchor's list holds the previous anchor nine times (9^levels strings if expanded). */
const laughs = (levels: number) =>
  'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
  Array.from({ length: levels }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(",")}]\n`).join("");

/** A grid table of one cell holding `text`, its border as wide as the cell. */
const gridCell = (text: string) => `+${"-".repeat(text.length + 2)}+\n| ${text} |\n+${"-".repeat(text.length + 2)}+\n`;

export const PATHOLOGICAL_FORMATS: Record<string, { file: string; make: (size: number) => string }> = {
  "adoc-table-pipes": { file: "doc.adoc", make: (n) => "|===\n" + "|".repeat(n - 10) + "\n|===\n" },
  "adoc-table-cell-lines": { file: "doc.adoc", make: (n) => '[cols="1,1"]\n|===\n' + fill("|`a.b` |c\n", n - 30) + "|===\n" },
  "adoc-table-unterminated": { file: "doc.adoc", make: (n) => "|===\n" + fill("|x |y\n\n", n - 10) },
  "adoc-listing-unterminated": { file: "doc.adoc", make: (n) => "== Code\n\n----\n" + fill("const x = 1;\n", n - 20) },
  "adoc-comment-unterminated": { file: "doc.adoc", make: (n) => "////\n" + fill("hidden\n", n - 10) },
  "adoc-delimiter-lines": { file: "doc.adoc", make: (n) => fill("====\n", n) },
  "adoc-deep-list": { file: "doc.adoc", make: (n) => "*".repeat(n - 4) + " x\n" },
  "adoc-many-sections": { file: "doc.adoc", make: (n) => fill("== Section\n\nText.\n\n", n) },
  "adoc-macro-brackets": { file: "doc.adoc", make: (n) => fill("link:a[", n) },
  "adoc-xref-run": { file: "doc.adoc", make: (n) => fill("<<a,", n) },
  "adoc-attribute-brackets": { file: "doc.adoc", make: (n) => "[" + "[".repeat(n - 4) + "]\n" },
  "adoc-dlist-colons": { file: "doc.adoc", make: (n) => "a" + ":".repeat(n - 4) + " b\n" },
  "mdx-import-unterminated": { file: "doc.mdx", make: (n) => "import {\n" + fill("  a,\n", n - 10) },
  "mdx-admonition-lines": { file: "doc.mdx", make: (n) => fill(":::note\n", n) },
  "mdx-component-lines": { file: "doc.mdx", make: (n) => fill('<TabItem value="a" label="A">\n', n) },
  "mdx-tag-run": { file: "doc.mdx", make: (n) => "<A" + " label=".repeat((n - 4) / 7) + ">\n" },
  "ipynb-deep-arrays": { file: "doc.ipynb", make: (n) => '{"cells": ' + "[".repeat(n - 20) + "}" },
  "ipynb-unterminated-string": { file: "doc.ipynb", make: (n) => '{"cells": [{"source": ["' + "a".repeat(n - 40) },
  "ipynb-many-cells": {
    file: "doc.ipynb",
    make: (n) => '{"cells": [' + fill('{"cell_type": "markdown", "source": ["## H\\n", "text"]},\n', n - 40) + '{}], "nbformat": 4}',
  },
  "ipynb-escapes": { file: "doc.ipynb", make: (n) => '{"cells": [{"cell_type": "code", "source": ["' + fill('\\"', n - 60) + '"]}]}' },
  "rst-grid-border-wide": { file: "doc.rst", make: (n) => "+-".repeat(n / 4) + "+\n" + fill("|\n", n / 2) },
  "rst-grid-rows": { file: "doc.rst", make: (n) => "+---+---+\n" + fill("| a | b |\n+---+---+\n", n - 10) },
  "rst-simple-borders": { file: "doc.rst", make: (n) => fill("==  ==\nx   y\n", n) },
  "rst-simple-unclosed": { file: "doc.rst", make: (n) => "====  ====\n" + fill("a     b\n", n - 12) },
  "rst-list-table-unterminated": { file: "doc.rst", make: (n) => ".. list-table::\n\n" + fill("   * - a\n     - b\n", n - 20) },
  "rst-definition-lists": { file: "doc.rst", make: (n) => fill("\nterm\n   definition\n", n) },
  "rst-cell-markup": { file: "doc.rst", make: (n) => gridCell("`" + fill("``a`` <", n / 3 - 30)) },
  "rst-cell-link-ends": { file: "doc.rst", make: (n) => gridCell(fill("`>`_", n / 3 - 30)) },
  "rst-adornment-lines": { file: "doc.rst", make: (n) => fill("====\n", n) },
  "html-deep-divs-at-limit": { file: "doc.html", make: (n) => fill("<div>".repeat(128) + "x" + "</div>".repeat(128), n) },
  "html-deep-divs": { file: "doc.html", make: (n) => fill("<div>", n) },
  "html-open-tags": { file: "doc.html", make: (n) => fill("<", n) },
  "html-unterminated-comment": { file: "doc.html", make: (n) => "<!--" + "a".repeat(n - 4) },
  "html-unterminated-pre": { file: "doc.html", make: (n) => "<h1>Code</h1><pre>" + fill("x = 1\n", n - 20) },
  "html-huge-table": {
    file: "doc.html",
    make: (n) => "<table><tr><th>Name</th><th>Unit</th></tr>" + fill("<tr><td><code>a.b</code></td><td>s</td></tr>\n", n - 60) + "</table>",
  },
  "html-table-cells-one-line": { file: "doc.html", make: (n) => "<table><tr>" + fill("<td>", n - 20) },
  "html-many-headings": { file: "doc.html", make: (n) => fill("<h2>Heading</h2><p>Some text.</p>\n", n) },
  "html-inline-nesting": { file: "doc.html", make: (n) => fill("<b><i>", n) },
  "spec-deep-flow": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\nx: " + "[".repeat(n - 20) },
  "spec-deep-json": { file: "openapi.json", make: (n) => '{"openapi": "3.0.0", "x": ' + "[".repeat(n - 30) },
  "spec-deep-block-sequences": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\nx:\n" + "- ".repeat((n - 30) / 2) + "a\n" },
  "spec-deep-indentation": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\n" + numbered((i) => " ".repeat(i) + "a:\n", n - 20) },
  "spec-colons": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\n" + ":".repeat(n - 20) },
  "spec-dashes": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\n" + "-".repeat(n - 20) },
  "spec-dash-lines": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\n" + fill("-\n", n - 20) },
  "spec-unterminated-flow": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\npaths: [" + fill("a, ", n - 30) },
  "spec-unterminated-string": { file: "openapi.yaml", make: (n) => 'openapi: 3.0.0\ninfo:\n  description: "' + "a".repeat(n - 40) },
  "spec-unterminated-json": { file: "openapi.json", make: (n) => '{"openapi": "3.0.0", "paths": {' + fill('"/a": {"get": {}}, ', n - 40) },
  "spec-billion-laughs": { file: "openapi.yaml", make: (n) => "openapi: 3.0.0\n" + laughs(9) + "info:\n  description: *a9\n" + fill("# pad\n", n - 1000) },
  "spec-alias-paths": {
    file: "openapi.yaml",
    make: (n) =>
      "openapi: 3.0.0\npaths:\n  /p: &p\n    get:\n      summary: s\n      parameters:\n        - {name: a, in: query}\n" +
      numbered((i) => `  /p${i}: *p\n`, n - 100),
  },
  "spec-alias-parameters": {
    file: "openapi.yaml",
    make: (n) =>
      `openapi: 3.0.0\nx: &big {name: a, in: query, description: "${"d".repeat(1000)}"}\npaths:\n  /p:\n    get:\n      parameters:\n` +
      fill("        - *big\n", n - 1100),
  },
  "spec-many-operations": {
    file: "openapi.yaml",
    make: (n) => "openapi: 3.0.0\ninfo: {title: T}\npaths:\n" + numbered((i) => `  /p${i}:\n    get:\n      summary: Get p${i}\n`, n - 50),
  },
  "spec-many-properties": {
    file: "openapi.yaml",
    make: (n) =>
      "openapi: 3.0.0\ncomponents:\n  schemas:\n    S:\n      properties:\n" +
      numbered((i) => `        p${i}: {type: integer, format: int64, description: Property ${i}}\n`, n - 100),
  },
  "spec-minified-json": {
    file: "openapi.json",
    make: (n) => '{"openapi":"3.0.0","paths":{' + numbered((i) => `"/p${i}":{"get":{"summary":"s${i}"}},`, n - 60) + '"/z":{}}}',
  },
  "spec-external-refs": {
    file: "openapi.yaml",
    make: (n) =>
      "openapi: 3.0.0\ncomponents:\n  schemas:\n    S:\n      properties:\n" + numbered((i) => `        p${i}: {$ref: "other${i}.yaml#/S"}\n`, n - 100),
  },
};
