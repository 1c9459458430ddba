// Issue 26's minors on the definition path: a question that is not one name is not answered as
// another name in it, and the Kelvin sign (U+212A) does not fold into an ASCII name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { defineName } from "../../src/engine/lookup.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { foldName } from "../../src/shared/names.js";
import { tempDocs } from "../helpers/tempDocs.js";

const KELVIN = "\u212A";

async function withIndex(files: Record<string, string>, run: (index: DocsIndex) => Promise<void>): Promise<void> {
  const root = await tempDocs(files);
  try {
    const index = new DocsIndex([root]);
    await index.update();
    await run(index);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

test("define answers one name for itself: 'unknown.name s.m' is not answered as s.m", async () => {
  await withIndex({ "s.md": "# `s.m`\n\nThe s metric.\n" }, async (index) => {
    assert.equal(defineName(index, "s.m")?.term, "s.m");
    assert.equal(defineName(index, "S.M")?.term, "s.m");
    assert.equal(defineName(index, "unknown.name s.m"), undefined);
    assert.equal(defineName(index, "s.m unknown.name"), undefined);
    assert.equal(defineName(index, "what is s.m"), undefined);
  });
});

test("define still reads a misspelt name as the defined one (did you mean)", async () => {
  await withIndex({ "m.md": "# `http.server.request.duration`\n\nHow long a request took.\n" }, async (index) => {
    const def = defineName(index, "http.server.request.duraton");
    assert.equal(def?.term, "http.server.request.duration");
    assert.equal(def?.askedAs, "http.server.request.duraton");
  });
});

test("the Kelvin sign is the only character beyond ASCII whose lower case is ASCII, and the fold keeps it", () => {
  const foldsIntoAscii: number[] = [];
  for (let c = 0x80; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if ([...String.fromCodePoint(c).toLowerCase()].every((ch) => ch.charCodeAt(0) < 0x80)) foldsIntoAscii.push(c);
  }
  assert.deepEqual(foldsIntoAscii, [0x212a]);
  assert.equal(foldName(`${KELVIN}afka.Lag`), `${KELVIN}afka.lag`);
  assert.equal(foldName("Kafka.LAG"), "kafka.lag");
  assert.equal(foldName("ÄRGER.Σ"), "ÄRGER.Σ".toLowerCase());
});

test("a name spelt with the Kelvin sign and its ASCII look-alike are two names", async () => {
  const files = { "ascii.md": "# `kafka.lag`\n\nThe ASCII one.\n", "kelvin.md": `# \`${KELVIN}afka.lag\`\n\nThe look-alike.\n` };
  await withIndex(files, async (index) => {
    assert.equal(defineName(index, "kafka.lag")?.path, "ascii.md");
    assert.equal(defineName(index, "Kafka.lag")?.path, "ascii.md");
    assert.equal(defineName(index, `${KELVIN}afka.lag`)?.path, "kelvin.md");
    assert.equal((await cardForName(index, "kafka.lag"))?.description, "The ASCII one.");
    assert.equal((await cardForName(index, `${KELVIN}afka.lag`))?.description, "The look-alike.");
  });
  // With only the look-alike defined, the ASCII name is not defined (at most a "did you mean").
  await withIndex({ "kelvin.md": files["kelvin.md"] }, async (index) => {
    const def = defineName(index, "kafka.lag");
    assert.ok(def === undefined || def.askedAs === "kafka.lag", JSON.stringify(def));
    assert.equal(await cardForName(index, "kafka.lag"), undefined);
  });
});
