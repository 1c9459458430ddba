import { test } from "node:test";
import assert from "node:assert/strict";
import { chunkDocument } from "../../src/engine/index/ingest/chunker.js";

const doc = [
  "---", // 1
  "title: HTTP things", // 2
  "---", // 3
  "# HTTP metrics", // 4
  "", // 5
  "Intro paragraph.", // 6
  "", // 7
  "## HTTP server", // 8
  "", // 9
  "### Metric: `http.server.request.duration`", // 10
  "", // 11
  "Duration of requests.", // 12
  "", // 13
  "| Name | Unit |", // 14
  "| --- | --- |", // 15
  "| `http.server.request.duration` | `s` |", // 16
  "", // 17
  "```js", // 18
  "const a = 1;", // 19
  "", // 20
  "# not a heading", // 21
  "```", // 22
  "", // 23
  "## HTTP client", // 24
  "Client text.", // 25
].join("\n");

test("chunker gives each chunk its heading path and 1-based line range", () => {
  const { title, chunks } = chunkDocument(doc, "http/metrics.md");
  assert.equal(title, "HTTP things");
  const paths = chunks.map((c) => c.headingPath.join(" > "));
  assert.deepEqual(paths, ["HTTP metrics", "HTTP metrics > HTTP server > Metric: `http.server.request.duration`", "HTTP metrics > HTTP client"]);
  assert.deepEqual(
    chunks.map((c) => [c.startLine, c.endLine]),
    [
      [4, 6],
      [10, 22],
      [24, 25],
    ],
  );
  // The fence's "# not a heading" stayed inside the code block.
  assert.match(chunks[1]!.text, /# not a heading\n```$/);
});

test("chunker keeps a code fence within the cap whole, and splits a longer one by lines with its opening repeated", () => {
  const fence = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of code that is long enough`).join("\n");
  const short = `# T\n\nBefore.\n\n\`\`\`\n${fence(6)}\n\`\`\`\n\nAfter.\n`;
  const whole = chunkDocument(short, "a.md", { maxChars: 300 }).chunks.filter((c) => c.text.includes("```"));
  assert.equal(whole.length, 1);
  assert.equal(whole[0]!.text.match(/```/g)!.length, 2);
  const text = `# T\n\nBefore.\n\n\`\`\`py\n${fence(80)}\n\`\`\`\n\nAfter.\n`;
  const { chunks } = chunkDocument(text, "a.md", { maxChars: 300 });
  const pieces = chunks.filter((c) => c.text.includes("line "));
  assert.ok(pieces.length >= 10, `${pieces.length} pieces`);
  for (const c of pieces)
    assert.ok(
      c.text.split("\n\n").some((block) => block.startsWith("```py\n")),
      "each piece opens the fence",
    );
  const codeLines = pieces.flatMap((c) => c.text.split("\n").filter((l) => l.startsWith("line ")));
  assert.equal(codeLines.length, 80);
  // A later piece points at its own lines (the fence opens on line 5, its first code line is line 6).
  const second = pieces[1]!;
  assert.equal(second.startLine, 6 + Number(/line (\d+)/.exec(second.text)![1]));
});

test("chunker splits a long table by rows and repeats its header", () => {
  const rows = Array.from({ length: 60 }, (_, i) => `| \`metric.${i}\` | description number ${i} |`);
  const text = ["# T", "", "| Name | Description |", "| --- | --- |", ...rows].join("\n");
  const { chunks } = chunkDocument(text, "t.md", { maxChars: 500, overlapChars: 0 });
  assert.ok(chunks.length > 2, `expected several chunks, got ${chunks.length}`);
  for (const c of chunks) {
    const lines = c.text.split("\n").filter((l) => l.startsWith("|"));
    assert.equal(lines[0], "| Name | Description |");
    assert.equal(lines[1], "| --- | --- |");
  }
  // Every row appears exactly once, and each piece's line range covers its own rows.
  const all = chunks.flatMap((c) => c.text.split("\n").filter((l) => l.startsWith("| `")));
  assert.equal(all.length, 60);
  const second = chunks[1]!;
  const firstRow = Number(/metric\.(\d+)/.exec(second.text)![1]);
  assert.equal(second.startLine, 5 + firstRow);
});

test("chunker caps long sections with a small overlap and stays within the section's lines", () => {
  const paras = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${"word ".repeat(20)}`);
  const text = `# Big\n\n${paras.join("\n\n")}\n`;
  const { chunks } = chunkDocument(text, "big.md", { maxChars: 400, overlapChars: 150 });
  assert.ok(chunks.length >= 3);
  for (const c of chunks) assert.ok(c.text.length <= 400 + 150, `chunk of ${c.text.length} chars`);
  // Overlap: the last paragraph of one chunk opens the next.
  const lastOfFirst = chunks[0]!.text.split("\n\n").pop()!;
  assert.ok(chunks[1]!.text.startsWith(lastOfFirst));
});

test("chunker handles setext headings, HTML comments and a file without headings", () => {
  const text = "Title\n=====\n\n<!-- hidden\nstill hidden -->\nBody.\n\nSub\n---\nMore.";
  const { chunks } = chunkDocument(text, "s.md");
  assert.deepEqual(
    chunks.map((c) => c.headingPath),
    [["Title"], ["Title", "Sub"]],
  );
  assert.ok(!chunks[0]!.text.includes("hidden"));
  const plain = chunkDocument("just text\n\nmore text", "notes.txt");
  assert.equal(plain.title, "notes");
  assert.equal(plain.chunks.length, 1);
  assert.deepEqual([plain.chunks[0]!.startLine, plain.chunks[0]!.endLine], [1, 3]);
});

test("TOML front matter (Hugo's +++) gives the title and is not text", () => {
  const doc = chunkDocument('+++\ntitle = "Cache metrics"\nweight = 3\n+++\n\n## Hits\n\nHit ratio.\n', "cache.md");
  assert.equal(doc.title, "Cache metrics");
  assert.ok(doc.chunks.every((c) => !c.text.includes("weight")));
  assert.deepEqual(
    doc.chunks.map((c) => [c.headingPath, c.startLine]),
    [[["Hits"], 6]],
  );
});

test("chunker reads reStructuredText headings", () => {
  const text = "=====\nGuide\n=====\n\nIntro.\n\nInstall\n-------\n\nRun it.\n";
  const { chunks, title } = chunkDocument(text, "guide.rst");
  assert.equal(title, "Guide");
  assert.deepEqual(
    chunks.map((c) => c.headingPath),
    [["Guide"], ["Guide", "Install"]],
  );
  assert.equal(chunks[1]!.startLine, 7);
});
