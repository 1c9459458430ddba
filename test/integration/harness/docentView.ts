// The Docent chat view's document in code-server: a webview is two frames deep (the outer
// `iframe.webview.ready`, then `iframe#active-frame` inside it), as VS Code hosts every webview.
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { settled } from "./codeServer.js";

/** The chat view's frame, once the view is open (waits for both frames to attach). */
export async function docentChatFrame(page: Page): Promise<Frame> {
  const outer = page.locator('iframe.webview.ready[src*="extensionId=docent.docent"]');
  await outer.waitFor({ state: "attached", timeout: 60_000 });
  const host = (await (await outer.elementHandle())!.contentFrame())!;
  const inner = host.locator("iframe#active-frame");
  await inner.waitFor({ state: "attached" });
  return (await (await inner.elementHandle())!.contentFrame())!;
}

/** Drags the sash on the sidebar's right edge (the vertical sash nearest to it) until the sidebar is `width` px wide. */
export async function resizeSidebar(page: Page, width: number, timeoutMs = 60_000): Promise<number> {
  const sidebar = page.locator(".part.sidebar");
  const box = await sidebar.boundingBox();
  assert.ok(box, "the sidebar is shown");
  const edge = box.x + box.width;
  const sashes = await page.locator(".monaco-sash.vertical:visible").evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2, height: r.height };
    }),
  );
  const sash = sashes.filter((s) => s.height > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
  assert.ok(sash && Math.abs(sash.x - edge) <= 6, `a sash at the sidebar's edge (${edge}): ${JSON.stringify(sashes)}`);
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(sash.x - (box.width - width) / 2, sash.y, { steps: 4 });
  await page.mouse.move(sash.x - (box.width - width), sash.y, { steps: 4 });
  await page.mouse.up();
  return settled(
    async () => (await sidebar.boundingBox())?.width ?? 0,
    (w) => Math.abs(w - width) <= 4,
    timeoutMs,
  );
}
