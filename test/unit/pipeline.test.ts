// The answer pipeline with real tiny GGUF models (generated, random weights: they write noise,
// so what is tested is the machinery, and the draft's effect is tested through the draft seam).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { ChatModel, getLlamaInstance, LlamaEmbedder } from "../../src/engine/model/local/llm.js";
import { GgufValidationError } from "../../src/engine/model/gguf/types.js";
import { answerQuestion, draftNotNeeded, parseCitations, NOT_COVERED, type PipelineEvent } from "../../src/engine/answer/pipeline.js";
import { sourceBlock } from "../../src/engine/answer/answerPrompts.js";
import { modelSources } from "../../src/engine/answer/context.js";
import { excerptQuery } from "../../src/engine/answer/excerptQuery.js";
import { DocLines } from "../../src/engine/index/search/fileLines.js";
import type { SearchHit } from "../../src/engine/index/types.js";

/** The model's sources for these hits within a budget (no cards), as the answer stage builds them. */
function buildSources(hits: SearchHit[], countTokens: (t: string) => number, budget: number, question = "") {
  return modelSources({ hits, query: excerptQuery(question, () => 1, []), cards: [], cache: new DocLines(index) }, countTokens, budget, sourceBlock);
}
import { buildTinyChat, ensureTinyModels, type TinyModelPaths } from "../fixtures/tinyModels.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";

const DOCS = {
  "http.md": [
    "# HTTP metrics",
    "",
    "## Server",
    "",
    "### Metric: `http.server.request.duration`",
    "",
    "Duration of HTTP server requests, in seconds. Recorded as a histogram.",
    "",
    "Bucket boundaries are 0.005 to 10 seconds.",
    "",
    "### Metric: `http.server.active_requests`",
    "",
    "Number of active HTTP server requests.",
  ].join("\n"),
  "db.md": "# Database\n\n## Connections\n\nThe pool keeps idle connections open and recycles sockets every hour.\n",
  "cpu.md": "# CPU\n\n## Utilization\n\nCPU utilization is the share of time the processor is busy.\n",
  "net.md": "# Network\n\n## Keep-alive\n\nHow long connections stay open depends on the keep-alive timeout.\n",
};

let models: TinyModelPaths;
let chat: ChatModel;
let index: DocsIndex;

before(async () => {
  models = await ensureTinyModels();
  const llama = await getLlamaInstance("off");
  chat = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1 });
  index = new DocsIndex([await tempDocs(DOCS)]);
  await index.update();
});

after(async () => {
  await chat?.dispose();
});

function collect(): { events: PipelineEvent[]; onEvent: (e: PipelineEvent) => void } {
  const events: PipelineEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

test("stages run in order (terms, draft, retrieve, answer) and report timings and tokens", async () => {
  const { events, onEvent } = collect();
  const result = await answerQuestion(index, chat, "What is http.server.request.duration?", {
    onEvent,
    // A named term skips the draft by default (the next test): this one checks all four stages.
    settings: { draftForNamedTerms: true, draftMaxTokens: 16, answerMaxTokens: 24 },
  });
  const stages = events.filter((e) => e.type === "stage").map((e) => `${(e as { stage: string }).stage}:${(e as { status: string }).status}`);
  assert.deepEqual(stages, [
    "terms:started",
    "terms:finished",
    "draft:started",
    "draft:finished",
    "retrieve:started",
    "retrieve:finished",
    "answer:started",
    "answer:finished",
  ]);
  const kinds = events.map((e) => e.type);
  assert.ok(kinds.indexOf("draft-chunk") > kinds.indexOf("stage") && kinds.indexOf("draft-chunk") < kinds.indexOf("sources"));
  assert.ok(kinds.lastIndexOf("answer-chunk") < kinds.indexOf("done"));
  assert.equal(kinds[kinds.length - 1], "done");
  assert.equal(result.mode, "model");
  assert.ok(result.draft.length > 0 && result.answer.length > 0);
  assert.equal(result.tokens.draft, 16);
  assert.equal(result.tokens.answer, 24);
  assert.ok(result.tokensPerSecond.answer > 0);
  for (const stage of ["draft", "retrieve", "answer", "total"] as const) assert.ok(result.timings[stage] > 0, stage);
  assert.ok(result.timings.firstAnswerTokenMs > result.timings.draft);
  // The exact term put the metric's own section first.
  assert.equal(result.sources[0]!.path, "http.md");
  assert.equal(result.sources[0]!.term, "http.server.request.duration");
});

test("no draft for a question that names a defined term (its section is first without one); a vague question keeps its draft", async () => {
  const named = collect();
  const direct = await answerQuestion(index, chat, "What is the unit of http.server.request.duration?", {
    onEvent: named.onEvent,
    settings: { draftMaxTokens: 16, answerMaxTokens: 8 },
  });
  const stagesOf = (events: PipelineEvent[]) => events.filter((e) => e.type === "stage" && e.status === "started").map((e) => (e as { stage: string }).stage);
  assert.deepEqual(stagesOf(named.events), ["terms", "retrieve", "answer"]);
  assert.equal(named.events.filter((e) => e.type === "draft-chunk").length, 0);
  assert.equal(direct.draft, "");
  assert.equal(direct.tokens.draft, 0);
  assert.equal(direct.draftSkipped, "the question names http.server.request.duration, which the docs define");
  assert.equal(direct.sources[0]!.term, "http.server.request.duration");
  assert.equal(direct.tokens.answer, 8);

  const vague = collect();
  const drafted = await answerQuestion(index, chat, "How long do connections stay open?", {
    onEvent: vague.onEvent,
    settings: { draftMaxTokens: 16, answerMaxTokens: 8 },
  });
  assert.deepEqual(stagesOf(vague.events), ["terms", "draft", "retrieve", "answer"]);
  assert.equal(drafted.tokens.draft, 16);
  assert.equal(drafted.draftSkipped, undefined);
  assert.equal(draftNotNeeded([]), undefined);
});

test("a known draft is searched and fused: an on-topic draft lifts its section, a noisy one does not sink the question's", async () => {
  const question = "How long do connections stay open?";
  const plain = await answerQuestion(index, undefined, question);
  const helped = await answerQuestion(index, undefined, question, { draft: "The pool keeps idle connections open and recycles sockets every hour." });
  assert.equal(helped.draft, "The pool keeps idle connections open and recycles sockets every hour.");
  assert.ok(helped.draftWeight > 0);
  assert.equal(helped.sources[0]!.path, "db.md");
  assert.notEqual(plain.sources[0]!.path, "db.md", "without the draft the question alone ranks another file first");
  const noisy = await answerQuestion(index, undefined, "What is CPU utilization?", { draft: "zebra quantum lattice marmalade" });
  assert.equal(noisy.draftWeight, 0);
  assert.equal(noisy.sources[0]!.path, "cpu.md");
});

test("citations map to the right file, heading and lines", async () => {
  const hits = await index.search("active requests duration", { k: 3 });
  const sources = await buildSources(hits, (t) => t.length, 10_000);
  const { citations, invalid } = parseCitations("Requests are timed [1]. Both [1, 2] agree [2][7].", sources);
  assert.deepEqual(invalid, [7]);
  assert.deepEqual(
    citations.map((c) => c.n),
    [1, 2],
  );
  for (const c of citations) {
    const s = sources[c.n - 1]!;
    assert.deepEqual([c.path, c.heading, c.startLine, c.endLine], [s.path, s.heading, s.startLine, s.endLine]);
    const lines = (await fs.readFile(c.file, "utf8"))
      .split("\n")
      .slice(c.startLine - 1, c.endLine)
      .join("\n");
    assert.equal(lines.trim(), s.text, "the cited lines are the text the model was given");
  }
});

test("sources fit the token budget; a section too long for it gives its best-matching lines, never its first ones", async () => {
  const hits = await index.search("http server request duration active", { k: 3 });
  const count = (t: string) => t.length;
  const wide = await buildSources(hits, count, 100_000);
  const tight = await buildSources(hits, count, 600);
  assert.ok(wide.length >= 2);
  const chars = (sources: { text: string }[]) => sources.reduce((n, s) => n + s.text.length, 0);
  assert.ok(tight.length >= 1 && chars(tight) < chars(wide));
  assert.ok(tight.reduce((n, s) => n + sourceBlock(s).length + 2, 0) <= 600);
  // A section larger than its share of the budget keeps the lines that match the question.
  const [big] = await index.search("Bucket boundaries histogram", { k: 1 });
  const full = await buildSources([big!], count, 100_000);
  assert.match(full[0]!.text, /Duration of HTTP server requests[\s\S]*Bucket boundaries/);
  // Room for the header and about 50 characters.
  const header = sourceBlock({ ...full[0]!, text: "" }).length + 2;
  const cut = await buildSources([big!], count, header + 50, "bucket boundaries");
  assert.ok(cut[0]!.text.length < full[0]!.text.length, "cut");
  assert.match(cut[0]!.text, /Bucket boundaries are 0\.005 to 10 seconds/, "the line that answers is kept");
  assert.doesNotMatch(cut[0]!.text, /Duration of HTTP server requests/, "the first line, which does not answer, went");
  assert.equal([cut[0]!.startLine, cut[0]!.endLine].join("-"), [full[0]!.startLine, full[0]!.endLine].join("-"), "the source still names its section");
});

test("a later hit whose one line is over its share of the budget is cut to it; the hits after it still fit", async () => {
  const chunk = (id: number, text: string) => ({
    id,
    file: `/nowhere/${id}.md`,
    root: "/nowhere",
    relPath: `${id}.md`,
    title: "t",
    headingPath: ["H"],
    text,
    startLine: 1,
    endLine: text.split("\n").length,
    hash: String(id),
  });
  const hits = [
    { chunk: chunk(1, "first hit"), score: 3, matchedBy: ["text" as const] },
    { chunk: chunk(2, "x".repeat(5_000)), score: 2, matchedBy: ["text" as const] },
    { chunk: chunk(3, "short line\nanother"), score: 1, matchedBy: ["text" as const] },
  ];
  const sources = await buildSources(hits as SearchHit[], (t) => t.length, 400);
  assert.deepEqual(
    sources.map((s) => [s.n, s.path]),
    [
      [1, "1.md"],
      [2, "2.md"],
      [3, "3.md"],
    ],
  );
  assert.match(sources[1]!.text, /^x+…$/);
  assert.ok(sourceBlock(sources[1]!).length + 2 <= 100, "within its quarter of the budget");
  assert.equal(sources[2]!.text, "short line\nanother");
  assert.ok(sources.reduce((n, s) => n + sourceBlock(s).length + 2, 0) <= 400);
});

async function timeAbort(
  stageToAbort: "draft" | "retrieve" | "reading" | "answer",
): Promise<{ stopMs: number; result: Awaited<ReturnType<typeof answerQuestion>> }> {
  const controller = new AbortController();
  let abortedAt = 0;
  const abort = () => {
    if (!abortedAt) {
      abortedAt = performance.now();
      controller.abort();
    }
  };
  const result = await answerQuestion(index, chat, "What is http.server.request.duration?", {
    signal: controller.signal,
    settings: { draftForNamedTerms: true, draftMaxTokens: 1500, answerMaxTokens: 1000 },
    onEvent: (e) => {
      if (stageToAbort === "draft" && e.type === "draft-chunk") abort();
      if (stageToAbort === "retrieve" && e.type === "stage" && e.stage === "retrieve" && e.status === "started") abort();
      if (stageToAbort === "reading" && e.type === "reading") abort();
      if (stageToAbort === "answer" && e.type === "answer-chunk") abort();
    },
  });
  return { stopMs: performance.now() - abortedAt, result };
}

for (const stage of ["draft", "retrieve", "reading", "answer"] as const) {
  test(`cancelling during the ${stage} stops within 200 ms and the next question works`, async () => {
    const { stopMs, result } = await timeAbort(stage);
    assert.ok(result.aborted);
    assert.ok(stopMs < 200, `stopped after ${stopMs.toFixed(0)} ms`);
    if (stage === "draft") assert.equal(result.answer, "");
    if (stage === "answer") assert.ok(result.tokens.answer < 1000 && result.sources.length > 0);
    if (stage === "reading") {
      // Stopped before the first word: no answer, and what the turn showed is kept (the card, the best lines).
      assert.equal(result.answer, "");
      assert.equal(result.tokens.answer, 0);
      assert.equal(result.cards?.[0]?.term, "http.server.request.duration");
      assert.match(result.bestLines?.answer ?? "", /^\[1\] \*\*.*http\.server\.request\.duration/);
    }
    const next = await answerQuestion(index, chat, "What is CPU utilization?", { settings: { draftMaxTokens: 8, answerMaxTokens: 8 } });
    assert.equal(next.aborted, false);
    assert.equal(next.tokens.answer, 8);
  });
}

test("a LoRA adapter loads and changes the output", async () => {
  const llama = await getLlamaInstance("off");
  const withLora = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1, lora: [{ path: models.lora, scale: 1 }] });
  try {
    const request = { system: "You are terse.", user: "Explain the request duration metric.", maxTokens: 24, temperature: 0 };
    const a = await chat.generate(request);
    const again = await chat.generate(request);
    const b = await withLora.generate(request);
    assert.equal(a.text, again.text, "greedy generation is deterministic");
    assert.notEqual(b.text, a.text);
  } finally {
    await withLora.dispose();
  }
});

test("the embedding model makes hybrid search return vector hits, and re-embeds only changed chunks", async () => {
  const llama = await getLlamaInstance("off");
  const embedder = await LlamaEmbedder.load(llama, models.embed, { gpu: "off", threads: 1 });
  try {
    assert.ok(embedder.dimensions > 0);
    const root = await tempDocs(DOCS);
    const hybrid = new DocsIndex([root], { embedder });
    await hybrid.update();
    const hits = await hybrid.search("busy processor time share", { k: 5 });
    assert.ok(
      hits.some((h) => h.matchedBy.includes("vector")),
      JSON.stringify(hits.map((h) => h.matchedBy)),
    );
    assert.equal(hybrid.vectorCache.size, hybrid.chunkCount);
  } finally {
    await embedder.dispose();
  }
});

test("each kind of bad GGUF gives a clear error naming the file, and the process lives on", async () => {
  const llama = await getLlamaInstance("off");
  const dir = await makeTempDir();
  const good = await fs.readFile(models.chat);
  const files: Record<string, [Uint8Array, RegExp]> = {
    "missing.gguf": [new Uint8Array(), /does not exist|not found|no such file/i],
    "notes.gguf": [Buffer.from("# just some text, not a model\n"), /not a GGUF model/i],
    "truncated.gguf": [good.subarray(0, Math.floor(good.length / 2)), /truncated/i],
    "no-ff.gguf": [buildTinyChat({ omitKeys: ["llama.feed_forward_length"] }).toBuffer(), /llama\.feed_forward_length/],
    "no-heads.gguf": [buildTinyChat({ omitKeys: ["llama.attention.head_count"] }).toBuffer(), /llama\.attention\.head_count/],
  };
  for (const [name, [content, problem]] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (name !== "missing.gguf") await fs.writeFile(file, content);
    await assert.rejects(ChatModel.load(llama, file, { gpu: "off", threads: 1 }), (err: Error) => {
      assert.ok(err instanceof GgufValidationError, `${name}: ${err.message}`);
      assert.ok(err.message.includes(file), `${name}: ${err.message}`);
      assert.match(err.message, problem, name);
      return true;
    });
  }
  // Still alive, and a good model still answers.
  const chat = await ChatModel.load(llama, models.chat, { gpu: "off", threads: 1 });
  try {
    const g = await chat.generate({ system: "s", user: "hello", maxTokens: 4 });
    assert.equal(g.tokens, 4);
  } finally {
    await chat.dispose();
  }
});

test("without a chat model the answer is retrieval-only, with sources and a note", async () => {
  const result = await answerQuestion(index, undefined, "What does http.server.active_requests count?");
  assert.equal(result.mode, "retrieval-only");
  assert.match(result.note!, /No chat model/);
  assert.equal(result.sources[0]!.term, "http.server.active_requests");
  assert.match(result.answer, /http\.server\.active_requests/);
  assert.match(result.answer, /\[1\]/);
  assert.equal(result.draft, "");
});

test("a question the docs do not cover says so instead of answering", async () => {
  const result = await answerQuestion(index, chat, "How do I bake sourdough bread with rye flour?", { settings: { draftMaxTokens: 4 } });
  assert.equal(result.mode, "not-covered");
  assert.equal(result.answer, NOT_COVERED);
  assert.equal(result.sources.length, 0);
  assert.equal(result.tokens.answer, 0);
});
