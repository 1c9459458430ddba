// A real model family's output in the real chat UI: Playwright drives Debian's Chromium against
// code-server with the packaged .vsix and a scripted Qwen3 twin (test/fixtures/familyTwins.ts:
// Qwen3's tokenizer and template, weights that make greedy decoding think, then answer
// "A histogram in seconds: the unit is `s` [1]. Also see [7]"). The answer streams, [1] is a
// citation button that opens the cited lines, the <think> segment is collapsed and not in the
// answer, and [7], which names no source, is flagged. Screenshots are kept in out/e2e-families/.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import type { Frame } from "playwright-core";
import { ensureTwins, SCRIPTED_TWINS } from "../fixtures/familyTwins.js";
import { clickUnobstructed } from "../integration/harness/codeServer.js";
import { assertCursorOnLine } from "../integration/harness/docentWorkbench.js";
import { useWorkbench } from "../integration/harness/useWorkbench.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { docentChatFrame } from "../integration/harness/docentView.js";

const SCRIPT = SCRIPTED_TWINS["qwen3-cited"];
const QUESTION = "What is the unit of http.server.request.duration?";

type ViewEvent = { type: string; text?: string; stage?: string };
type PageWindow = { __events: ViewEvent[]; addEventListener(type: "message", listener: (e: { data: unknown }) => void): void };

const wb = useWorkbench({
  artifacts: path.join(repoRoot(), "out", "e2e-families"),
  viewport: { width: 1400, height: 900 },
  models: () => ensureTwins(["qwen3-cited"]),
  settings: (twins) => ({
    "docent.chatModel": twins["qwen3-cited"],
    "docent.threads": 1,
    // One generation per question: the draft would be the same scripted text.
    "docent.draft.enabled": false,
    "docent.answer.maxTokens": 64,
    // A small context holds only a few sources, so the script's "[7]" names none (4,096 tokens of
    // the OTel docs hold about nine whole sections, and [7] would be a real source).
    "docent.contextSize": 1024,
  }),
});
const { skip, shot } = wb;

let chat: Frame;

test("the scripted Qwen3 twin is loaded in the Docent view", { skip }, async () => {
  await clickUnobstructed(wb.page, wb.page.locator('.activitybar .action-item a[aria-label^="Docent"]'));
  chat = await docentChatFrame(wb.page);
  await chat.locator(".status", { hasText: "scripted-qwen3-cited" }).waitFor({ timeout: 120_000 });
});

test("the answer streams, cites [1] as a button, flags [7] and keeps the reasoning collapsed and apart", { skip }, async () => {
  // Every event the view receives from the host, in order: the answer must arrive in pieces.
  // (The callbacks run in the webview; this file is compiled without the DOM's types.)
  await chat.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    w.__events = [];
    w.addEventListener("message", (e) => {
      const data = e.data as { type?: string; event?: ViewEvent } | undefined;
      if (data?.type === "event" && data.event) w.__events.push(data.event);
    });
  });
  const input = chat.locator("vscode-text-area textarea, textarea").first();
  await clickUnobstructed(wb.page, input);
  await input.fill(QUESTION);
  await input.press("Enter");
  const turn = chat.locator(".turn").last();
  await turn.locator(".turn-footer").waitFor({ state: "visible", timeout: 120_000 });
  await shot("1-answered");

  const events = await chat.evaluate(() => (globalThis as unknown as PageWindow).__events);
  const answerChunks = events.filter((e) => e.type === "answer-chunk").map((e) => e.text ?? "");
  const reasoningChunks = events.filter((e) => e.type === "reasoning-chunk").map((e) => e.text ?? "");
  assert.ok(answerChunks.length >= 10, `the answer streamed in ${answerChunks.length} chunks`);
  assert.equal(answerChunks.join("").trim(), SCRIPT.answer);
  assert.equal(reasoningChunks.join("").trim(), SCRIPT.reasoning);

  // The answer as shown: "... the unit is `s` [1]." with `s` as code and [1] a citation button.
  const answer = turn.locator(".answer");
  const shown = await answer.innerText();
  assert.match(shown, /the unit is s\s*1\s*\./);
  assert.equal(await answer.locator("code").first().innerText(), "s");
  const cite = answer.locator("button.cite", { hasText: "1" });
  assert.equal(await cite.count(), 1);
  // [7] names no source: flagged, not a button.
  assert.ok((await turn.locator(".source-list li").count()) < 7, "the answer has fewer than seven sources");
  assert.equal(await answer.locator(".cite-unknown").innerText(), "[7]");
  assert.equal(await answer.locator("button.cite", { hasText: "7" }).count(), 0);

  // The reasoning: collapsed, labelled, and nowhere in the answer.
  const reasoning = turn.locator("details.reasoning");
  assert.equal(await reasoning.isVisible(), true);
  assert.equal(await reasoning.getAttribute("open"), null, "collapsed");
  assert.match(await reasoning.locator("summary").innerText(), /Reasoning/);
  assert.ok(!shown.includes(SCRIPT.reasoning!), "the reasoning is not in the answer");
  assert.ok(!shown.includes("think"), "no <think> tag in the answer");
  assert.equal((await reasoning.locator(".reasoning-body").textContent())?.trim(), SCRIPT.reasoning);
  await clickUnobstructed(wb.page, reasoning.locator("summary"));
  assert.equal(await reasoning.locator(".reasoning-body").innerText(), SCRIPT.reasoning);
  await shot("2-reasoning-open");
});

test("clicking the citation [1] opens the cited lines", { skip }, async () => {
  const turn = chat.locator(".turn").last();
  const label = await turn.locator(".source-list li").first().locator(".source-path").innerText();
  const [, file, start] = /^(.*):(\d+)-\d+$/.exec(label)!;
  assert.equal(path.basename(file!), "http-metrics.md");
  await clickUnobstructed(wb.page, turn.locator(".answer button.cite", { hasText: "1" }));
  const tab = wb.page.locator(".tabs-container .tab.active");
  await tab.waitFor({ timeout: 30_000 });
  assert.equal((await tab.getAttribute("aria-label"))?.split(",")[0], "http-metrics.md");
  await assertCursorOnLine(wb.page, Number(start));
  await shot("3-citation-opened");
});
