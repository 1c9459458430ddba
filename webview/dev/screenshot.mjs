// Screenshots the dev preview in Debian's Chromium (playwright-core, no browser download) and
// checks what a picture cannot show: no CSP violations, no page errors, the messages the view posts.
//   node webview/dev/build-preview.mjs /tmp/docent-preview && node webview/dev/screenshot.mjs /tmp/docent-preview [shotsDir]
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const previewDir = resolve(process.argv[2] ?? join(tmpdir(), "docent-preview"));
const shots = resolve(process.argv[3] ?? join(tmpdir(), "docent-shots"));
mkdirSync(shots, { recursive: true });
const url = (query) => `${pathToFileURL(join(previewDir, "preview.html")).href}?${query}`;

// playwright-core gives the browser a fresh temporary profile of its own.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const problems = [];
const known = new Set();
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

async function open(query, { width = 400, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("pageerror", (e) => problems.push(`${query}: page error: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    // The UI kit probes for :focus-visible support by adding an empty <style> (the hash is that of ""),
    // which the CSP blocks; it then falls back to :focus. Known and harmless: noted, not failed.
    if (text.includes("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") || text === "CSP violation: style-src-elem inline (empty)") {
      known.add("the UI kit's :focus-visible probe (an empty <style>) is blocked by the CSP");
    } else if (m.type() === "error" || text.includes("Content Security Policy")) problems.push(`${query}: console: ${text}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}${e.sample === "" && e.blockedURI === "inline" ? " (empty)" : ` ${e.sample}`}`),
    );
  });
  await page.goto(url(query));
  return page;
}
const posted = (page) => page.evaluate(() => window.__docentPosted);
const shot = async (page, name) => {
  await page.screenshot({ path: join(shots, `${name}.png`) });
  console.log(`     ${join(shots, `${name}.png`)}`);
};

// While the model reads: the best lines at once, the reading line over its bar; then the answer
// streams in their place and the best lines fold under it, still there.
{
  const page = await open("scenario=stream&delay=20&reading=3");
  const bar = page.locator(".reading:not([hidden]) [role=progressbar]");
  await bar.waitFor({ timeout: 10_000 });
  check(
    /^Reading 1,150 tokens of docs… about 3 s$/.test(await page.locator(".reading-text").innerText()),
    "the reading line says the tokens and the expected time",
  );
  check(Number(await bar.getAttribute("aria-valuenow")) >= 0 && (await bar.getAttribute("aria-valuemax")) === "100", "the bar is a progressbar with a value");
  check(await page.locator("details.best-lines[open] .best-lines-body .cite").first().isVisible(), "the best lines are shown open while the model reads");
  await page.waitForFunction(() => Number(document.querySelector(".reading-bar")?.getAttribute("aria-valuenow")) >= 30, null, { timeout: 10_000 });
  await shot(page, "reading");
  await page.waitForSelector(".answer .cite", { timeout: 15_000 });
  check(await page.locator(".reading").isHidden(), "the reading line goes at the first word");
  check(
    (await page.locator("details.best-lines:not([hidden])").count()) === 1 && (await page.locator("details.best-lines[open]").count()) === 0,
    "the best lines fold under the answer",
  );
  await page.locator(".best-lines summary").click();
  await page.locator(".best-lines .cite").first().click();
  const best = (await posted(page)).at(-1);
  check(
    best?.type === "openSource" && best.file === "/workspace/docs/http/http-metrics.md" && best.startLine === 60,
    "a citation in the best lines opens the best lines' own source",
  );
  await page.waitForSelector(".turn-footer:not([hidden])", { timeout: 30_000 });
  await shot(page, "reading-answered");
  await page.close();
}

// Stop while a model server reads (no estimate): the turn says Stopping… until the engine stops,
// then keeps its best lines and says Stopped.
{
  const page = await open("scenario=stream&delay=20&reading=server&stopDelay=1500");
  const bar = page.locator(".reading:not([hidden]) [role=progressbar]");
  await bar.waitFor({ timeout: 10_000 });
  check((await bar.getAttribute("aria-valuenow")) === null && (await bar.getAttribute("class")).includes("indeterminate"), "no estimate: an indeterminate bar");
  check((await page.locator(".reading-text").innerText()) === "Reading 1,150 tokens of docs…", "no estimate: no time is said");
  await shot(page, "reading-server");
  await page.getByRole("button", { name: "Stop answering" }).click();
  await page.waitForSelector(".reading:not([hidden]) .reading-text:text-is('Stopping…')", { timeout: 10_000 });
  check(await page.locator(".reading [role=progressbar]").isHidden(), "while stopping, the bar is gone and the line says Stopping…");
  await shot(page, "reading-stopping");
  await page.waitForSelector(".turn .stopped", { timeout: 10_000 });
  check((await page.locator(".turn .stopped").innerText()) === "Stopped", "the turn says Stopped");
  check(await page.locator("details.best-lines[open] .best-lines-body").isVisible(), "the best lines stay, open");
  check(await page.locator(".reading").isHidden(), "the reading line is gone");
  await shot(page, "reading-stopped");
  await page.close();
}

// Streaming, caught mid-answer, then finished.
{
  const page = await open("scenario=stream&delay=60");
  await page.waitForSelector(".stage.running", { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll(".answer .cite").length >= 2, null, { timeout: 15_000 });
  await shot(page, "stream-running");
  check(await page.locator(".composer .btn", { hasText: "Stop" }).isVisible(), "Stop is visible while a turn runs");
  await page.waitForSelector(".turn-footer:not([hidden])", { timeout: 30_000 });
  await shot(page, "stream-done");
  check(!(await page.locator(".composer .btn", { hasText: "Stop" }).isVisible()), "Stop is hidden once the turn is done");
  check((await page.locator(".answer img, .answer a, .answer script").count()) === 0, "model text makes no img, a or script elements");
  const messages = await posted(page);
  check(messages[0]?.type === "ready", "the view posts ready first");

  await page.locator(".draft summary").first().click();
  await page.evaluate(() => document.querySelector(".log").scrollTo(0, 0));
  await shot(page, "draft-open");
  await page.locator(".draft summary").first().click();

  // A citation opens its source.
  await page.locator(".answer .cite").first().click();
  const open1 = (await posted(page)).at(-1);
  check(
    open1?.type === "openSource" && open1.file.endsWith("http-metrics.md") && open1.startLine === 60 && open1.endLine === 203,
    "a citation posts openSource with the source's file and lines",
  );
  await page.locator(".source").nth(1).click();
  check((await posted(page)).at(-1)?.file?.endsWith("http-spans.md"), "a source item posts openSource");
  // A source whose text is in two places lists the other one, which opens it.
  check((await page.locator(".source-places").count()) === 1, "a source with its text in another place shows one Also in line");
  await page.locator(".source-place").first().click();
  const other = (await posted(page)).at(-1);
  check(
    other?.type === "openSource" && other.file.endsWith("archive/v1.26/http/http-spans.md") && other.startLine === 498 && other.endLine === 590,
    "an Also in place posts openSource with its own file and lines",
  );

  // Thumbs down opens a comment box; sending posts feedback with the comment, then thanks.
  await page.getByRole("button", { name: "Not helpful" }).click();
  await page.waitForSelector(".comment-form");
  await page.keyboard.type("It cited the client metric.");
  await shot(page, "feedback-form");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".thanks");
  const fb = (await posted(page)).find((m) => m.type === "feedback");
  check(fb?.rating === "down" && fb.comment === "It cited the client metric.", "thumbs down posts feedback with the comment");
  await shot(page, "feedback-thanks");

  // Keyboard: type, Shift+Enter is a newline, Enter sends; Stop stops.
  await page.locator(".question-input").click();
  await page.keyboard.type("First line");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("second line");
  await page.keyboard.press("Enter");
  const ask = (await posted(page)).find((m) => m.type === "ask");
  check(ask?.question === "First line\nsecond line", "Enter sends, Shift+Enter adds a newline");
  await page.waitForFunction(() => document.querySelectorAll(".turn").length === 2);
  await page.waitForSelector(".turn:nth-child(2) .answer:not([hidden])", { timeout: 15_000 });
  await page.getByRole("button", { name: "Stop answering" }).click();
  await page.waitForSelector(".turn:nth-child(2) .stopped", { timeout: 10_000 });
  check(
    (await posted(page)).some((m) => m.type === "stop"),
    "Stop posts stop",
  );
  await shot(page, "stopped");

  // Tab order reaches the controls; focus is visible (outline drawn by chat.css or the kit).
  await page.locator(".turn .answer .cite").last().focus();
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => ({ cls: document.activeElement?.className, outline: getComputedStyle(document.activeElement).outlineStyle }));
  check(focused.cls === "source" && focused.outline !== "none", "Tab from the last citation reaches the first source, with a visible outline");
  await shot(page, "keyboard-focus");

  await page.evaluate(() => window.postMessage({ type: "focusInput" }, "*"));
  await page.waitForTimeout(50);
  check(await page.evaluate(() => document.activeElement?.classList.contains("question-input")), "focusInput focuses the question box");

  await page.getByRole("button", { name: "Clear history" }).click();
  await page.waitForSelector(".empty:not([hidden])");
  check((await page.locator(".turn").count()) === 0, "clear history empties the conversation");
  await page.close();
}

// Static scenarios.
for (const [name, query, size] of [
  ["empty-no-model", "scenario=empty"],
  ["indexing", "scenario=indexing"],
  ["history", "scenario=history", { width: 400, height: 1600 }],
  ["error", "scenario=error", { width: 400, height: 900 }],
  ["light", "scenario=history&theme=light", { width: 400, height: 1600 }],
  ["narrow", "scenario=stream&delay=0", { width: 260, height: 900 }],
]) {
  const page = await open(query, size);
  await page.waitForTimeout(name === "narrow" ? 1500 : 400);
  await shot(page, name);
  if (name === "empty-no-model") {
    await page.getByRole("button", { name: "Select model" }).first().click();
    check(
      (await posted(page)).some((m) => m.type === "selectModel"),
      "Select model posts selectModel",
    );
  }
  if (name === "error") {
    await page.getByRole("button", { name: "Show logs" }).first().click();
    check(
      (await posted(page)).some((m) => m.type === "showLogs"),
      "Show logs posts showLogs",
    );
  }
  await page.close();
}

await browser.close();
for (const k of known) console.log(`note ${k}`);
for (const p of problems) console.log(`FAIL ${p}`);
process.exitCode = failures.length || problems.length ? 1 : 0;
