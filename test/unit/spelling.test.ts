// "Did you mean": the spelling index over the docs' own words and defined names, and questions as
// people type them (typos in words and in metric names) on small docs and on samples/otel-semconv.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { loadIndex, saveIndex } from "../../src/engine/index/disk/persistence.js";
import { letterMask, maxEditsFor, osaDistance, SpellingIndex } from "../../src/engine/index/search/spelling.js";
import { answerQuestion, NOT_COVERED } from "../../src/engine/answer/pipeline.js";
import type { QuerySpelling } from "../../src/engine/index/search/correction.js";
import { OTEL_METRICS } from "../fixtures/otelMetrics.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";

const SAMPLES = path.resolve("samples/otel-semconv");

const DOCS = {
  "metrics.md": [
    "# Server metrics",
    "",
    "## Metric: `http.server.request.duration`",
    "",
    "| Name | Instrument | Unit | Description |",
    "| --- | --- | --- | --- |",
    "| `http.server.request.duration` | Histogram | `s` | Duration of HTTP server requests. |",
    "",
    "## Metric: `http.server.active_requests`",
    "",
    "| Name | Instrument | Unit | Description |",
    "| --- | --- | --- | --- |",
    "| `http.server.active_requests` | UpDownCounter | `{request}` | Number of active HTTP server requests. |",
    "",
  ].join("\n"),
  "config.md": [
    "# Configuration",
    "",
    "The exporter batches telemetry before sending it. Set the timeout and the maximum queue size.",
    "",
    "## Retries",
    "",
    "Failed exports are retried with exponential backoff.",
    "",
  ].join("\n"),
  "models.md": "# Models\n\n| Model | Use |\n| --- | --- |\n| `claude-3-7-sonnet` | long documents |\n",
};

let index: DocsIndex;
before(async () => {
  index = new DocsIndex([await tempDocs(DOCS)]);
  await index.update();
});

test("edit distance counts a swap of neighbouring letters as one edit, and stops past its limit", () => {
  assert.equal(osaDistance("duration", "duration", 2), 0);
  assert.equal(osaDistance("duraiton", "duration", 2), 1); // swapped
  assert.equal(osaDistance("duraton", "duration", 2), 1); // dropped
  assert.equal(osaDistance("durration", "duration", 2), 1); // doubled
  assert.equal(osaDistance("dusation", "duration", 2), 1); // neighbouring key
  assert.equal(osaDistance("drautoin", "duration", 2), 3); // three edits: past the limit
  assert.equal(osaDistance("ab", "abcdef", 2), 3);
  // One edit changes at most two letters of the set: the mask filter never drops a word within reach.
  for (const [a, b] of [
    ["duraiton", "duration"],
    ["dusation", "duration"],
    ["timeuot", "timeout"],
  ])
    assert.ok(((letterMask(a) ^ letterMask(b)).toString(2).match(/1/g)?.length ?? 0) <= 2 * osaDistance(a, b, 2));
});

test("edits allowed grow with the word: none under four letters, one up to five, two from six", () => {
  assert.deepEqual([3, 4, 5, 6, 12].map(maxEditsFor), [0, 1, 1, 2, 2]);
});

/** Each misspelt word with its best reading. */
const readings = (s: QuerySpelling) => s.words.map((w) => [w.from, w.to[0]]);

test("a misspelt word is read as the docs' nearest word; a word the docs use is never corrected", () => {
  const s = index.spellingOf("how do I set the exporter timeuot and the queue szie?");
  assert.deepEqual(readings(s), [
    ["timeuot", "timeout"],
    ["szie", "size"],
  ]);
  assert.deepEqual(s.unknown, []);
  const clean = index.spellingOf("how do I set the exporter timeout and the queue size?");
  assert.deepEqual([clean.words, clean.names, clean.unknown], [[], [], []]);
});

test("two edits in a long word are corrected; a short word or one too far off is reported as not found", () => {
  const s = index.spellingOf("exponnetail bakcoff for teh sourdough");
  assert.deepEqual(readings(s), [
    ["exponnetail", "exponential"],
    ["bakcoff", "backoff"],
  ]);
  assert.deepEqual(s.unknown, ["sourdough"]);
  assert.deepEqual(s.unknownShort, ["teh"]);
});

test("a misspelt dotted name is read as the nearest defined name, part by part, and gets its card", async () => {
  const s = index.spellingOf("unit of http.server.request.duraton");
  assert.deepEqual(s.names, [{ from: "http.server.request.duraton", to: ["http.server.request.duration"] }]);
  const result = await answerQuestion(index, undefined, "What is the unit of http.server.request.duraton?");
  assert.equal(result.cards?.[0]?.term, "http.server.request.duration");
  assert.equal(result.cards?.[0]?.askedAs, "http.server.request.duraton");
  assert.equal(result.cards?.[0]?.unit, "s");
  assert.equal(result.sources[0]?.term, "http.server.request.duration");
  // The card says "did you mean"; the spelling note does not repeat it.
  assert.equal(result.spelling?.corrected.some((c) => c.from === "http.server.request.duraton") ?? false, false);
});

test("numbers are not typos: a version that differs by a digit is not corrected to another", () => {
  assert.deepEqual(index.spellingOf("is claude-3-5-sonnet good for long documents?").names, []);
  assert.deepEqual(index.spellingOf("is claude-3-7-sonet good for long documents?").names, [{ from: "claude-3-7-sonet", to: ["claude-3-7-sonnet"] }]);
});

test("a question with everyday typos is answered, not called 'not covered'", async () => {
  for (const question of [
    "wat is teh unit of http.server.request.duration",
    "how are faild exprots retried?",
    "what does the expoter do befor sending telemtry?",
  ]) {
    const result = await answerQuestion(index, undefined, question);
    assert.equal(result.mode, "retrieval-only", `${question}: ${result.note}`);
  }
  const retried = await answerQuestion(index, undefined, "how are faild exprots retried?");
  assert.equal(retried.sources[0]?.heading, "Configuration > Retries");
  assert.deepEqual(retried.spelling?.corrected, [
    { from: "faild", to: "failed" },
    { from: "exprots", to: "exports" },
  ]);
});

test("a question the docs do not cover names the words they never use and suggests an embedding model", async () => {
  const result = await answerQuestion(index, undefined, "How do I bake sourdough bread with rye flour?");
  assert.equal(result.mode, "not-covered");
  assert.equal(result.answer, NOT_COVERED);
  assert.match(result.note!, /"sourdough"/);
  assert.match(result.note!, /embedding model/);
});

test("a word the docs never use does not hide a section that matches the rest of the question", async () => {
  // "latency" is not in these docs; the rest of the question matches the duration metric strongly.
  const result = await answerQuestion(index, undefined, "what is the latency of http server requests duration histogram");
  assert.equal(result.mode, "retrieval-only");
  assert.deepEqual(result.spelling?.notFound, ["latency"]);
});

test("the spelling index is saved with the index, its journal brings a changed file's new words, and a removed file's words are not suggested", async () => {
  const root = await tempDocs(DOCS);
  const file = path.join(await makeTempDir(), "index.docent");
  const built = new DocsIndex([root]);
  await built.update();
  await saveIndex(built, file);
  const loaded = await loadIndex(file, [root]);
  assert.equal(loaded.status, "loaded");
  assert.equal(loaded.index.spelling.size, built.spelling.size);
  assert.deepEqual(loaded.index.spellingOf("exporter timeuot").words[0]?.to[0], "timeout");

  // A new file after the full save: saved through the journal, its words come back on load.
  await fs.writeFile(path.join(root, "tracing.md"), "# Tracing\n\nSampling keeps a fraction of traces.\n");
  await loaded.index.update();
  const saved = await saveIndex(loaded.index, file, { journalShare: 1 });
  assert.equal(saved.journaled, true);
  const replayed = await loadIndex(file, [root]);
  assert.equal(replayed.status, "loaded");
  assert.equal(replayed.index.spellingOf("how does samplnig work").words[0]?.to[0], "sampling");

  // The file goes: its words are no longer suggested, and a full save leaves them out.
  await fs.rm(path.join(root, "tracing.md"));
  await replayed.index.update();
  assert.deepEqual(replayed.index.spellingOf("how does samplnig work").words, []);
  await saveIndex(replayed.index, file, { full: true });
  const reloaded = await loadIndex(file, [root]);
  assert.equal(reloaded.status, "loaded");
  assert.deepEqual(reloaded.index.spellingOf("how does samplnig work").words, []);
  // The save after that one leaves the word out (the first still had the removed chunks' list).
  await saveIndex(reloaded.index, file, { full: true });
  assert.equal(reloaded.index.spelling.has("sampling"), false);
  assert.equal(reloaded.index.spelling.has("exponential"), true);

  // A word that returns in a changed file is suggested again.
  await rewrite(path.join(root, "config.md"), DOCS["config.md"] + "\nSampling is off by default.\n");
  await reloaded.index.update();
  assert.equal(reloaded.index.spellingOf("how does samplnig work").words[0]?.to[0], "sampling");
});

test("a question of thousands of made-up words looks up only the first few and names at most eight", async () => {
  const words = Array.from({ length: 1200 }, (_, i) => `zq${(i * 7919).toString(36)}xv`);
  const spelling = index.spellingOf(words.join(" "));
  assert.equal(spelling.unknown.length, 1200);
  const result = await answerQuestion(index, undefined, words.join(" "));
  assert.equal(result.mode, "not-covered");
  assert.equal(result.spelling?.notFound.length, 8);
});

test("the spelling index breaks ties by how often the docs use a word, then alphabetically", () => {
  const spelling = new SpellingIndex();
  spelling.addWords(["cart", "card", "care"]);
  const frequency = new Map([
    ["cart", 1],
    ["card", 5],
    ["care", 5],
  ]);
  assert.deepEqual(
    spelling.suggest(
      "carx",
      () => true,
      (w) => frequency.get(w)!,
    ),
    ["card", "care", "cart"],
  );
  assert.deepEqual(
    spelling.suggest(
      "carx",
      (w) => w !== "card",
      (w) => frequency.get(w)!,
    ),
    ["care", "cart"],
  );
});

/** One everyday typo in a name, chosen by `n`: a swap, a dropped or a doubled letter in its longest part. */
function misspell(name: string, n: number): string {
  const parts = name.split(/([._])/);
  let longest = 0;
  parts.forEach((p, i) => {
    if (p.length > parts[longest]!.length) longest = i;
  });
  const word = parts[longest]!;
  const at = 1 + (n % Math.max(1, word.length - 3));
  const kinds = [
    () => word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2),
    () => word.slice(0, at) + word.slice(at + 1),
    () => word.slice(0, at) + word[at] + word.slice(at),
  ];
  let typo = kinds[n % 3]!();
  if (typo === word) typo = kinds[1]!();
  parts[longest] = typo;
  return parts.join("");
}

test("a misspelt metric name gets the right metric's card (unit and instrument) for the sampled OTel metrics", async () => {
  const otel = new DocsIndex([SAMPLES]);
  await otel.update();
  assert.ok(OTEL_METRICS.length >= 30);
  const wrong: string[] = [];
  for (const [n, metric] of OTEL_METRICS.entries()) {
    const typo = misspell(metric.name, n);
    assert.notEqual(typo, metric.name);
    const result = await answerQuestion(otel, undefined, `What is the unit of ${typo}?`);
    const card = result.cards?.[0];
    if (card?.term !== metric.name || card.unit !== metric.unit || card.kind !== metric.instrument || card.askedAs !== typo)
      wrong.push(`${typo}: ${card?.term ?? "no card"}`);
  }
  // The bar: at least 95% (38 of 40 on this sample).
  assert.ok(wrong.length <= OTEL_METRICS.length * 0.05, `${wrong.length} of ${OTEL_METRICS.length} wrong:\n${wrong.join("\n")}`);
});
