// Renders media/icon.svg to media/icon.png (128x128, the Marketplace and Open VSX icon) with
// Debian's Chromium through playwright-core, the browser the UI tests use: nothing is downloaded.
// The PNG is committed; run this again after changing the SVG: node scripts/render-icon.mjs
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SIZE = 128;
const svg = readFileSync(path.join(root, "media", "icon.svg"), "utf8");
// A fresh profile and XDG folders: Chromium writes nothing into the home folder.
const home = mkdtempSync(path.join(os.tmpdir(), "docent-icon-"));
try {
  const browser = await chromium.launch({
    executablePath: process.env.DOCENT_CHROMIUM ?? "/usr/bin/chromium",
    chromiumSandbox: false,
    args: ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(home, "config"), XDG_CACHE_HOME: path.join(home, "cache") },
  });
  try {
    const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">` +
        `<img id="icon" width="${SIZE}" height="${SIZE}" style="display:block" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}"></body></html>`,
    );
    await page.locator("#icon").evaluate((img) => img.decode());
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
    writeFileSync(path.join(root, "media", "icon.png"), png);
    console.log(`media/icon.png: ${SIZE}x${SIZE}, ${png.length} bytes`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
