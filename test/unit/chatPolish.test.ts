// The chat's polish (issue 23 items 5, 8, 9 and 1) where plain Node can show it: a follow-up shown
// as the question answered, a card whose attributes open for a question about them, Up recalling
// the short Explain question, the names a file holds for the Explain menu, a wide table's Markdown.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { resolveFollowUp } from "../../src/engine/answer/followUp.js";
import { explainQuestion, expandedForm, explainedName, recalledForm, shortExplain } from "../../src/shared/explainQuestion.js";
import { definableNames } from "../../src/extension/hover/metricName.js";
import { asksForAttributes } from "../../webview/cardFocus.js";
import { QuestionRecall } from "../../webview/questionRecall.js";
import { pipeTable } from "../../webview/pipeTable.js";

const SAMPLES = path.resolve("samples/otel-semconv");
let otel: DocsIndex;

before(async () => {
  otel = new DocsIndex([SAMPLES]);
  await otel.update();
});

const DURATION = "http.server.request.duration";
const previous = { question: `What does ${DURATION} measure?`, terms: [DURATION] };
const noNames = () => [];

test("a follow-up is answered as a standalone question that names what it refers to", () => {
  assert.equal(resolveFollowUp("And which attributes does it have?", previous, noNames), `Which attributes does ${DURATION} have?`);
  assert.equal(resolveFollowUp("and what is its unit?", previous, noNames), `What is the unit of ${DURATION}?`);
  assert.equal(resolveFollowUp("What is its default bucket boundary?", previous, noNames), `What is ${DURATION}'s default bucket boundary?`);
  assert.equal(resolveFollowUp("Also, it's stable?", previous, noNames), `${DURATION} is stable?`);
  assert.equal(resolveFollowUp("Is this metric required?", previous, noNames), `Is ${DURATION} required?`);
  // "that" as a relative pronoun is left alone while a pronoun is there to replace.
  assert.equal(resolveFollowUp("And the attributes that it has?", previous, noNames), `The attributes that ${DURATION} has?`);
  const two = { question: "x", terms: ["a.b", "c.d"] };
  assert.equal(resolveFollowUp("How do they differ?", two, noNames), "How do a.b and c.d differ?");
  // Nothing to replace, or nothing named before: the carried form.
  assert.equal(resolveFollowUp("What about the unit?", previous, noNames), `What about the unit? (about ${DURATION})`);
  assert.equal(resolveFollowUp("And its unit?", { question: "How do retries work?" }, noNames), "And its unit? (about How do retries work?)");
  // A question that names something, or refers to nothing, stands as asked.
  assert.equal(
    resolveFollowUp("Which attributes does jvm.memory.used have?", previous, (t) => (t.includes("jvm") ? ["jvm.memory.used"] : [])),
    "Which attributes does jvm.memory.used have?",
  );
  assert.equal(resolveFollowUp("How are histograms bucketed?", previous, noNames), "How are histograms bucketed?");
});

test("through the pipeline, 'And which attributes does it have?' is answered as the named question, with the card's attributes", async () => {
  const result = await answerQuestion(otel, undefined, "And which attributes does it have?", { previous, settings: { draft: false } });
  assert.equal(result.resolvedQuestion, `Which attributes does ${DURATION} have?`);
  const card = result.cards?.[0];
  assert.equal(card?.term, DURATION);
  assert.ok((card?.attributes?.length ?? 0) > 0, "the card lists the metric's attributes");
  assert.ok(asksForAttributes(result.resolvedQuestion!));
});

test("a question about attributes (or labels) opens its card's attributes; others leave them collapsed", () => {
  assert.ok(asksForAttributes("Which attributes does http.server.request.duration have?"));
  assert.ok(asksForAttributes("What labels does it carry?"));
  assert.ok(asksForAttributes(explainQuestion(DURATION)), "Explain asks which attributes go with it");
  assert.ok(!asksForAttributes("What is the unit of http.server.request.duration?"));
});

test("Up recalls an Explain question as 'Explain `name`', and asking that asks the whole question", () => {
  const long = explainQuestion(DURATION);
  assert.equal(explainedName(long), DURATION);
  assert.equal(recalledForm(long), "Explain `http.server.request.duration`");
  assert.equal(recalledForm("What does it mean?"), "What does it mean?");
  // A question that only starts like the Explain one is the user's own: recalled as it is.
  assert.equal(recalledForm("Explain `x.y`: and its history"), "Explain `x.y`: and its history");
  assert.equal(expandedForm(shortExplain(DURATION)), long);
  assert.equal(expandedForm("  Explain `jvm.memory.used`  "), explainQuestion("jvm.memory.used"));
  assert.equal(expandedForm("Explain `a` and `b`"), "Explain `a` and `b`");
  const recall = new QuestionRecall();
  recall.add("What does jvm.memory.used measure?");
  recall.add(recalledForm(long));
  assert.equal(recall.step(-1, ""), "Explain `http.server.request.duration`");
  assert.equal(recall.step(-1, "Explain `http.server.request.duration`"), "What does jvm.memory.used measure?");
});

test("the Explain menu's document scan: distinct names worth a lookup, in order, bounded", () => {
  const text =
    'import { metrics } from "x";\nconst h = meter.createHistogram("http.server.request.duration");\nHTTP.SERVER.REQUEST.DURATION jvm.memory.used plain words';
  assert.deepEqual(definableNames(text), ["meter.createHistogram", "http.server.request.duration", "jvm.memory.used"]);
  const many = Array.from({ length: 1000 }, (_, i) => `name_${i}`).join(" ");
  assert.equal(definableNames(many).length, 300);
  // Only the first 200,000 characters are read.
  assert.deepEqual(definableNames(`${" ".repeat(200_000)}late.name`), []);
});

test("a wide table opens as a pipe table with its columns aligned", () => {
  const md = pipeTable([
    ["Name", "Unit", "Description"],
    ["`http.server.request.duration`", "s", "Duration of HTTP server requests \\| all of them"],
    ["x", "", "ü"],
  ]);
  const lines = md.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[1], `| ${"-".repeat(30)} | ---- | ${"-".repeat(47)} |`);
  assert.equal(lines[0], `| Name${" ".repeat(26)} | Unit | Description${" ".repeat(36)} |`);
  // Every row as long as the others (characters, not UTF-16 units): the columns line up.
  assert.deepEqual(new Set(lines.map((l) => [...l].length)).size, 1);
  assert.equal(pipeTable([]), "");
});
