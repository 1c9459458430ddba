// Activation without `onStartupFinished` (issue 23 item 11): Docent now starts on
// `workspaceContains` for the formats it indexes, its view and its commands. In code-server with the
// packaged .vsix, on the sample docs, Docent must start by itself: its status bar item reaches the
// ready index although nobody opened its view or ran a command. (That Docent does not start in a
// window without docs is checked on the manifest, test/unit/manifest.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { useWorkbench } from "../integration/harness/useWorkbench.js";
import { repoRoot } from "../helpers/repoRoot.js";

// A bound, not a speed: the wait ends as soon as the index is ready; CI machines are loaded.
const READY_MS = 300_000;

const wb = useWorkbench({
  artifacts: path.join(repoRoot(), "out", "e2e"),
  settings: { "docent.threads": 1 },
  viewport: { width: 1280, height: 800 },
});
const { skip, shot } = wb;

test("Docent starts by itself in a workspace with docs: the status bar shows the ready index, no view opened, no command run", { skip }, async () => {
  const ready = wb.page.locator(".statusbar .statusbar-item", { hasText: /Docent: [\d,]+ files · [\d,]+ sections/ });
  await ready.first().waitFor({ state: "visible", timeout: READY_MS });
  const text = await ready.first().innerText();
  const [, files] = /Docent: ([\d,]+) files/.exec(text) ?? [];
  assert.ok(Number(files.replace(/,/g, "")) > 100, `the sample docs are indexed: ${text}`);
  // Nothing opened Docent's view: the side bar shows no Docent chat.
  assert.equal(
    await wb.page.locator('.sidebar .pane-header[aria-label^="Chat"], .sidebar .title-label h2[title*="Docent"]').count(),
    0,
    "the Docent view was not opened",
  );
  await shot("activation-status-bar");
});
