// "Did you mean" in a real browser (issue 19): Playwright drives Debian's Chromium against
// code-server with the packaged .vsix and no chat model. A question that misspells a metric name
// gets the right name's card with "Did you mean `http.server.request.duration`?" and its unit, and
// the hover over the misspelt name in a code file suggests the right one. Screenshots go to out/e2e/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Frame, Locator } from "playwright-core";
import { clickUnobstructed, moveMouseAwayFromHovers } from "../integration/harness/codeServer.js";
import { useWorkbench } from "../integration/harness/useWorkbench.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { ANSWER_MS, READY_MS, UI_MS } from "../integration/harness/waitBounds.js";
import { docentChatFrame } from "../integration/harness/docentView.js";

const RIGHT = "http.server.request.duration";
const MISSPELT = "http.server.request.duraton";
const CODE_FILE = "misspelt.ts";

const wb = useWorkbench({
  artifacts: path.join(repoRoot(), "out", "e2e"),
  // No chat model: the card and the spelling line come from the docs alone.
  settings: { "docent.threads": 1 },
  viewport: { width: 1280, height: 800 },
  // A code file that misspells the metric's name (the sample's src/telemetry.ts spells it right).
  prepare: (workspace) =>
    fs.writeFile(
      path.join(workspace, "src", CODE_FILE),
      [
        'import { metrics } from "@opentelemetry/api";',
        "",
        'const meter = metrics.getMeter("shop");',
        `export const slow = meter.createHistogram("${MISSPELT}");`,
        "",
      ].join("\n"),
    ),
});
const { skip, shot } = wb;

let chat: Frame;

async function ask(question: string): Promise<Locator> {
  const turns = await chat.locator(".turn").count();
  const input = chat.locator("vscode-text-area textarea, textarea").first();
  await clickUnobstructed(wb.page, input, { timeoutMs: UI_MS });
  await input.fill(question);
  await input.press("Enter");
  const turn = chat.locator(".turn").nth(turns);
  await turn.locator(".turn-footer").waitFor({ state: "visible", timeout: ANSWER_MS });
  return turn;
}

test("a misspelt metric name in a question gets the right card with 'Did you mean' and its unit", { skip }, async () => {
  const docent = wb.page.locator('.activitybar .action-item a[aria-label^="Docent"]');
  await docent.waitFor({ state: "visible", timeout: READY_MS });
  await clickUnobstructed(wb.page, docent, { timeoutMs: UI_MS });
  chat = await docentChatFrame(wb.page);
  // Ready without a model (the index is built): the view says so.
  await chat.locator(".status-text", { hasText: "No chat model" }).waitFor({ timeout: READY_MS });

  const turn = await ask(`What is the unit of ${MISSPELT}, and how is it mesured?`);
  const card = turn.locator("section.card").first();
  await card.waitFor({ state: "visible", timeout: UI_MS });
  await shot("spelling-1-did-you-mean");
  // The turn is done (its footer is shown): count first, so a missing line fails now, not after a wait.
  assert.equal(await card.locator("p.card-asked").count(), 1, "the card has a 'Did you mean' line");
  assert.equal((await card.locator("p.card-asked").innerText()).trim(), `Did you mean ${RIGHT}?`);
  assert.equal((await card.locator("p.card-asked code").innerText()).trim(), RIGHT);
  assert.equal((await card.locator(".card-term").innerText()).trim(), RIGHT);
  assert.equal(await card.getAttribute("aria-label"), `Definition of ${RIGHT}`);
  assert.equal((await card.locator(".card-unit dt").innerText()).trim(), "Unit");
  assert.equal((await card.locator(".card-unit dd").innerText()).trim(), "s");
  assert.equal((await card.locator(".card-kind dd").innerText()).trim(), "Histogram");
  assert.match(await card.locator("button.card-source").innerText(), /^http-metrics\.md:\d+$/);
  // The misspelt word is named, with what was searched for instead (the name's own misspelt part
  // is not: its card says it).
  const spelling = turn.locator("p.spelling");
  assert.equal(await spelling.isVisible(), true, "the spelling line is shown");
  assert.equal((await spelling.innerText()).trim(), "Searched for measured (not mesured)");
  assert.equal((await spelling.locator("code.spelling-to").innerText()).trim(), "measured");
  // No card for the misspelt name itself.
  assert.equal(await turn.locator("section.card", { hasText: MISSPELT }).count(), 0);
});

test("the hover over a misspelt metric name in a code file suggests the right name and shows its definition", { skip }, async () => {
  // Quick Open from the editor area (the keyboard is in the chat's question box after asking).
  await clickUnobstructed(wb.page, wb.page.locator(".monaco-workbench .part.editor"), { position: { x: 10, y: 10 }, timeoutMs: UI_MS });
  await wb.page.keyboard.press("Control+P");
  const widget = wb.page.locator(".quick-input-widget");
  await widget.locator("input").waitFor({ state: "visible", timeout: UI_MS });
  await widget.locator("input").fill(CODE_FILE);
  await clickUnobstructed(wb.page, widget.locator(".monaco-list-row", { hasText: CODE_FILE }).first(), { timeoutMs: UI_MS });
  await wb.page.locator(".tabs-container .tab.active", { hasText: CODE_FILE }).waitFor({ timeout: UI_MS });

  const token = wb.page.locator(".editor-group-container.active .monaco-editor .view-line span span", { hasText: MISSPELT }).first();
  await token.waitFor({ state: "visible", timeout: UI_MS });
  // Docent's part of the hover (its "Explain with Docent" link), whatever else it says: a hover
  // without the suggestion then fails on the text below at once.
  const hover = wb.page.locator(".monaco-hover .rendered-markdown").filter({ hasText: "Explain with Docent" }).first();
  // A hover starts on a mouse move; one may be missed while the editor settles, so move away and back
  // until it shows. The engine is ready (the first test got its answer), so this ends on a state.
  const deadline = Date.now() + ANSWER_MS;
  while (!(await hover.isVisible())) {
    if (Date.now() > deadline) {
      await shot("spelling-failed-hover");
      assert.fail(`no Docent hover over ${MISSPELT} within ${ANSWER_MS / 1000} s`);
    }
    await moveMouseAwayFromHovers(wb.page, UI_MS);
    await token.hover();
    await hover.waitFor({ state: "visible", timeout: 15_000 }).catch(() => undefined);
  }
  await shot("spelling-2-hover");
  const paragraphs = (await hover.locator("p").allInnerTexts()).map((p) => p.trim());
  assert.equal(paragraphs[0], `Did you mean ${RIGHT}? The docs do not define ${MISSPELT}.`);
  assert.deepEqual(await hover.locator("p").first().locator("code").allInnerTexts(), [RIGHT, MISSPELT]);
  // Then the right name's definition, as the hover over a correct name shows it.
  assert.equal(paragraphs[1], `${RIGHT} — Histogram, unit s: Duration of HTTP server requests.`);
  await wb.page.keyboard.press("Escape");
  await moveMouseAwayFromHovers(wb.page, UI_MS);
});
