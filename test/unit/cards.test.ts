// Definition cards, best-matching excerpts, follow-ups and context recall, on the real sample docs
// (samples/otel-semconv) and on small docs written for the case.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { sourceBlock } from "../../src/engine/answer/answerPrompts.js";
import type { ChatGenerator } from "../../src/engine/model/modelInterface.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { buildCard } from "../../src/engine/cards/definitionCard.js";
import { bestExcerpt } from "../../src/engine/answer/excerpts.js";
import { excerptQuery } from "../../src/engine/answer/excerptQuery.js";
import { refersBack, resolveFollowUp } from "../../src/engine/answer/followUp.js";
import { contentRecall, contentWords } from "../../src/engine/eval/contentWords.js";
import { contextProbe, evaluateContext } from "../../src/engine/eval/contextEval.js";
import { visibleAnswerText } from "../../src/engine/answer/visibleText.js";
import { hoverMarkdown } from "../../src/extension/hover/hoverMarkdown.js";
import { OTEL_METRICS } from "../fixtures/otelMetrics.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { engineSettings } from "../fixtures/engineSettings.js";

const SAMPLES = path.resolve("samples/otel-semconv");
let otel: DocsIndex;
let engine: Engine;

before(async () => {
  otel = new DocsIndex([SAMPLES]);
  await otel.update();
  const storageDir = await makeTempDir();
  engine = new Engine({
    ...workspaceEngineOptions({
      roots: [SAMPLES],
      storageDir,
      modelsDir: path.join(storageDir, "models"),
      settings: engineSettings(),
    }),
  });
  await engine.start();
});

after(async () => {
  await engine?.dispose();
});

test(`the card of each of ${OTEL_METRICS.length} hand-checked OTel metrics gives exactly its name, instrument and unit, and where it is defined`, async () => {
  assert.ok(OTEL_METRICS.length >= 25);
  for (const m of OTEL_METRICS) {
    const card = await cardForName(otel, m.name);
    assert.ok(card, `${m.name}: a card`);
    assert.deepEqual(
      [card.term, card.kind, card.kindLabel, card.unit, card.path, card.line],
      [m.name, m.instrument, "Instrument", m.unit, m.path, m.line],
      m.name,
    );
    assert.ok(card.description && card.description.length > 5, `${m.name}: a description`);
  }
});

test("the hover of each hand-checked metric shows its instrument and unit in its first line", async () => {
  for (const m of OTEL_METRICS) {
    const definition = await engine.defineWithCard(m.name);
    assert.ok(definition?.card, m.name);
    const first = hoverMarkdown(definition).split("\n")[0]!;
    assert.ok(first.startsWith(`**\`${m.name}\`** — ${m.instrument}, unit \`${m.unit}\`: `), `${m.name}: ${first}`);
    // The heading's code span stays code (escaped whole, its backticks showed as characters).
    const last = hoverMarkdown(definition).split("\n").at(-1)!;
    assert.ok(last.includes(`\`${m.name}\``) && !last.includes("\\`"), `${m.name}: ${last}`);
  }
});

test("a metric's card lists the attributes of its own section, with their requirement levels", async () => {
  const card = await cardForName(otel, "http.server.request.duration");
  assert.equal(card?.description, "Duration of HTTP server requests.");
  assert.equal(card?.stability, "Stable");
  const attributes = card?.attributes ?? [];
  assert.deepEqual(attributes[0], { name: "http.request.method", requirement: "Required", type: "string" });
  assert.deepEqual(
    attributes.find((a) => a.name === "http.route"),
    { name: "http.route", requirement: "Conditionally Required", type: "string" },
  );
  assert.equal(attributes.length, 10);
});

test("cards also come from attribute tables, definition lists and headings", () => {
  const at = (lines: string[]) => ({ file: "/d/x.md", path: "x.md", heading: "H", startLine: 10, endLine: 9 + lines.length, lines });
  const attr = buildCard(
    "url.scheme",
    at([
      "## URL",
      "",
      "| Key | Stability | Value Type | Description | Example Values |",
      "| --- | --- | --- | --- | --- |",
      "| `url.scheme` | ![Stable](b.svg) | string | The [URI scheme](https://x) component. | `http`; `https` |",
    ]),
  );
  assert.deepEqual(
    [attr?.kind, attr?.kindLabel, attr?.stability, attr?.description, attr?.examples, attr?.line],
    ["string", "Type", "Stable", "The URI scheme component.", "http; https", 14],
  );
  const listed = buildCard("max_retries", at(["## Settings", "", "max_retries", ": How often a failed call is tried again."]));
  assert.equal(listed?.description, "How often a failed call is tried again.");
  const headed = buildCard("queue.depth", at(["### `queue.depth`", "", "<!-- generated -->", "How many jobs wait in the queue.", "", "More text."]));
  assert.equal(headed?.description, "How many jobs wait in the queue.");
  assert.equal(buildCard("other.name", at(["## Something", "", "Unrelated."])), undefined);
});

test("a retrieval-only answer shows the unit first, and table rows under their header", async () => {
  const r = await answerQuestion(otel, undefined, "What is the unit of http.server.request.duration?");
  assert.equal(r.mode, "retrieval-only");
  assert.equal(r.cards?.[0]?.unit, "s");
  assert.equal(r.sources[0]!.label, "Metric: http.server.request.duration");
  assert.equal(r.sources[0]!.path, "docs/http/http-metrics.md");
  // One source per section: no two sources overlap.
  for (const a of r.sources) for (const b of r.sources) if (a !== b && a.file === b.file) assert.ok(a.endLine < b.startLine || b.endLine < a.startLine);
  // The definition row is shown as a table (its header and delimiter first), without badge images.
  assert.match(r.answer, /\| Name \| Instrument Type \| Unit \(UCUM\) \|[^\n]*\n\| -+ \|[^\n]*\n\| `http\.server\.request\.duration` \| Histogram \| `s` \|/);
  assert.doesNotMatch(r.answer, /img\.shields\.io|\]\[MetricRecommended\]|<!--/);
  assert.match(visibleAnswerText(r), /Unit: s/);
});

test("an excerpt is the lines that match the question, not the section's first ones", () => {
  const lines = [
    "## Retries",
    "",
    "Calls that fail are logged. Logging is configurable.",
    "",
    "The client retries a failed call three times, waiting two seconds between tries. After that it gives up.",
    "",
    "| Setting | Default |",
    "| --- | --- |",
    "| `timeout` | 30 s |",
    "| `backoff` | 2 s |",
  ];
  const query = excerptQuery("How many times does the client retry?", () => 1, []);
  const { text } = bestExcerpt(lines, query, 120);
  assert.match(text, /^The client retries a failed call three times/);
  assert.doesNotMatch(text, /Calls that fail are logged/);
  const table = bestExcerpt(
    lines,
    excerptQuery("backoff default", () => 1, []),
    60,
  ).text;
  assert.equal(table, "| Setting | Default |\n| --- | --- |\n| `backoff` | 2 s |");
});

test("a follow-up that names nothing carries the previous turn's names; a question that names something stands alone", async () => {
  assert.ok(refersBack("And what is its unit?"));
  assert.ok(!refersBack("What is the unit of jvm.memory.used?"));
  const names = (t: string) => (t.includes("jvm.memory.used") ? ["jvm.memory.used"] : []);
  assert.equal(
    resolveFollowUp("And what is its unit?", { question: "What does http.server.request.duration measure?", terms: ["http.server.request.duration"] }, names),
    "What is the unit of http.server.request.duration?",
  );
  assert.equal(resolveFollowUp("What is the unit of jvm.memory.used?", { question: "x", terms: ["a.b"] }, names), "What is the unit of jvm.memory.used?");
  assert.equal(resolveFollowUp("And its unit?", undefined, names), "And its unit?");
  // Through the engine, as the chat view asks: the follow-up's card is the previous turn's metric.
  const first = await engine.ask({ id: "f1", question: "What does http.client.request.duration measure?" });
  assert.equal(first.cards?.[0]?.term, "http.client.request.duration");
  const followUp = await engine.ask({
    id: "f2",
    question: "And what is its unit?",
    previous: { question: first.question, terms: first.cards!.map((c) => c.term) },
  });
  assert.equal(followUp.resolvedQuestion, "What is the unit of http.client.request.duration?");
  assert.equal(followUp.cards?.[0]?.term, "http.client.request.duration");
  assert.equal(followUp.cards?.[0]?.unit, "s");
  assert.equal(followUp.sources[0]!.label, "Metric: http.client.request.duration");
});

test("with a model, a follow-up becomes the model's standalone question only if it keeps the previous turn's names", async () => {
  // Generators that write a given text: what the pipeline does with a good and a careless rewrite.
  const writing = (text: string): ChatGenerator => ({
    contextSize: 4096,
    countTokens: (t) => Math.ceil(t.length / 4),
    generate: async () => ({ text, tokens: 1, ms: 1, firstTokenMs: 1, tokensPerSecond: 1, aborted: false, stopReason: "eos" }),
  });
  const previous = { question: "What does http.client.request.duration measure?", terms: ["http.client.request.duration"] };
  const settings = { draft: false, answerMaxTokens: 16 };
  const good = await answerQuestion(otel, writing("What is the unit of http.client.request.duration?"), "And what is its unit?", { previous, settings });
  assert.equal(good.resolvedQuestion, "What is the unit of http.client.request.duration?");
  assert.equal(good.cards?.[0]?.term, "http.client.request.duration");
  const careless = await answerQuestion(otel, writing("What is its unit?"), "And what is its unit?", { previous, settings });
  assert.equal(careless.resolvedQuestion, "What is the unit of http.client.request.duration?");
  assert.equal(careless.cards?.[0]?.unit, "s");
});

test("content words are lowercased words and numbers without stop words; recall is the share of the reference's", () => {
  assert.deepEqual(
    [...contentWords("The unit of `http.server.request.duration` is s, 2 of them!")],
    ["unit", "http", "server", "request", "duration", "s", "2"],
  );
  assert.equal(contentRecall(contentWords("Retries three times"), "it retries two or three times"), 1);
  assert.equal(contentRecall(contentWords("Retries three times"), "it retries"), 1 / 3);
});

test("docent eval --context: the model's context holds the answer within its budget, and the whole relevant files are measured too", async () => {
  const root = await tempDocs({
    "retries.md": "# Retries\n\n## Policy\n\nIntro words.\n\nThe client retries a failed call three times with exponential backoff.\n",
    "timeouts.md": "# Timeouts\n\n## Defaults\n\nRequests time out after thirty seconds unless configured.\n",
  });
  const index = new DocsIndex([root]);
  await index.update();
  const questions = [
    {
      id: "1",
      question: "How often does the client retry a failed call?",
      relevant: ["retries.md"],
      answer: "It retries three times, with exponential backoff.",
    },
    { id: "2", question: "When do requests time out?", relevant: ["timeouts.md"], answer: "After thirty seconds unless configured." },
  ];
  const report = await evaluateContext(index, root, questions, { contextSize: 1024, answerMaxTokens: 128 });
  assert.equal(report.questions, 2);
  assert.equal(report.context_recall, 1);
  assert.equal(report.visible_recall, 1);
  assert.equal(report.relevant_files_recall, 1);
  assert.ok(report.mean_context_tokens > 0 && report.mean_context_tokens <= report.mean_context_budget);
  // The probe is the real pipeline: its sources are what a model would be given.
  const run = await answerQuestion(index, contextProbe(1024), questions[0]!.question, { settings: { draft: false, answerMaxTokens: 128 } });
  assert.match(run.sources.map(sourceBlock).join("\n"), /three times with exponential backoff/);
});
