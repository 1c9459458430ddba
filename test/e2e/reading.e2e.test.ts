// Reading an answer in a narrow sidebar (issue 23 items 1, 2 and 4), in a real browser: Playwright
// drives Debian's Chromium against code-server with the packaged .vsix and no chat model. At a
// sidebar of 200 px, no word of a table or a card is broken inside and the page never scrolls
// sideways (a wide table scrolls in its own box); the docs' own "[1]" footnotes stay text, so the
// only citation buttons are the answer's; a cited source's highlight goes at the first click in the
// editor. Screenshots go to out/e2e/.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import type { Frame, Locator } from "playwright-core";
import { clickUnobstructed, settled } from "../integration/harness/codeServer.js";
import { useWorkbench } from "../integration/harness/useWorkbench.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { ANSWER_MS, READY_MS, UI_MS } from "../integration/harness/waitBounds.js";
import { docentChatFrame, resizeSidebar } from "../integration/harness/docentView.js";

// go-metrics.md's table row for this metric ends in the footnote mark "[1]", and the footnote
// "**[1] `go.memory.detailed_type`:** ..." follows the table.
const QUESTION = "What does go.memory.used measure?";
const SIDEBAR_PX = 200;

const wb = useWorkbench({
  artifacts: path.join(repoRoot(), "out", "e2e"),
  settings: { "docent.threads": 1 },
  viewport: { width: 1000, height: 700 },
});
const { skip, shot } = wb;

let chat: Frame;
let turn: Locator;

/**
 * The words inside `selector`'s elements that the layout broke across lines: a run of letters and
 * digits whose characters lie on more than one line box ("Hist|ogram"). A line may still end after a
 * hyphen or a dot, as text does. Run in the chat's frame.
 */
async function brokenWords(selector: string): Promise<string[]> {
  // A string, run in the page: the tests compile without the DOM's types.
  return (await chat.evaluate(`(() => {
    const broken = [];
    for (const element of document.querySelectorAll(${JSON.stringify(selector)})) {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of (node.textContent || "").matchAll(/[\\p{L}\\p{N}_]+/gu)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  })()`)) as string[];
}

test("in a 200 px sidebar, tables and cards break between words only, and the page does not scroll sideways", { skip }, async () => {
  const docent = wb.page.locator('.activitybar .action-item a[aria-label^="Docent"]');
  await docent.waitFor({ state: "visible", timeout: READY_MS });
  await clickUnobstructed(wb.page, docent, { timeoutMs: UI_MS });
  chat = await docentChatFrame(wb.page);
  await chat.locator(".status-text", { hasText: "No chat model" }).waitFor({ timeout: READY_MS });
  const width = await resizeSidebar(wb.page, SIDEBAR_PX, UI_MS);
  assert.ok(Math.abs(width - SIDEBAR_PX) <= 4, `the sidebar is ${width} px wide`);

  const input = chat.locator("vscode-text-area textarea, textarea").first();
  await clickUnobstructed(wb.page, input, { timeoutMs: UI_MS });
  await input.fill(QUESTION);
  await input.press("Enter");
  turn = chat.locator(".turn").first();
  await turn.locator(".turn-footer").waitFor({ state: "visible", timeout: ANSWER_MS });
  await shot("reading-1-narrow");

  // The card and a docs table are there, so the checks below have something to check.
  const card = turn.locator("section.card").first();
  assert.equal((await card.locator(".card-term").innerText()).trim(), "go.memory.used");
  assert.ok((await turn.locator(".md table").count()) > 0, "the answer shows a table from the docs");

  assert.deepEqual(await brokenWords(".md th, .md td"), [], "no table cell breaks a word");
  assert.deepEqual(await brokenWords("section.card .card-fact"), [], "no fact of the card breaks a word");
  // The card's facts are inside the card (readable, not cut off at its edge).
  const clipped = await card.evaluate((c) => {
    const right = c.getBoundingClientRect().right;
    return [...c.querySelectorAll(".card-fact dt, .card-fact dd")].filter((e) => e.getBoundingClientRect().right > right + 1).map((e) => e.textContent);
  });
  assert.deepEqual(clipped, [], "every fact of the card lies inside it");
  // A wide table scrolls in its own box; the view itself never scrolls sideways.
  const overflow = (await chat.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
  assert.ok(overflow <= 1, `the view scrolls sideways by ${overflow} px`);
});

test("the docs' own [1] footnotes stay text: the only citation buttons are the answer's, one per source", { skip }, async () => {
  const sources = await turn.locator(".answer button.cite").evaluateAll((buttons) => buttons.map((b) => Number(b.getAttribute("data-n"))));
  assert.ok(sources.length >= 2, `citation buttons: ${JSON.stringify(sources)}`);
  // A retrieval-only answer cites each source once, at its label: 1, 2, 3, ...
  assert.deepEqual(
    sources,
    sources.map((_, i) => i + 1),
  );
  // The footnote mark is in the answer as text (outside any button).
  const answerText = await turn.locator(".answer").innerText();
  const buttonText = (await turn.locator(".answer button.cite").allInnerTexts()).join(" ");
  // innerText shows a citation button as its number ("1"), never "[1]": any "[1]" is the docs' text.
  assert.doesNotMatch(buttonText, /\[/);
  const footnotes = answerText.split("[1]").length - 1;
  assert.ok(footnotes >= 1, "the docs' [1] is shown as text");
});

test("a cited source's highlight goes at the first click in the editor", { skip }, async () => {
  // Docent's highlight is the only extension decoration in the editor (a "ced-" class in its overlays).
  const highlighted = wb.page.locator('.editor-group-container.active .view-overlays div[class*="ced-"]');
  await clickUnobstructed(wb.page, turn.locator(".answer button.cite").first(), { timeoutMs: UI_MS });
  await wb.page.locator(".tabs-container .tab.active", { hasText: "go-metrics.md" }).waitFor({ timeout: UI_MS });
  await highlighted.first().waitFor({ state: "attached", timeout: UI_MS });
  await shot("reading-2-highlight");
  // A click on a line of the editor's text, away from the highlighted lines' first line.
  const line = wb.page.locator(".editor-group-container.active .view-lines .view-line").nth(3);
  await clickUnobstructed(wb.page, line, { timeoutMs: UI_MS });
  const left = await settled(
    () => highlighted.count(),
    (n) => n === 0,
    UI_MS,
  );
  await shot("reading-3-highlight-cleared");
  assert.equal(left, 0, "no highlighted line is left after the click");
});

test("the command palette offers only the Docent commands that apply here", { skip }, async () => {
  await clickUnobstructed(wb.page, wb.page.locator(".monaco-workbench .part.editor"), { position: { x: 10, y: 10 }, timeoutMs: UI_MS });
  await wb.page.keyboard.press("F1");
  const widget = wb.page.locator(".quick-input-widget");
  await widget.locator("input").waitFor({ state: "visible", timeout: UI_MS });
  await widget.locator("input").fill(">Docent: ");
  // The list filters as it is typed: read it once it holds the commands every user has.
  const labels = await settled(
    () => widget.locator(".monaco-list-row .label-name").allInnerTexts(),
    (names) => names.includes("Docent: Reindex Workspace Docs") && names.includes("Docent: Show Model Status"),
    UI_MS,
  );
  await shot("reading-4-palette");
  await wb.page.keyboard.press("Escape");
  assert.ok(labels.includes("Docent: Reindex Workspace Docs"), `palette: ${labels.join(", ")}`);
  // CUDA exists for Linux and Windows, where these tests run on Linux.
  assert.ok(labels.includes("Docent: Enable CUDA"), "Enable CUDA on Linux");
  // No model server is set: its API key has nothing to go with.
  assert.ok(!labels.includes("Docent: Set Server API Key"), "no API key command without a server URL");
  // One way to focus the chat: VS Code's own "Focus on Chat View" (Docent's command keeps its key).
  assert.ok(!labels.includes("Docent: Focus Chat Input"), "no second focus command");
  assert.ok(labels.includes("Docent: Focus on Chat View"), `palette: ${labels.join(", ")}`);
});
