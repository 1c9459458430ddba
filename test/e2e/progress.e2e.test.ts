// Honest progress in the real chat view (issue 21 item 6): Playwright drives Debian's Chromium
// against code-server with the packaged .vsix. While the model reads its prompt the turn shows the
// definition card, the best lines of the docs and a "Reading N tokens of docs…" progress bar; Stop
// then keeps what was shown, says Stopped and ends the engine's model request. The model is a real
// llama-server with the tiny test model, behind a fault proxy that holds the answer's request
// unanswered: the model is "reading" until Stop, however fast or slow this machine is, so every
// wait is for a state. Screenshots go to out/e2e/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import type { Frame } from "playwright-core";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { clickUnobstructed, settled } from "../integration/harness/codeServer.js";
import { useWorkbench } from "../integration/harness/useWorkbench.js";
import { docentChatFrame } from "../integration/harness/docentView.js";
import { ANSWER_MS, READY_MS, UI_MS } from "../integration/harness/waitBounds.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { FaultProxy } from "../helpers/faultProxy.js";
import { LlamaServer, llamaServerOrSkip } from "../helpers/llamaServer.js";
import { prerequisitesMissing } from "../integration/harness/tools.js";

const CHAT_COMPLETIONS = "/v1/chat/completions";
// With CI=true a missing llama-server fails here; elsewhere the suite is skipped, saying why.
const missing = prerequisitesMissing();
const llamaServer = missing ? { skip: missing } : llamaServerOrSkip();
let llama: LlamaServer | undefined;
let proxy: FaultProxy | undefined;

const wb = useWorkbench({
  artifacts: path.join(repoRoot(), "out", "e2e"),
  viewport: { width: 1400, height: 900 },
  // The model server starts before code-server, so the settings can name it.
  models: async () => {
    const models = await ensureTinyModels();
    if (llamaServer.skip) return { proxyUrl: "" };
    llama = await LlamaServer.start(llamaServer.bin!, { model: models.chatTemplate, alias: "tiny-docs" });
    proxy = await FaultProxy.start(`http://127.0.0.1:${llama.port}`);
    return { proxyUrl: proxy.url };
  },
  settings: (m) => ({
    "docent.threads": 1,
    "docent.server.url": m.proxyUrl,
    "docent.server.chatModel": "tiny-docs",
    // A held request is given up on after this long: the longest there is.
    "docent.server.timeoutSeconds": 600,
    "docent.answer.maxTokens": 64,
  }),
});
const skip = wb.skip || llamaServer.skip;
const { shot } = wb;

after(async () => {
  await proxy?.close();
  await llama?.close();
});

let chat: Frame;

async function ask(question: string): Promise<void> {
  const input = chat.locator("vscode-text-area textarea, textarea").first();
  await clickUnobstructed(wb.page, input, { timeoutMs: UI_MS });
  await input.fill(question);
  await input.press("Enter");
}

test("Stop during reading: the turn keeps the card and the best lines, says Stopped, and the engine ends its model request", { skip }, async () => {
  const docent = wb.page.locator('.activitybar .action-item a[aria-label^="Docent"]');
  await docent.waitFor({ state: "visible", timeout: READY_MS });
  await clickUnobstructed(wb.page, docent, { timeoutMs: UI_MS });
  chat = await docentChatFrame(wb.page);
  await chat.locator(".status", { hasText: "tiny-docs" }).waitFor({ timeout: READY_MS });

  // The answer's request is taken and never answered: the model reads until Stop.
  proxy!.set({ kind: "hang", path: CHAT_COMPLETIONS });
  await ask("Explain jvm.memory.used in detail");
  const turn = chat.locator(".turn").last();
  const bar = turn.locator(".reading:not([hidden]) [role=progressbar]");
  await bar.waitFor({ state: "visible", timeout: ANSWER_MS });

  // What the reader has meanwhile: the card, the best lines (open), and the reading line.
  assert.equal((await turn.locator("section.card .card-term").first().innerText()).trim(), "jvm.memory.used");
  const best = turn.locator("details.best-lines");
  assert.equal(await best.getAttribute("open"), "", "the best lines are open while the model reads");
  const bestText = await best.locator(".best-lines-body").innerText();
  assert.match(bestText, /jvm\.memory\.used/);
  assert.ok((await best.locator(".best-lines-body button.cite").count()) >= 1, "the best lines cite their sources");
  assert.match(
    await turn.locator(".reading-text").innerText(),
    /^Reading [\d,]+ tokens of docs…$/,
    "a model server has no measured speed: no time is promised",
  );
  assert.equal(await bar.getAttribute("aria-valuenow"), null, "no estimate: an indeterminate progress bar");
  assert.equal(await bar.getAttribute("aria-label"), "Reading the docs");
  assert.equal(await turn.locator(".answer").isVisible(), false, "no word of the answer yet");
  // The engine is waiting on the model: its answer request is held at the proxy, and nothing else is.
  // The reading line comes first (the engine says it is reading, then sends the request): wait for
  // the proxy to hold the request, not for the line.
  await settled(
    async () => proxy!.requests.filter((r) => r.injected === -1).length,
    (n) => n >= 1,
    UI_MS,
  );
  const held = proxy!.requests.filter((r) => r.injected === -1);
  assert.deepEqual(
    held.map((r) => r.path),
    [CHAT_COMPLETIONS],
  );
  assert.equal(proxy!.heldClosedByClient, 0);
  await shot("progress-1-reading");

  await clickUnobstructed(wb.page, chat.getByRole("button", { name: "Stop answering" }), { timeoutMs: UI_MS });
  await turn.locator(".stopped").waitFor({ timeout: ANSWER_MS });
  assert.equal((await turn.locator(".stopped").innerText()).trim(), "Stopped");
  // The engine cancelled: it closed the model request it was waiting on.
  assert.equal(
    await settled(
      async () => proxy!.heldClosedByClient,
      (n) => n >= 1,
      UI_MS,
    ),
    1,
  );
  // What was shown stays: the card and the best lines (still open: there is no answer to read instead).
  assert.equal(await turn.locator("section.card").first().isVisible(), true);
  assert.equal(await best.getAttribute("open"), "");
  assert.equal(await best.locator(".best-lines-body").innerText(), bestText);
  assert.equal(await turn.locator(".reading").isVisible(), false, "the reading line is gone");
  await turn.locator(".turn-footer").waitFor({ state: "visible", timeout: UI_MS });
  assert.equal(await chat.getByRole("button", { name: "Stop answering" }).isVisible(), false, "nothing left to stop");
  await shot("progress-2-stopped");
});

test("the model's answer streams in place of the best lines, which stay reachable folded under it", { skip }, async () => {
  proxy!.set({ kind: "none" });
  const turns = await chat.locator(".turn").count();
  await ask("What is the unit of jvm.memory.used?");
  const turn = chat.locator(".turn").nth(turns);
  await turn.locator(".turn-footer").waitFor({ state: "visible", timeout: ANSWER_MS });
  assert.ok((await turn.locator(".answer").innerText()).trim().length > 0, "the model answered");
  assert.equal(await turn.locator(".stopped").count(), 0);
  const best = turn.locator("details.best-lines");
  assert.equal(await best.isVisible(), true);
  assert.equal(await best.getAttribute("open"), null, "folded under the answer");
  // Folded, not gone: one click opens them, and they name what the question asked about.
  await clickUnobstructed(wb.page, best.locator("summary"), { timeoutMs: UI_MS });
  await best.locator(".best-lines-body").waitFor({ state: "visible", timeout: UI_MS });
  assert.match(await best.locator(".best-lines-body").innerText(), /jvm\.memory\.used/);
  await shot("progress-3-answered");
});
