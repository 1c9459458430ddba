import { test } from "node:test";
import assert from "node:assert/strict";
import { parseWebviewMessage } from "../../src/shared/webviewMessages.js";

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
