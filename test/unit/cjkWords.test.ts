import { test } from "node:test";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { cjkWords, scriptRuns } from "../../src/engine/index/search/cjkWords.js";
import { tokenize } from "../../src/engine/index/search/tokenizer.js";
import { tempDocs } from "../helpers/tempDocs.js";

test("Japanese, Chinese and Korean runs are cut into words; Latin text gives the terms it always gave", () => {
  assert.deepEqual(tokenize("キャッシュのヒット率を計算する"), ["キャッシュ", "の", "ヒット", "率", "を", "計算", "する"]);
  assert.deepEqual(tokenize("計算快取命中率的方法"), ["計算", "快取", "命中率", "的", "方法"]);
  // Korean keeps its spaces; a word is also indexed without its particle.
  assert.deepEqual(tokenize("캐시의 히트율을 계산한다"), ["캐시의", "캐시", "히트율을", "히트율", "계산한다"]);
  // Mixed scripts: the Latin part is lowered and stemmed as before.
  assert.deepEqual(tokenize("HTTPサーバーの設定"), ["http", "サーバー", "の", "設定"]);
  assert.deepEqual(scriptRuns("HTTPサーバー2"), [
    { text: "HTTP", cjk: false },
    { text: "サーバー", cjk: true },
    { text: "2", cjk: false },
  ]);
  assert.deepEqual(tokenize("The http.server.request.duration histogram measures requests"), [
    "http.server.request.duration",
    "http",
    "server",
    "request",
    "durat",
    "histogram",
    "measur",
    "request",
  ]);
});

test("a run longer than the segmenter's window is cut whole, surrogate pairs kept together", () => {
  const rare = "𠮷"; // outside the BMP: two code units
  const words = cjkWords(rare.repeat(1000));
  assert.equal(words.join(""), rare.repeat(1000));
  assert.ok(words.every((w) => !/[\ud800-\udbff]$/.test(w)));
  const t0 = performance.now();
  assert.equal(cjkWords("率".repeat(600_000)).length, 600_000);
  // Quadratic segmentation of 600,000 characters takes minutes; 15 s leaves room for a loaded machine.
  assert.ok(performance.now() - t0 < 15_000, "600,000 of one kanji in under 15 s");
});

test("a CJK doc is found by a word inside a longer sentence, through DocsIndex", async () => {
  const root = await tempDocs({
    "ja.md": "# キャッシュ\n\nキャッシュのヒット率を計算する方法を説明します。\n",
    "zh.md": "# 缓存\n\n本节介绍如何计算缓存命中率的方法。\n",
    "ko.md": "# 캐시\n\n이 절은 캐시의 히트율을 계산하는 방법을 설명한다.\n",
    "en.md": "# Cache\n\nHow to compute the cache hit ratio.\n",
  });
  const index = new DocsIndex([root]);
  await index.update();
  // A question in Japanese is read word by word: only the words the docs never use are not found
  // (short ones, which are never corrected nor weighed, like "teh").
  const spelling = index.spellingOf("キャッシュのヒット率と東京");
  assert.deepEqual([spelling.words, spelling.unknown, spelling.unknownShort], [[], [], ["と", "東京"]]);
  for (const [query, file] of [
    ["ヒット率", "ja.md"],
    ["命中率", "zh.md"],
    ["히트율", "ko.md"],
    ["cache hit ratio", "en.md"],
  ] as const) {
    const hits = await index.search(query, { k: 3 });
    assert.equal(hits[0]?.chunk.relPath, file, query);
  }
});
