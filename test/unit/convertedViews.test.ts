// The Markdown view of a converted file (HTML, AsciiDoc, ..., API specs) is made once while the file
// stays the same: a second answer or hover over it does not convert it again; a changed file is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { DocLines } from "../../src/engine/index/search/fileLines.js";
import { ConvertedViews, convertedViews } from "../../src/engine/index/search/convertedViews.js";
import { cardForName } from "../../src/engine/cards/cardsForTerms.js";
import { answerQuestion } from "../../src/engine/answer/pipeline.js";
import { tempDocs } from "../helpers/tempDocs.js";

const page = (description: string) =>
  `<h1>Cache</h1>\n<table>\n<tr><th>Name</th><th>Instrument</th><th>Unit</th><th>Description</th></tr>\n<tr><td><code>cache.hit.ratio</code></td><td>Gauge</td><td><code>1</code></td><td>${description}</td></tr>\n</table>\n`;

test("a second read of a converted file, from another answer or hover, does not convert it again", async () => {
  const root = await tempDocs({ "cache.html": page("Share of lookups served."), "notes.md": "# Notes\n\nPlain Markdown.\n" });
  const index = new DocsIndex([root]);
  await index.update();
  const views = new ConvertedViews();
  const file = path.join(root, "cache.html");
  const first = await new DocLines(index, views).of(file);
  assert.equal(views.conversions, 1);
  // A new DocLines is what each answer and hover makes.
  const second = await new DocLines(index, views).of(file);
  assert.equal(views.conversions, 1, "not converted again");
  assert.deepEqual(second, first);
  assert.match(first!.join("\n"), /\| `cache.hit.ratio` \| Gauge \| `1` \| Share of lookups served\. \|/);
  // Markdown is read as it is: nothing converted, nothing kept.
  await new DocLines(index, views).of(path.join(root, "notes.md"));
  assert.deepEqual(views.stats().conversions, 1);
  assert.equal(views.stats().files, 1);

  // The engine's own readers (hover cards, answers) share one cache.
  const before = convertedViews.conversions;
  assert.equal((await cardForName(index, "cache.hit.ratio"))?.description, "Share of lookups served.");
  assert.equal((await cardForName(index, "cache.hit.ratio"))?.description, "Share of lookups served.");
  await answerQuestion(index, undefined, "what is cache.hit.ratio");
  await answerQuestion(index, undefined, "what unit does cache.hit.ratio use");
  assert.equal(convertedViews.conversions - before, 1, "two hovers and two answers converted the page once");
});

test("a changed file is converted again, even at the same size and modification time", async () => {
  const root = await tempDocs({ "cache.html": page("Share of lookups served.") });
  const file = path.join(root, "cache.html");
  // A whole second, which the file system keeps exactly.
  const when = new Date("2026-01-02T03:04:05Z");
  await fs.utimes(file, when, when);
  const index = new DocsIndex([root]);
  await index.update();
  const views = new ConvertedViews();
  await new DocLines(index, views).of(file);
  // Same length, same modification time: only the text tells.
  await fs.writeFile(file, page("Share of lookups missed."));
  await fs.utimes(file, when, when);
  assert.equal((await fs.stat(file)).mtimeMs, when.getTime());
  const same = await new DocLines(index, views).of(file);
  assert.equal(views.conversions, 2);
  assert.match(same!.join("\n"), /Share of lookups missed\./);
  // A new modification time.
  await fs.writeFile(file, page("Share of lookups served again."));
  const changed = await new DocLines(index, views).of(file);
  assert.equal(views.conversions, 3);
  assert.match(changed!.join("\n"), /Share of lookups served again\./);
  await new DocLines(index, views).of(file);
  assert.equal(views.conversions, 3);
});

test("the cache is bounded by characters, the least recently read view dropped first", async () => {
  const files = { "a.html": page("A".repeat(300)), "b.html": page("B".repeat(300)), "c.html": page("C".repeat(300)) };
  const root = await tempDocs(files);
  const index = new DocsIndex([root]);
  await index.update();
  // Room for two of the three (each view plus its text is about 1,000 characters).
  const views = new ConvertedViews(2200);
  const read = (name: string) => new DocLines(index, views).of(path.join(root, name));
  await read("a.html");
  await read("b.html");
  await read("a.html"); // a is now the most recent
  assert.equal(views.conversions, 2);
  await read("c.html"); // drops b
  assert.equal(views.stats().files, 2);
  assert.ok(views.stats().chars <= 2200);
  await read("a.html");
  assert.equal(views.conversions, 3, "a was kept");
  await read("b.html");
  assert.equal(views.conversions, 4, "b was dropped and converted again");
});
