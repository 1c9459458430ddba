import { test } from "node:test";
import assert from "node:assert/strict";
import { bestLinesOf, MAX_BEST_LINES_SOURCES, MAX_TABLE_CHARS, parseWebviewMessage, sourcePlaces } from "../../src/shared/webviewMessages.js";
import { MAX_OTHER_LOCATIONS } from "../../src/shared/answer.js";

test("webview messages: every well-formed message is accepted as sent", () => {
  const valid = [
    { type: "ready" },
    { type: "stop" },
    { type: "clearHistory" },
    { type: "showLogs" },
    { type: "selectModel" },
    { type: "ask", question: "Which attributes does http.server.request.duration require?" },
    { type: "openSource", file: "/work/docs/http/http-metrics.md", startLine: 40, endLine: 88 },
    { type: "openSource", file: "C:\\docs\\a.md", startLine: 3, endLine: 3 },
    { type: "feedback", id: "t-1", rating: "up" },
    { type: "feedback", id: "t-1", rating: "down", comment: "It cited the client metric, not the server one." },
    { type: "copy", id: "t-1" },
  ];
  for (const message of valid) assert.deepEqual(parseWebviewMessage(message), message, JSON.stringify(message));
});

test("webview messages: extra fields are dropped, an empty comment is left out", () => {
  assert.deepEqual(parseWebviewMessage({ type: "stop", id: "x", evil: { a: 1 } }), { type: "stop" });
  assert.deepEqual(parseWebviewMessage({ type: "ask", question: "q?", html: "<b>" }), { type: "ask", question: "q?" });
  assert.deepEqual(parseWebviewMessage({ type: "feedback", id: "t", rating: "down", comment: "" }), { type: "feedback", id: "t", rating: "down" });
});

test("webview messages: non-objects, unknown types and wrong field types are rejected", () => {
  const invalid: unknown[] = [
    undefined,
    null,
    "ready",
    42,
    [],
    ["ready"],
    {},
    { type: "READY" },
    { type: "eval", code: "1" },
    { type: "__proto__" },
    { type: "ask" },
    { type: "ask", question: 42 },
    { type: "ask", question: ["q"] },
    { type: "openSource", file: 1, startLine: 1, endLine: 2 },
    { type: "openSource", startLine: 1, endLine: 2 },
    { type: "feedback", id: "t", rating: "meh" },
    { type: "feedback", id: 7, rating: "up" },
    { type: "feedback", rating: "up" },
    { type: "feedback", id: "t", rating: "down", comment: { text: "x" } },
    { type: "copy" },
    { type: "copy", id: null },
  ];
  for (const message of invalid) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message) ?? String(message));
});

test("webview messages: empty and oversized strings are rejected", () => {
  assert.equal(parseWebviewMessage({ type: "ask", question: "" }), undefined);
  assert.equal(parseWebviewMessage({ type: "ask", question: "  \n\t " }), undefined);
  assert.equal(parseWebviewMessage({ type: "ask", question: "x".repeat(8001) }), undefined);
  assert.ok(parseWebviewMessage({ type: "ask", question: "x".repeat(8000) }));
  assert.equal(parseWebviewMessage({ type: "feedback", id: "t", rating: "down", comment: "x".repeat(4001) }), undefined);
  assert.ok(parseWebviewMessage({ type: "feedback", id: "t", rating: "down", comment: "x".repeat(4000) }));
  assert.equal(parseWebviewMessage({ type: "ask", question: "x".repeat(10_000_000) }), undefined);
});

test("webview messages: line numbers must be whole, 1-based, ordered and bounded", () => {
  const open = (startLine: unknown, endLine: unknown) => parseWebviewMessage({ type: "openSource", file: "/d/a.md", startLine, endLine });
  for (const [start, end] of [
    [0, 5],
    [-1, 5],
    [5, 4],
    [1.5, 2],
    [1, 2.5],
    [Number.NaN, 2],
    [1, Number.POSITIVE_INFINITY],
    [1, 10_000_000],
    ["1", "2"],
    [null, 2],
    [1, undefined],
  ] as const) {
    assert.equal(open(start, end), undefined, `${String(start)}-${String(end)}`);
  }
  assert.ok(open(1, 9_999_999));
});

test("webview messages: oversized ids and file paths are rejected", () => {
  assert.equal(parseWebviewMessage({ type: "copy", id: "x".repeat(1_000_000) }), undefined);
  assert.equal(parseWebviewMessage({ type: "feedback", id: "x".repeat(1_000_000), rating: "up" }), undefined);
  assert.equal(parseWebviewMessage({ type: "openSource", file: "/d/" + "x".repeat(1_000_000), startLine: 1, endLine: 2 }), undefined);
  assert.equal(parseWebviewMessage({ type: "openSource", file: "", startLine: 1, endLine: 2 }), undefined);
});

test("webview messages: a thumbs-down may carry a bounded correction", () => {
  assert.deepEqual(parseWebviewMessage({ type: "feedback", id: "t1", rating: "down", comment: "wrong unit", correction: "Seconds." }), {
    type: "feedback",
    id: "t1",
    rating: "down",
    comment: "wrong unit",
    correction: "Seconds.",
  });
  assert.equal(parseWebviewMessage({ type: "feedback", id: "t1", rating: "down", correction: "x".repeat(8001) }), undefined);
  assert.equal(parseWebviewMessage({ type: "feedback", id: "t1", rating: "down", correction: 42 }), undefined);
});

test("webview messages: 39 hostile messages are rejected without throwing", () => {
  const polluted = Object.create({ type: "ask", question: "inherited" }) as object;
  const getter = Object.defineProperty({}, "type", { enumerable: true, get: () => "ready" });
  const throwing = Object.defineProperty({ id: "t" }, "type", {
    enumerable: true,
    get: () => {
      throw new Error("boom");
    },
  });
  const trap = new Proxy(
    {},
    {
      getOwnPropertyDescriptor: () => {
        throw new Error("trap");
      },
      get: () => {
        throw new Error("trap");
      },
    },
  );
  const nested: Record<string, unknown> = { type: "ask" };
  let cursor = nested;
  for (let i = 0; i < 10_000; i++) cursor = (cursor.question = {}) as Record<string, unknown>;
  const hostile: unknown[] = [
    // Not objects, or the wrong kind of object.
    undefined,
    null,
    NaN,
    "ready",
    ["ready"],
    Object.assign(["x"], { type: "ready" }),
    new Date(0),
    () => ({ type: "ready" }),
    // Unknown or non-string types, prototype keys as types.
    { type: "READY" },
    { type: "__proto__" },
    { type: "constructor" },
    { type: "toString" },
    { type: ["ready"] },
    { type: { toString: () => "ready" } },
    // Prototype pollution: fields that are inherited, not the message's own.
    JSON.parse('{"__proto__": {"type": "ready"}}'),
    JSON.parse('{"__proto__": {"type": "ask", "question": "q"}, "type": "ask"}'),
    JSON.parse('{"constructor": {"prototype": {"type": "copy", "id": "t"}}}'),
    polluted,
    // Accessors and proxies: never run.
    getter,
    throwing,
    trap,
    // Missing fields and wrong types.
    { type: "ask", question: null },
    { type: "ask", question: new String("q") },
    { type: "ask", question: nested.question },
    { type: "openSource", file: "/d/a.md", startLine: 1 },
    { type: "openSource", file: ["/d/a.md"], startLine: 1, endLine: 2 },
    { type: "openSource", file: "/d/a\0.md", startLine: 1, endLine: 2 },
    { type: "feedback", id: "t", rating: ["up"] },
    { type: "feedback", id: "t", rating: "up", comment: 42 },
    { type: "copy", id: "" },
    // Line numbers: NaN, infinities, negative, fractional, huge, boxed, bigint.
    { type: "openSource", file: "/d/a.md", startLine: Number.NaN, endLine: Number.NaN },
    { type: "openSource", file: "/d/a.md", startLine: Number.NEGATIVE_INFINITY, endLine: 2 },
    { type: "openSource", file: "/d/a.md", startLine: -5, endLine: -1 },
    { type: "openSource", file: "/d/a.md", startLine: 1, endLine: Number.MAX_SAFE_INTEGER + 2 },
    { type: "openSource", file: "/d/a.md", startLine: Object(1) as unknown, endLine: 2 },
    { type: "openSource", file: "/d/a.md", startLine: 1n, endLine: 2n },
    // Huge strings.
    { type: "ask", question: "?".repeat(50_000_000) },
    { type: "feedback", id: "t", rating: "down", correction: "x".repeat(1_000_000) },
    { type: "openSource", file: "/".repeat(5000), startLine: 1, endLine: 1 },
  ];
  assert.equal(hostile.length, 39);
  for (const [i, message] of hostile.entries()) {
    let parsed: unknown;
    assert.doesNotThrow(() => (parsed = parseWebviewMessage(message)), `message ${i}`);
    assert.equal(parsed, undefined, `message ${i} was accepted`);
  }
  // Own data properties on a prototype-less object are still a message.
  assert.deepEqual(parseWebviewMessage(Object.assign(Object.create(null) as object, { type: "copy", id: "t" })), { type: "copy", id: "t" });
});

test("webview messages: a clicked link carries its href, and optionally its turn and source number, all bounded", () => {
  assert.deepEqual(parseWebviewMessage({ type: "openLink", href: "../attributes/http.md#x" }), { type: "openLink", href: "../attributes/http.md#x" });
  assert.deepEqual(parseWebviewMessage({ type: "openLink", href: "https://a.b/", turnId: "t1", n: 2, extra: 1 }), {
    type: "openLink",
    href: "https://a.b/",
    turnId: "t1",
    n: 2,
  });
  for (const bad of [
    { type: "openLink" },
    { type: "openLink", href: "" },
    { type: "openLink", href: "   " },
    { type: "openLink", href: "x".repeat(2049) },
    { type: "openLink", href: "a\0b" },
    { type: "openLink", href: 42 },
    { type: "openLink", href: "a.md", turnId: "" },
    { type: "openLink", href: "a.md", n: 0 },
    { type: "openLink", href: "a.md", n: 1.5 },
    { type: "openLink", href: "a.md", n: "1" },
  ])
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad).slice(0, 80));
});

test("webview messages: a table to open in an editor tab is non-empty Markdown, bounded", () => {
  const table = "| a | b |\n| --- | --- |\n| 1 | 2 |\n";
  assert.deepEqual(parseWebviewMessage({ type: "openTable", markdown: table, extra: 1 }), { type: "openTable", markdown: table });
  assert.deepEqual(parseWebviewMessage({ type: "openTable", markdown: "x".repeat(MAX_TABLE_CHARS) })?.type, "openTable");
  for (const bad of [
    { type: "openTable" },
    { type: "openTable", markdown: "  " },
    { type: "openTable", markdown: "x".repeat(MAX_TABLE_CHARS + 1) },
    { type: "openTable", markdown: "a\0b" },
    { type: "openTable", markdown: ["| a |"] },
  ])
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad).slice(0, 80));
});

test("a source's other places are read only when well formed, at most MAX_OTHER_LOCATIONS, never through a getter", () => {
  const place = { path: "archive/metrics.md", file: "/docs/archive/metrics.md", startLine: 3, endLine: 5 };
  assert.deepEqual(sourcePlaces({ n: 1, also: [place] }), [place]);
  // Extra fields are dropped; malformed entries are skipped, the good ones kept.
  assert.deepEqual(
    sourcePlaces({
      also: [
        { ...place, onclick: "alert(1)" },
        { ...place, startLine: 0 },
        { ...place, endLine: 2 },
        { ...place, file: "" },
        { ...place, file: "a\0b" },
        { ...place, path: 7 },
        null,
        "x",
        [place],
      ],
    }),
    [place],
  );
  for (const bad of [undefined, null, 3, "s", { also: "x" }, { also: { 0: place, length: 1 } }]) assert.deepEqual(sourcePlaces(bad), []);
  assert.equal(sourcePlaces({ also: Array.from({ length: 100_000 }, () => place) }).length, MAX_OTHER_LOCATIONS);
  let read = false;
  const withGetter = Object.defineProperty({}, "also", {
    get: () => {
      read = true;
      return [place];
    },
  });
  assert.deepEqual(sourcePlaces(withGetter), []);
  const entryWithGetter = Object.defineProperty({ path: "a.md", startLine: 1, endLine: 1 }, "file", { get: () => ((read = true), "/a.md"), enumerable: true });
  assert.deepEqual(sourcePlaces({ also: [entryWithGetter] }), []);
  assert.equal(read, false);
  const hostile = new Proxy(
    {},
    {
      getOwnPropertyDescriptor: () => {
        throw new Error("trap");
      },
    },
  );
  assert.deepEqual(sourcePlaces(hostile), []);
});

test("a saved turn's best lines are shown only when well formed: the answer a string, sources with a number and a file, never through a getter", () => {
  const source = { n: 1, path: "a.md", file: "/docs/a.md", heading: "A", startLine: 1, endLine: 3, matchedBy: ["text"] };
  const good = { answer: "[1] **A** · `a.md:1-3`\n\nLine one.", sources: [source] };
  assert.deepEqual(bestLinesOf(good), good);
  // Sources that are not sources are dropped, the good ones kept.
  assert.deepEqual(
    bestLinesOf({
      answer: good.answer,
      sources: [null, "x", { ...source, n: 0 }, { ...source, n: "1" }, { ...source, file: "" }, { ...source, file: "a\0b" }, source],
    }),
    good,
  );
  for (const bad of [
    undefined,
    null,
    3,
    "s",
    [],
    { answer: 1, sources: [] },
    { answer: "x" },
    { answer: "x", sources: "[]" },
    { answer: "x", sources: { 0: source, length: 1 } },
  ])
    assert.equal(bestLinesOf(bad), undefined, JSON.stringify(bad));
  assert.equal(bestLinesOf({ answer: "", sources: Array.from({ length: 100_000 }, () => source) })!.sources.length, MAX_BEST_LINES_SOURCES);
  let read = false;
  const withGetter = Object.defineProperty({ sources: [] }, "answer", { get: () => ((read = true), "x"), enumerable: true });
  assert.equal(bestLinesOf(withGetter), undefined);
  assert.equal(read, false);
  const hostile = new Proxy(
    {},
    {
      getOwnPropertyDescriptor: () => {
        throw new Error("trap");
      },
    },
  );
  assert.equal(bestLinesOf(hostile), undefined);
});
