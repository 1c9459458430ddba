// The Docent chat view's document in code-server: a webview is two frames deep (the outer
// `iframe.webview.ready`, then `iframe#active-frame` inside it), as VS Code hosts every webview.
import type { Frame, Page } from "playwright-core";

/** The chat view's frame, once the view is open (waits for both frames to attach). */
export async function docentChatFrame(page: Page): Promise<Frame> {
  const outer = page.locator('iframe.webview.ready[src*="extensionId=docent.docent"]');
  await outer.waitFor({ state: "attached", timeout: 60_000 });
  const host = (await (await outer.elementHandle())!.contentFrame())!;
  const inner = host.locator("iframe#active-frame");
  await inner.waitFor({ state: "attached" });
  return (await (await inner.elementHandle())!.contentFrame())!;
}
