// Hostile docs, answers and history against the chat view's renderer: XSS payloads in every field it
// renders, bogus citations, deep nesting, a 184 KB heading, and property-based checks (fast-check)
// that no input throws and that rendering time grows linearly. The renderer runs on a small fake DOM.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_HEADING_CHARS } from "../../src/shared/defaults.js";
import { parseMarkdown } from "../../webview/markdown/blocks.js";
import { citationLabel, headingText, renderInlineMarkdown, renderMarkdown, type CitedSource } from "../../webview/markdown/render.js";
import { INTERRUPTED, parseSavedHistory } from "../../src/shared/webviewMessages.js";
import { FakeElement, fakeDocument } from "../helpers/fakeDom.js";

function rootOf(nodes: (FakeElement | string)[]): FakeElement {
  const root = new FakeElement("div");
  for (const n of nodes) root.append(n);
  return root;
}

function renderAnswer(text: string, sources: CitedSource[] = []): FakeElement {
  return rootOf(renderMarkdown(fakeDocument, parseMarkdown(text), (n) => sources.find((s) => s.n === n)));
}

/** What the renderer creates today: no anchors, images, scripts or styles, and only these attributes. */
const ALLOWED_TAGS = new Set([
  "p",
  "strong",
  "em",
  "code",
  "pre",
  "br",
  "span",
  "button",
  "blockquote",
  "hr",
  "ol",
  "ul",
  "li",
  "div",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
]);
// role, tabindex and data-href: a clickable link is a span whose address the host checks and opens
// (never an href the webview could follow).
const ALLOWED_ATTRIBUTES = new Set(["type", "data-n", "data-lang", "aria-label", "title", "start", "role", "tabindex", "data-href"]);

function assertSafe(root: FakeElement, what: string): void {
  for (const e of root.descendants()) {
    assert.ok(ALLOWED_TAGS.has(e.tagName), `${what}: <${e.tagName}> created`);
    for (const name of e.attributes.keys()) {
      assert.ok(ALLOWED_ATTRIBUTES.has(name), `${what}: attribute ${name} on <${e.tagName}>`);
      assert.ok(!/^on/i.test(name) && name !== "href" && name !== "src" && name !== "style", `${what}: ${name}`);
    }
    if (e.tagName === "button") assert.equal(e.attributes.get("type"), "button");
    assert.ok(/^[\w -]*$/.test(e.className), `${what}: class ${e.className}`);
  }
}

const XSS_PAYLOADS = [
  "<img src=x onerror=alert(1)>",
  "<script>alert(document.cookie)</script>",
  "[click](javascript:alert(1))",
  "<javascript:alert(1)>",
  "[run](command:workbench.action.terminal.new)",
  "<command:docent.selectModel?%5B%22x%22%5D>",
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "<data:text/html,<script>alert(1)</script>>",
  "[vb](vbscript:msgbox(1))",
  "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62; &#x6A;avascript:",
  "<svg onload=alert(1)><animate onbegin=alert(1)>",
  '" onmouseover="alert(1)" x="',
  "' onfocus='alert(1)' autofocus='",
  '<div style="background:url(javascript:alert(1))">x</div>',
  "<style>*{background:url(https://evil.example/x)}</style>",
  '![tracker](https://evil.example/t.png "t") ![x](javascript:alert(1))',
  '<iframe src="javascript:alert(1)"></iframe><object data="x">',
  '<a href="javascript:alert(1)">x</a> [a](JaVaScRiPt:alert(1)) [b](  javascript:alert(1)  )',
  "`<b onclick=alert(1)>` **<i onclick=alert(1)>** *<u>* [<img src=x>](https://ok.example) [1]<img src=x onerror=alert(1)>",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
];

test("attacks: 20 XSS payloads in the answer, draft, source headings and paths create no unsafe element or attribute", () => {
  assert.equal(XSS_PAYLOADS.length, 20);
  for (const p of XSS_PAYLOADS) {
    const source: CitedSource = { n: 1, heading: p, path: p, startLine: 1, endLine: 2 };
    // The answer: the payload in a paragraph, a list, a quote, a table, a heading, a link label, beside a citation.
    const answer = [
      p,
      "",
      `- ${p} [1]`,
      "",
      `> ${p} [1]`,
      "",
      `| ${p} | h |`,
      "|---|---|",
      `| ${p} | [1] |`,
      "",
      `# ${p}`,
      "",
      `[${p}](https://x.example) ${p}`,
    ].join("\n");
    const rendered = renderAnswer(answer, [source]);
    assertSafe(rendered, `answer ${p}`);
    const buttons = rendered.descendants().filter((e) => e.tagName === "button");
    assert.ok(buttons.length >= 2, "citations still work beside the payload");
    // Labels are attribute values set through setAttribute (never markup): they hold the text as is.
    assert.ok(buttons[0]!.attributes.get("aria-label")!.startsWith("Open source 1: "));
    // The draft renders without sources.
    assertSafe(renderAnswer(p + "\n\n" + answer), `draft ${p}`);
    // A source's heading and path in the source list.
    assertSafe(rootOf(renderInlineMarkdown(fakeDocument, p)), `heading ${p}`);
    assert.equal(typeof citationLabel(source), "string");
    assert.equal(typeof headingText(p), "string");
    // Markup stays visible text: the payload's tag names reach the reader as characters.
    const tag = /<(\w+)[\s>]/.exec(p)?.[1];
    if (tag && !p.startsWith("`")) assert.ok(rendered.textContent.includes(`<${tag}`), `${p}: <${tag} shown as text`);
  }
});

test("attacks: bogus citation numbers never throw, never become buttons, and are flagged", () => {
  const sources: CitedSource[] = [{ n: 1, heading: "One", path: "a.md", startLine: 1, endLine: 2 }];
  const root = renderAnswer("A [0] B [999] C [1e9] D [-1] E [1,,2] F [999999] G [1, 0, 999] H [1] I [ 1 ] J [01] K [1][2]", sources);
  assertSafe(root, "citations");
  const buttons = root.descendants().filter((e) => e.tagName === "button");
  assert.deepEqual(
    buttons.map((b) => b.attributes.get("data-n")),
    ["1", "1", "1", "1"],
  );
  const flagged = root.descendants().filter((e) => e.className === "cite-unknown");
  assert.deepEqual(
    flagged.map((e) => e.textContent),
    ["[0]", "[999]", "[999999]", "[0, 999]", "[2]"],
  );
  // What is no citation at all stays text as written.
  for (const text of ["[1e9]", "[-1]", "[1,,2]", "[ 1 ]"]) assert.ok(root.textContent.includes(text), text);
  assert.equal(headingText("[0] [1e9] [-1]"), "[0] [1e9] [-1]");
});

test("attacks: 10,000 levels of nesting render without a stack overflow, shallow and fast", () => {
  const n = 10_000;
  const hostile = {
    quotes: ">".repeat(n) + " deep",
    spacedQuotes: "> ".repeat(n) + "deep",
    bullets: "- ".repeat(n) + "x",
    numbered: "1. ".repeat(n) + "x",
    indentedLists: Array.from({ length: 300 }, (_, i) => `${" ".repeat(i * 2)}- level ${i}`).join("\n"),
    emphasis: "*".repeat(n) + "x" + "*".repeat(n),
    mixedEmphasis: "*a _b **c __d ".repeat(n / 4) + "e" + "__ ** _ *".repeat(n / 4),
    strong: "**a ".repeat(n) + "b" + " c**".repeat(n),
    brackets: "[".repeat(n) + "x" + "]".repeat(n),
    links: "[a](".repeat(n) + "x" + ")".repeat(n),
    nestedLinks: "[".repeat(n) + "x" + "](y)".repeat(n),
    codeFences: "`".repeat(n) + "x" + "`".repeat(n - 1),
    quotedLists: "> - ".repeat(n) + "x",
  };
  for (const [name, text] of Object.entries(hostile)) {
    const started = performance.now();
    const root = renderAnswer(text);
    const ms = performance.now() - started;
    assertSafe(root, name);
    assert.ok(root.depth() <= 60, `${name}: DOM ${root.depth()} deep`);
    assert.ok(ms < 3_000, `${name}: ${Math.round(ms)} ms`);
  }
});

/** The doc: a heading followed by 46,000 backticked words (184 KB). */
const BACKTICKED = "`x` ".repeat(46_000).trimEnd();

test("attacks: the 184 KB heading of 46,000 code spans renders, cut to 200 characters where it is a heading", () => {
  const heading = `Heading ${BACKTICKED}`;
  assert.ok(heading.length >= 184_000);
  const source: CitedSource = { n: 1, heading, path: "docs/hostile.md", startLine: 1, endLine: 2 };
  const shapes = {
    body: `# Heading\n${BACKTICKED}`,
    headingLine: `# ${heading}`,
    retrievalOnly: `The best-matching sections of the docs:\n\n1. **${heading}** (docs/hostile.md, lines 1-2) [1]\n   ${BACKTICKED.slice(0, 200)}…`,
  };
  for (const [name, text] of Object.entries(shapes)) {
    const started = performance.now();
    const root = renderAnswer(text, [source]);
    const ms = performance.now() - started;
    assert.ok(ms < 5_000, `${name}: ${Math.round(ms)} ms`);
    assertSafe(root, name);
    const headingBlock = root.descendants().find((e) => e.className.startsWith("md-heading"));
    if (headingBlock && name === "headingLine") assert.ok(headingBlock.textContent.length <= MAX_HEADING_CHARS, `${headingBlock.textContent.length}`);
  }
  // The source list's heading, its label and tooltip: at most 200 characters, ending in "…".
  const listed = rootOf(renderInlineMarkdown(fakeDocument, heading));
  assert.ok(listed.textContent.length <= MAX_HEADING_CHARS && listed.textContent.endsWith("…"), listed.textContent);
  assert.ok(listed.descendants().length < MAX_HEADING_CHARS);
  assert.ok(headingText(heading).length <= MAX_HEADING_CHARS);
  assert.ok(citationLabel(source).length < MAX_HEADING_CHARS + 100);
  // Short headings are untouched.
  assert.equal(headingText("Metric: `http.server.request.duration`"), "Metric: http.server.request.duration");
  assert.equal(headingText("a".repeat(MAX_HEADING_CHARS)), "a".repeat(MAX_HEADING_CHARS));
  assert.equal(headingText("a".repeat(MAX_HEADING_CHARS + 1)), "a".repeat(MAX_HEADING_CHARS - 1) + "…");
});

test("attacks: saved history that is not turns is dropped, and a turn saved while running is marked interrupted", () => {
  assert.deepEqual(parseSavedHistory(undefined), []);
  assert.deepEqual(parseSavedHistory({ 0: { id: "a", question: "q" } }), []);
  const finished = { id: "a", question: "q", error: "boom" };
  assert.deepEqual(parseSavedHistory([null, 1, "x", [], { id: 5, question: "q" }, { id: "b" }, finished, { id: "c", question: "running", result: "junk" }]), [
    finished,
    { id: "c", question: "running", error: INTERRUPTED },
  ]);
});

// ------------------------------------------------------------------------------ property-based

const MARKDOWNISH = fc
  .array(
    fc.constantFrom(
      "*",
      "**",
      "_",
      "`",
      "```",
      "[",
      "]",
      "(",
      ")",
      "<",
      ">",
      "> ",
      "#",
      "# ",
      "-",
      "- ",
      "1. ",
      "|",
      "---",
      "\n",
      "\n\n",
      "  ",
      "\t",
      "\\",
      "!",
      ":",
      "a",
      "word",
      " ",
      "[1]",
      "[0]",
      "http://x",
      "javascript:",
      "<img src=x onerror=1>",
      "~~~",
      "=",
    ),
    { maxLength: 200 },
  )
  .map((parts) => parts.join(""));

test("property: no input makes the parser or the renderer throw, and the DOM stays safe", () => {
  const sources: CitedSource[] = [{ n: 1, heading: "One", path: "a.md", startLine: 1, endLine: 2 }];
  for (const arbitrary of [fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme", maxLength: 200 }), MARKDOWNISH]) {
    fc.assert(
      fc.property(arbitrary, (text) => {
        assertSafe(renderAnswer(text, sources), "answer");
        assertSafe(rootOf(renderInlineMarkdown(fakeDocument, text)), "heading");
        headingText(text);
      }),
      { numRuns: 300 },
    );
  }
});

/** Median of three timings of `f`, after one warm-up run. */
/**
 * The fastest of five interleaved runs of each: load from other processes only ever adds time, so
 * the minimum is the renderer's own cost, and interleaving keeps a busy spell from landing on one
 * size only (a median of separate runs flaked on a loaded 2-core machine).
 */
function fastestTimes(small: () => void, large: () => void): { small: number; large: number } {
  small();
  large();
  const best = { small: Infinity, large: Infinity };
  for (let i = 0; i < 5; i++) {
    for (const [key, f] of [
      ["small", small],
      ["large", large],
    ] as const) {
      const started = performance.now();
      f();
      best[key] = Math.min(best[key], performance.now() - started);
    }
  }
  return best;
}

/** Inputs built by repeating a unit: any superlinear step shows as ~64x the time for 8x the input. */
const ADVERSARIAL: Record<string, (n: number) => string> = {
  lines: (n) => "a\n".repeat(n / 2),
  trailingSpaces: (n) => ("a" + " ".repeat(n / 4) + "b\n").repeat(4),
  headingSpaces: (n) => "# a" + " ".repeat(n) + "x",
  brackets: (n) => "[".repeat(n),
  bracketWords: (n) => "[a".repeat(n / 2),
  linkSpaces: (n) => ("[a](" + " ".repeat(2000) + "x ").repeat(Math.ceil(n / 2006)),
  emphasis: (n) => "*a ".repeat(n / 3),
  underscores: (n) => "_a".repeat(n / 2),
  backticks: (n) => "`a``".repeat(n / 4),
  table: (n) => "|a".repeat(64) + "\n" + "|-".repeat(64) + "\n" + "|x\n".repeat(n / 3),
  tableDelimiter: (n) => "a|b\n| - " + " ".repeat(n) + "x",
  quotes: (n) => ">".repeat(n) + "x",
  codeSpans: (n) => "# " + "`x` ".repeat(n / 4),
};

test("property: rendering time grows linearly on adversarial inputs (8x the input, under 40x the time)", () => {
  const n = 24_000;
  // Below 200 ms for the 8x input a ratio measures timer noise and a loaded machine's stalls (this
  // failed at a load average of 21 on 2 cores with a 3 ms floor); a quadratic step over 192,000
  // characters takes seconds, far above it.
  const floorMs = 200 / 40;
  const render = (text: string) => () => renderAnswer(text, [{ n: 1, heading: "h", path: "p", startLine: 1, endLine: 1 }]);
  for (const [name, make] of Object.entries(ADVERSARIAL)) {
    const { small, large } = fastestTimes(render(make(n)), render(make(8 * n)));
    assert.ok(large < 40 * Math.max(small, floorMs), `${name}: ${small.toFixed(1)} ms for n, ${large.toFixed(1)} ms for 8n`);
  }
  // And for random units: fast-check picks a Markdown-ish unit and repeats it.
  fc.assert(
    fc.property(
      MARKDOWNISH.filter((u) => u.length > 0 && u.length < 60),
      (unit) => {
        const times = (k: number) => unit.repeat(Math.ceil(k / unit.length));
        const { small, large } = fastestTimes(render(times(n / 2)), render(times(4 * n)));
        return large < 40 * Math.max(small, floorMs);
      },
    ),
    { numRuns: 25 },
  );
});
