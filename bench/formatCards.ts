// The hand-checked OTel metric cards (test/fixtures/otelMetrics.ts) read from the same files rendered to
// AsciiDoc, HTML and reStructuredText must be the Markdown's: name, instrument, unit, description and
// attribute names. The unit test checks five rendered files kept as fixtures; this checks every file
// that defines a hand-checked metric, rendered by bench/formatCards.sh (pandoc) into DIR/{adoc,html,rst}.
// Usage: node out/bench/formatCards.js DIR
import * as path from "node:path";
import { DocsIndex } from "../src/engine/index/docsIndex.js";
import { cardForName } from "../src/engine/cards/cardsForTerms.js";
import { OTEL_METRICS } from "../test/fixtures/otelMetrics.js";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node out/bench/formatCards.js DIR (rendered by bench/formatCards.sh)");
const markdown = new DocsIndex([path.resolve("samples/otel-semconv")]);
await markdown.update();
const facts = async (index: DocsIndex, name: string) => {
  const card = await cardForName(index, name);
  if (!card) return undefined;
  return JSON.stringify({
    term: card.term,
    kind: card.kind,
    unit: card.unit,
    description: card.description,
    file: card.path.replace(/\.\w+$/, ""),
    attributes: card.attributes?.map((a) => a.name),
  });
};
let failed = 0;
for (const format of ["adoc", "html", "rst"]) {
  const index = new DocsIndex([path.join(dir, format)]);
  await index.update();
  let same = 0;
  for (const metric of OTEL_METRICS) {
    const expected = await facts(markdown, metric.name);
    const got = await facts(index, metric.name);
    if (got !== undefined && got === expected) same++;
    else console.log(`${format} ${metric.name}:\n  markdown ${expected}\n  ${format} ${got ?? "(no card)"}`);
  }
  failed += OTEL_METRICS.length - same;
  console.log(`${format}: ${same} of ${OTEL_METRICS.length} hand-checked cards the same as the Markdown's`);
}
process.exitCode = failed ? 1 : 0;
