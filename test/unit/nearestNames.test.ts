// "Nearest defined names" among many definitions (issue 26 item 7): an undefined name is compared
// with a bounded number of candidates from an index of the names, never with every name.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import fc from "fast-check";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { osaDistance } from "../../src/engine/index/search/spelling.js";
import { MAX_COMPARED, nearestNames, nearestNamesIn, neighboursOf } from "../../src/cli/nearestNames.js";
import { tempDocs } from "../helpers/tempDocs.js";

const FILES = 8;
const AREAS = 25;
const METRICS = 100;
let dir: string;
let index: DocsIndex;

/** 8 docs of definition tables: 20,000 names like `svc3.area17.metric42.count`. */
function docs(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let f = 0; f < FILES; f++) {
    const parts = [`# Service ${f}\n`];
    for (let a = 0; a < AREAS; a++) {
      parts.push(`\n## Area ${a}\n\n| Name | Instrument | Unit |\n| --- | --- | --- |\n`);
      for (let m = 0; m < METRICS; m++) parts.push(`| \`svc${f}.area${a}.metric${m}.${m % 2 ? "count" : "duration"}\` | Counter | 1 |\n`);
    }
    files[`svc${f}.md`] = parts.join("");
  }
  return files;
}

before(async () => {
  dir = await tempDocs(docs());
  index = new DocsIndex([dir]);
  await index.update();
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test("an undefined name among 20,000 defined names is compared with at most MAX_COMPARED of them, and its nearest names are found", () => {
  const names = index.terms.size;
  assert.ok(names >= FILES * AREAS * METRICS, `${names} names defined`);
  const neighbours = neighboursOf(index.terms);
  assert.equal(neighbours.size, names);
  const cases: [string, string][] = [
    // A typo at the end (prefix order), at the start (suffix order), and in a middle part (parts).
    ["svc3.area17.metric41.countt", "svc3.area17.metric41.count"],
    ["xyzsvc3.area17.metric41.count", "svc3.area17.metric41.count"],
    ["zvc3.area17.metric42.duratio", "svc3.area17.metric42.duration"],
  ];
  for (const [query, expected] of cases) {
    const { names: nearest, compared } = nearestNamesIn(query, neighbours, 5);
    assert.ok(compared <= MAX_COMPARED, `${query}: ${compared} names compared`);
    assert.ok(compared < names / 10, `${query}: ${compared} of ${names} names compared`);
    assert.ok(nearest.includes(expected), `${query}: ${nearest.join(", ")}`);
  }
  // The index is built once per set of names and reused while the names do not change.
  assert.equal(neighboursOf(index.terms), neighbours);
  assert.deepEqual(nearestNames("svc3.area17.metric41.countt", index.terms, 1), ["svc3.area17.metric41.count"]);
});

test("a name far from every defined one compares a bounded number of names and finds none close", () => {
  const { names, compared } = nearestNamesIn("kafka.consumer.lag", neighboursOf(index.terms), 5);
  assert.ok(compared <= MAX_COMPARED, `${compared} names compared`);
  assert.deepEqual(names, []);
});

/** Optimal string alignment distance over the whole table, capped at limit + 1. */
function fullOsa(a: string, b: string, limit: number): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return Math.min(d[a.length]![b.length]!, limit + 1);
}

test("the spelling index's distance, computed in a band around the diagonal, equals the whole table's", () => {
  const word = fc.string({ unit: fc.constantFrom("a", "b", "c", ".", "_"), maxLength: 14 });
  fc.assert(
    fc.property(word, word, fc.integer({ min: 0, max: 16 }), (a, b, limit) => osaDistance(a, b, limit) === fullOsa(a, b, limit)),
    { numRuns: 5000 },
  );
});
