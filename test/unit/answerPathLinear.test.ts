// Every function of src/engine/cards and src/engine/answer that runs a regular expression over
// document text (or over the model's answer) takes time linear in its input: on 100 KB it takes
// under 30 times what it takes on 10 KB (test/helpers/linearTime.ts says why that bound holds on a
// loaded machine). Inputs are runs of what made the old patterns backtrack (issue 26): "[", "![",
// "|", spaces, blank lines, backticks, "<", "<!--", "](", ">" and mixes, each after a metric's
// heading so that cards and excerpts have a section to read.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compactMarkdown, plainInline, readableMarkdown } from "../../src/engine/cards/inlineText.js";
import { isDelimiterRow, isTableLine, splitCells, tablesIn } from "../../src/engine/cards/markdownTables.js";
import { buildCard, firstProse } from "../../src/engine/cards/definitionCard.js";
import { admonitionName, unitsOf } from "../../src/engine/answer/excerptUnits.js";
import { bestExcerpt } from "../../src/engine/answer/excerpts.js";
import { render } from "../../src/engine/answer/excerptRender.js";
import { fenceText } from "../../src/engine/answer/excerptFit.js";
import { escapeDocsCitations } from "../../src/engine/answer/docsBrackets.js";
import { parseCitations } from "../../src/engine/answer/pipeline.js";
import { readerAnswer } from "../../src/engine/answer/context.js";
import { fingerprint } from "../../src/engine/answer/duplicates.js";
import { refersBack, resolveFollowUp } from "../../src/engine/answer/followUp.js";
import { sectionLabel } from "../../src/engine/answer/sections.js";
import { spellingNote } from "../../src/engine/answer/coverage.js";
import { definitionRow } from "../../src/engine/lookup.js";
import { describeTimes, LARGE_BYTES, linearTimes, repeatTo, SMALL_BYTES } from "../helpers/linearTime.js";

const HEAD = "# Metric: `hang.metric`\n\nThe hang metric.\n\na | b\n";
const QUERY = {
  weights: new Map([
    ["hang", 1.5],
    ["metric", 1],
  ]),
  terms: ["hang.metric"],
};
const lines = (text: string) => text.split("\n");

/** Each regex-using function, fed the way the answer path feeds it (a text, its lines, a section). */
const FUNCTIONS: Record<string, (text: string) => unknown> = {
  plainInline,
  readableMarkdown,
  compactMarkdown,
  isTableLine,
  isDelimiterRow,
  splitCells,
  "isDelimiterRow per line": (t) => lines(t).filter(isDelimiterRow).length,
  tablesIn: (t) => tablesIn(lines(t), 1),
  firstProse: (t) => firstProse(lines(t)),
  buildCard: (t) =>
    buildCard("hang.metric", {
      file: "/d/doc.md",
      path: "doc.md",
      heading: "hang.metric",
      startLine: 1,
      endLine: 10,
      lines: ["# Metric: `hang.metric`", "", "| Name | Instrument | Unit | Description |", "| --- | --- | --- | --- |", ...lines(t), "hang.metric", `: ${t}`],
    }),
  "buildCard heading": (t) => buildCard("hang.metric", { file: "/d/doc.md", path: "doc.md", heading: t, startLine: 1, endLine: 1, lines: [`# ${t}`, t] }),
  admonitionName,
  unitsOf: (t) => unitsOf(lines(t)),
  render: (t) => render(unitsOf(lines(t))),
  bestExcerpt: (t) => bestExcerpt(lines(t), QUERY, 700),
  // The compact context's choice, by what the question still needs (context.ts): rescoring every unit after each one tried was quadratic.
  "bestExcerpt by need": (t) => bestExcerpt(lines(t), QUERY, 4000, { matchingOnly: true, covered: new Map() }),
  fenceText: (t) => fenceText(["```", ...lines(t), "```"], QUERY),
  escapeDocsCitations,
  parseCitations: (t) => parseCitations(t, []),
  readerAnswer: (t) =>
    readerAnswer([{ n: 1, path: "doc.md", file: "/d/doc.md", heading: t, startLine: 1, endLine: 2, text: t } as Parameters<typeof readerAnswer>[0][0]]),
  fingerprint: (t) => fingerprint(lines(t)),
  refersBack,
  resolveFollowUp: (t) => resolveFollowUp(`and ${t}`, { question: t }, () => []),
  sectionLabel: (t) => sectionLabel({ headingPath: lines(t), title: "doc" }),
  spellingNote: (t) => spellingNote({ words: [], names: [], unknown: [], unknownShort: [] }, [{ askedAs: t }]),
  definitionRow: (t) => definitionRow({ text: `| Name | Unit |\n|---|---|\n${t}\n| \`hang.metric\` | s |` }, "hang.metric"),
};

/** The shapes of issue 26 items 1 and 2 and of the pathological bench that reach the answer path. */
const SHAPES: Record<string, string> = {
  "spaces after a table line (item 1)": " ",
  "open brackets (item 2)": "[",
  "open images (item 2)": "![",
  "blank lines (item 2)": "\n",
  "lines of spaces (item 2)": " ".repeat(999) + "\n",
  "unclosed link targets": "[a](",
  "unclosed reference links": "[a][",
  "link target runs": "](",
  "comment openings": "<!--",
  "tag run": "<a",
  pipes: "|",
  "pipe and dash cells": "| - ",
  backticks: "`a``",
  "quote markers": ">",
  "alert lines": "> [!NOTE]\n",
  "bracketed numbers": "[1,",
  "bold openings": "**a",
  "list markers": "- ",
  "bracket lines": "[\n",
  "fence lines": "```\n",
  "sentence ends": ". ",
  "rows that all match the question": "| `hang.metric` | hang metric | s |\n",
  "sentences that all match the question": "The hang metric counts hangs. ",
  "spaces before a line separator": ": " + " ".repeat(500) + "x\u2028",
};

function assertLinear(name: string, f: (text: string) => unknown, unit: string): void {
  const t = linearTimes(f, repeatTo(unit, SMALL_BYTES, HEAD), repeatTo(unit, LARGE_BYTES, HEAD));
  assert.ok(t.linear, describeTimes(`${name} on ${JSON.stringify(unit.slice(0, 40))}`, t));
}

for (const [shape, unit] of Object.entries(SHAPES)) {
  test(`answer-path functions run in linear time on ${shape}`, () => {
    for (const [name, f] of Object.entries(FUNCTIONS)) assertLinear(name, f, unit);
  });
}

/** Pieces that start or end a construct some pattern waits for the end of. */
const PIECE = fc.constantFrom(
  "[",
  "![",
  "]",
  "](",
  "(",
  ")",
  "|",
  " ",
  "  ",
  "\t",
  "\n",
  "\n\n",
  "`",
  "``",
  "<",
  "<!--",
  "-->",
  ">",
  "[!NOTE]",
  ":",
  "-",
  "--",
  "**",
  "*",
  "_",
  "1",
  "1,",
  "a",
  "a.b",
  "#",
  "{",
  "\u2028",
);

test("property: answer-path functions run in linear time on generated runs and mixes", () => {
  fc.assert(
    fc.property(
      fc.array(PIECE, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join("")),
      fc.constantFrom(...Object.keys(FUNCTIONS)),
      (unit, name) => assertLinear(name, FUNCTIONS[name]!, unit),
    ),
    // Each run times one function on 10 KB and 100 KB; no shrinking after a failure (a quadratic
    // case at 100 KB takes seconds per run, and the message already names the unit).
    { numRuns: 200, endOnFailure: true },
  );
});
