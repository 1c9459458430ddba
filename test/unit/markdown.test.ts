import { test } from "node:test";
import assert from "node:assert/strict";
import type { Block, Inline } from "../../webview/markdown/ast.js";
import { parseMarkdown } from "../../webview/markdown/blocks.js";
import { parseInlines } from "../../webview/markdown/inlines.js";
import { headingText, isOpenableLink, renderInlineMarkdown, renderMarkdown, type CitedSource } from "../../webview/markdown/render.js";
import { FakeElement, fakeDocument } from "../helpers/fakeDom.js";
import { allInlines } from "../helpers/markdownAst.js";

/** Every text the AST would show, in order (what ends up in text nodes). */
function texts(blocks: Block[]): string {
  const out: string[] = [];
  const inl = (nodes: Inline[]) => {
    for (const n of nodes) {
      if (n.type === "text" || n.type === "code") out.push(n.text);
      else if (n.type === "strong" || n.type === "em") inl(n.children);
      else if (n.type === "link") {
        inl(n.children);
        out.push(n.url);
      } else if (n.type === "citation") out.push(`[${n.numbers.join(",")}]`);
    }
  };
  const blk = (bs: Block[]) => {
    for (const b of bs) {
      if (b.type === "paragraph" || b.type === "heading") inl(b.children);
      else if (b.type === "code") out.push(b.text);
      else if (b.type === "quote") blk(b.children);
      else if (b.type === "list") b.items.forEach(blk);
      else if (b.type === "table") [b.header, ...b.rows].forEach((row) => row.forEach(inl));
    }
  };
  blk(blocks);
  return out.join("|");
}

const sources: CitedSource[] = [
  { n: 1, heading: "HTTP Server", path: "http/http-metrics.md", startLine: 40, endLine: 88 },
  { n: 2, heading: "Metric: http.server.request.duration", path: "http/http-metrics.md", startLine: 52, endLine: 70 },
];
function render(text: string): FakeElement {
  const root = new FakeElement("div");
  for (const node of renderMarkdown(fakeDocument, parseMarkdown(text), (n) => sources.find((s) => s.n === n))) root.append(node);
  return root;
}

const answer = [
  "The server duration metric is `http.server.request.duration` [2]. It is a **histogram** measured in *seconds* [1, 2].",
  "",
  "Set these attributes:",
  "",
  "1. `http.request.method` – the method, e.g. `GET` [2]",
  "2. `url.scheme` – *required*",
  "   - `http` or `https`",
  "3. `server.port` [7]",
  "",
  "```yaml",
  "# not a heading",
  "- not: a list",
  "<b>[1]</b> **kept**",
  "```",
  "",
  "See [the spec](https://opentelemetry.io/docs/specs/semconv/http/) for details.",
].join("\n");

test("markdown parses a real-looking answer into paragraphs, a nested list and a code block", () => {
  const blocks = parseMarkdown(answer);
  assert.deepEqual(
    blocks.map((b) => b.type),
    ["paragraph", "paragraph", "list", "code", "paragraph"],
  );
  const list = blocks[2] as Extract<Block, { type: "list" }>;
  assert.equal(list.ordered, true);
  assert.equal(list.items.length, 3);
  // The sub-list indented under "2." belongs to the second item.
  assert.deepEqual(
    list.items[1]!.map((b) => b.type),
    ["paragraph", "list"],
  );
  const first = (blocks[0] as Extract<Block, { type: "paragraph" }>).children;
  assert.deepEqual(first[1], { type: "code", text: "http.server.request.duration" });
  assert.deepEqual(first[3], { type: "citation", numbers: [2] });
  assert.deepEqual(first[5], { type: "strong", children: [{ type: "text", text: "histogram" }] });
  assert.deepEqual(first[7], { type: "em", children: [{ type: "text", text: "seconds" }] });
  assert.deepEqual(first[9], { type: "citation", numbers: [1, 2] });
});

test("markdown keeps fenced code verbatim: no headings, lists, tags or citations inside", () => {
  const code = parseMarkdown(answer).find((b) => b.type === "code");
  assert.deepEqual(code, { type: "code", lang: "yaml", text: "# not a heading\n- not: a list\n<b>[1]</b> **kept**" });
  // Indentation and blank lines inside the fence survive; tildes fence too; an unclosed fence runs to the end.
  assert.deepEqual(parseMarkdown("~~~\n  a\n\n\tb\n~~~"), [{ type: "code", lang: "", text: "  a\n\n\tb" }]);
  assert.deepEqual(parseMarkdown("Partial:\n```js\nconst a = 1;"), [
    { type: "paragraph", children: [{ type: "text", text: "Partial:" }] },
    { type: "code", lang: "js", text: "const a = 1;" },
  ]);
});

test("markdown leaves HTML in model output as text", () => {
  const hostile = '<img src=x onerror=alert(1)> and <script>alert("x")</script>\n\n<iframe src="javascript:alert(1)"></iframe>';
  const blocks = parseMarkdown(hostile);
  assert.equal(texts(blocks), '<img src=x onerror=alert(1)> and <script>alert("x")</script>|<iframe src="javascript:alert(1)"></iframe>');
  assert.ok(allInlines(blocks).every((n) => n.type === "text"));
  const root = render(hostile);
  assert.deepEqual(
    [...root.descendants()].map((e) => e.tagName),
    ["p", "p"],
  );
  assert.equal(root.textContent, '<img src=x onerror=alert(1)> and <script>alert("x")</script><iframe src="javascript:alert(1)"></iframe>');
});

test("markdown turns [n] and [1, 2] into citation buttons only for known sources", () => {
  const inlines = parseInlines("Use port 4317 [1][2], see [1, 2] and [1,3]; [9] is unknown; [x] and [] stay text.");
  assert.deepEqual(
    inlines.filter((n) => n.type === "citation"),
    [
      { type: "citation", numbers: [1] },
      { type: "citation", numbers: [2] },
      { type: "citation", numbers: [1, 2] },
      { type: "citation", numbers: [1, 3] },
      { type: "citation", numbers: [9] },
    ],
  );
  const root = render("Use port 4317 [1], see [1, 2] and [1,3]; [9] is unknown; [x] stays.");
  const buttons = [...root.descendants()].filter((e) => e.tagName === "button");
  assert.deepEqual(
    buttons.map((b) => b.attributes.get("data-n")),
    ["1", "1", "2", "1"],
  );
  assert.equal(buttons[0]!.attributes.get("type"), "button");
  assert.equal(buttons[0]!.attributes.get("aria-label"), "Open source 1: HTTP Server, http/http-metrics.md lines 40 to 88");
  assert.equal(root.textContent, "Use port 4317 1, see 12 and 1[3]; [9] is unknown; [x] stays.");
  // Section headings keep their code spans when shown, and lose the backticks in labels.
  assert.equal(headingText("Metric: `http.server.request.duration`"), "Metric: http.server.request.duration");
  const heading = renderInlineMarkdown(fakeDocument, "Metric: `http.server.request.duration` [1]");
  assert.deepEqual(
    heading.map((n) => (typeof n === "string" ? n : `<${n.tagName}>${n.textContent}`)),
    ["Metric: ", "<code>http.server.request.duration", " ", "[1]"],
  );
  // Citations inside inline code are code.
  assert.deepEqual(parseInlines("`arr[1]`"), [{ type: "code", text: "arr[1]" }]);
});

test("markdown links: web and relative links are clickable spans (data-href, never an anchor); other schemes stay text with their URL", () => {
  const text =
    "See [the spec](https://opentelemetry.io/docs/) or [click](javascript:alert(1)) or ![img](http://x/y.png) or <https://example.com/a> " +
    "or [attributes](../attributes/http.md#http-attributes) or [cmd](command:workbench.action.quit) or [here](#top) or [f](file:///etc/passwd).";
  const links = allInlines(parseMarkdown(text)).filter((n) => n.type === "link");
  assert.deepEqual(
    links.map((l) => (l.type === "link" ? l.url : "")),
    [
      "https://opentelemetry.io/docs/",
      "javascript:alert(1)",
      "http://x/y.png",
      "https://example.com/a",
      "../attributes/http.md#http-attributes",
      "command:workbench.action.quit",
      "#top",
      "file:///etc/passwd",
    ],
  );
  const root = render(text);
  const tags = new Set([...root.descendants()].map((e) => e.tagName));
  assert.ok(!tags.has("a") && !tags.has("img"), `unexpected tags: ${[...tags].join(",")}`);
  assert.ok([...root.descendants()].every((e) => !e.attributes.has("href") && !e.attributes.has("src")));
  const openable = [...root.descendants()].filter((e) => e.className === "md-link openable");
  assert.deepEqual(
    openable.map((e) => [e.attributes.get("data-href"), e.attributes.get("role"), e.attributes.get("tabindex"), e.textContent]),
    [
      ["https://opentelemetry.io/docs/", "link", "0", "the spec"],
      ["http://x/y.png", "link", "0", "img"],
      ["https://example.com/a", "link", "0", "https://example.com/a"],
      ["../attributes/http.md#http-attributes", "link", "0", "attributes"],
    ],
  );
  assert.equal(
    root.textContent,
    "See the spec or click (javascript:alert(1)) or img or https://example.com/a or attributes or cmd (command:workbench.action.quit) or here or f (file:///etc/passwd).",
  );
});

test("markdown decodes character references in text, never in code; unknown names stay as typed", () => {
  const root = render("`http.server.duration` &rarr; `http.server.request.duration` &amp; 5 &lt; 6 &#8805; &#x2192; &nosuchname; AT&T `a &rarr; b`");
  assert.equal(root.textContent, "http.server.duration → http.server.request.duration & 5 < 6 ≥ → &nosuchname; AT&T a &rarr; b");
  // Decoded "<" is text, not a tag; "&#0;" is U+FFFD as CommonMark says, not a NUL.
  const tags = render("&lt;script&gt;alert(1)&lt;/script&gt; &#0;");
  assert.equal(tags.textContent, "<script>alert(1)</script> \uFFFD");
  assert.ok(![...tags.descendants()].some((e) => e.tagName === "script"));
});

test("markdown shows a link to a heading of the same doc as its label only (the anchor means nothing away from the page)", () => {
  const root = render("See [`http.client.request.duration`](#metric-httpclientrequestduration) for details.");
  assert.equal(root.textContent, "See http.client.request.duration for details.");
  const link = [...root.descendants()].find((e) => e.className === "md-link");
  assert.equal(link?.attributes.get("title"), "#metric-httpclientrequestduration");
});

test("isOpenableLink: web, mailto and relative links only", () => {
  for (const ok of ["https://a.b/c", "HTTP://x", "mailto:a@b.c", "other.md", "../x/y.md#z", "/docs/a.md", "./a b.md"]) assert.ok(isOpenableLink(ok), ok);
  for (const no of [
    "javascript:alert(1)",
    "JaVaScRiPt:x",
    "command:x",
    "vscode:x",
    "file:///x",
    "data:text/html,x",
    "//evil.com/x",
    "#frag",
    "",
    "a\nb",
    "c:/x",
  ])
    assert.ok(!isOpenableLink(no), no);
});

test("markdown renders lists, headings, quotes and tables from the retrieval-only answer shape", () => {
  const retrievalOnly = [
    "The best-matching sections of the docs:",
    "",
    "1. **HTTP Server** (http/http-metrics.md, lines 40-88) [1]",
    "   The HTTP server duration metric...",
    "2. **Metric: http.server.request.duration** (http/http-metrics.md, lines 52-70) [2]",
    "   This metric is required.",
  ].join("\n");
  const blocks = parseMarkdown(retrievalOnly);
  assert.deepEqual(
    blocks.map((b) => b.type),
    ["paragraph", "list"],
  );
  const list = blocks[1] as Extract<Block, { type: "list" }>;
  assert.equal(list.items.length, 2);
  assert.equal(texts(list.items[0]!), "HTTP Server| (http/http-metrics.md, lines 40-88) |[1]|\nThe HTTP server duration metric...");

  const mixed = parseMarkdown(
    "## Setup\nText under it.\n\n- a\n- b\n\n* c\n\n> quoted [1]\n\n| Name | Unit |\n| --- | :-: |\n| `a\\|b` | s |\n\n---\n5. five\n6. six",
  );
  assert.deepEqual(
    mixed.map((b) => b.type),
    ["heading", "paragraph", "list", "list", "quote", "table", "rule", "list"],
  );
  assert.deepEqual(mixed[0], { type: "heading", level: 2, children: [{ type: "text", text: "Setup" }] });
  const table = mixed[5] as Extract<Block, { type: "table" }>;
  assert.deepEqual(table.rows, [[[{ type: "code", text: "a|b" }], [{ type: "text", text: "s" }]]]);
  const numbered = mixed[7] as Extract<Block, { type: "list" }>;
  assert.equal(numbered.start, 5);
  // "2024. was" inside a paragraph does not start a list; a bullet does.
  assert.deepEqual(
    parseMarkdown("Released in\n2024. It was\n- fast").map((b) => b.type),
    ["paragraph", "list"],
  );
  const root = render("# Title\n\n1. one\n2. two");
  assert.deepEqual(
    [...root.descendants()].map((e) => `${e.tagName}.${e.className}`),
    ["p.md-heading md-h1", "strong.", "ol.", "li.", "li."],
  );
});

test("markdown emphasis leaves snake_case, lone stars and unclosed markers alone", () => {
  assert.deepEqual(parseInlines("set otel_exporter_otlp_endpoint and 2 * 3 * 4"), [{ type: "text", text: "set otel_exporter_otlp_endpoint and 2 * 3 * 4" }]);
  assert.deepEqual(parseInlines("**unclosed bold"), [{ type: "text", text: "**unclosed bold" }]);
  assert.deepEqual(parseInlines("***both***"), [{ type: "strong", children: [{ type: "em", children: [{ type: "text", text: "both" }] }] }]);
  assert.deepEqual(parseInlines("a \\*literal\\* star and a line  \nbreak"), [
    { type: "text", text: "a *literal* star and a line" },
    { type: "break" },
    { type: "text", text: "break" },
  ]);
});

test("markdown stays fast and shallow on hostile input", () => {
  const started = performance.now();
  parseMarkdown("*a ".repeat(20_000) + "`".repeat(5_000) + "[".repeat(20_000) + "**x ".repeat(10_000));
  const deep = parseMarkdown("> ".repeat(5_000) + "deep\n" + "- ".repeat(2_000) + "x");
  // Quadratic parsing of these 130,000 characters takes minutes; 10 s leaves room for a loaded machine.
  assert.ok(performance.now() - started < 10_000, "parsing took too long");
  assert.ok(deep.length > 0);
});
