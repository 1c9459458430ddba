// The chunks that define the names a query mentions, taken as the best few of all definitions met
// (search/searcher.ts): the same hits, in the same order, as sorting every definition, stably, by
// strength, name length and text score. On the sample docs copied three times, so that names are
// defined in many chunks and ties between copies decide the order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import * as path from "node:path";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import type { Searcher, TermHit } from "../../src/engine/index/search/searcher.js";
import { makeTempDir } from "../helpers/tempDocs.js";

const SAMPLES = path.resolve("samples/otel-semconv/docs");

/** What exactTermHits returned before it kept only the best: every definition an object, all sorted. */
function sortedAll(index: DocsIndex, searcher: Searcher, query: string, names: string[], textScores: Map<number, number>, limit: number): TermHit[] {
  const defs: (TermHit & { strength: number; score: number })[] = [];
  for (const name of names)
    for (const def of index.terms.lookup(name))
      defs.push({ chunkId: def.chunkId, term: name, strength: def.strength, score: textScores.get(def.chunkId) ?? 0 });
  for (const { from, to } of searcher.spellingOf(query).names)
    for (const def of index.terms.lookup(to[0]!))
      defs.push({ chunkId: def.chunkId, term: to[0]!, askedAs: from, strength: def.strength - 10, score: textScores.get(def.chunkId) ?? 0 });
  defs.sort((a, b) => b.strength - a.strength || b.term.length - a.term.length || b.score - a.score);
  const opens = (id: number) => {
    const entry = index.fileOfChunk(id)!;
    return entry.sections.some((s) => s.startLine === index.chunkTable.startLine[id]);
  };
  const top = defs.slice(0, limit * 4).map((d) => ({ ...d, opensSection: opens(d.chunkId) }));
  top.sort((a, b) => b.strength - a.strength || b.term.length - a.term.length || Number(b.opensSection) - Number(a.opensSection) || b.score - a.score);
  return top.slice(0, limit);
}

test("defined-name hits are the best of all definitions, in a stable sort's order", async () => {
  const root = await makeTempDir();
  for (let i = 0; i < 3; i++) cpSync(SAMPLES, path.join(root, `copy${i}`), { recursive: true });
  const index = new DocsIndex([root]);
  await index.update();
  const searcher = (index as unknown as { searcher: Searcher }).searcher;
  // The names defined in the most chunks first (the ones a bounded selection could get wrong).
  const names = [...index.terms.terms()]
    .filter((n) => /[._\-/:]/.test(n))
    .sort((a, b) => index.terms.lookup(b).length - index.terms.lookup(a).length || (a < b ? -1 : 1));
  assert.ok(index.terms.lookup(names[0]!).length > 40, "some names are defined in more chunks than are kept");
  const queries: { query: string; names: string[] }[] = [];
  for (let i = 0; i < 60; i++) queries.push({ query: `what is \`${names[i]!}\``, names: [names[i]!] });
  for (let i = 0; i < 30; i++) queries.push({ query: `Setting \`${names[i]!}\` and \`${names[i + 30]!}\``, names: [names[i]!, names[i + 30]!] });
  // A misspelt name: read as the nearest defined one, ranked after those spelt right.
  queries.push({ query: `\`${names[0]!}\` and \`${names[1]!.slice(0, -1)}\``, names: [names[0]!] });
  let compared = 0;
  for (const { query, names: asked } of queries) {
    const ranking = searcher.textRanking(query, 50);
    const textScores = new Map(ranking.map((d) => [d.id, d.score]));
    for (const limit of [1, 10, 25]) {
      const expected = sortedAll(index, searcher, query, asked, textScores, limit);
      assert.deepStrictEqual(searcher.exactTermHits(query, textScores, limit), expected, `${query} (limit ${limit})`);
      compared += expected.length;
    }
  }
  assert.ok(compared > 1000, `compared ${compared} hits`);
});
