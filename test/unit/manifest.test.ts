// package.json as the Marketplace, Open VSX and VS Code read it: the icon is a 128x128 PNG that
// the .vsix carries, activation happens where there are docs (never at every startup), every
// command a menu, key or walkthrough names exists, every walkthrough medium is a file that is
// packaged, and README's relative links point at files (vsce rewrites them to the repository).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { DEFAULT_INCLUDE } from "../../src/shared/defaults.js";
import { repoRoot } from "../helpers/repoRoot.js";

interface Walkthrough {
  id: string;
  steps: { id: string; description: string; media: Record<string, unknown>; completionEvents?: string[] }[];
}
interface Manifest {
  icon?: string;
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
  categories?: string[];
  keywords?: string[];
  engines: { node?: string; vscode: string };
  activationEvents?: string[];
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string }[]>;
    keybindings?: { command: string }[];
    views: Record<string, { id: string }[]>;
    walkthroughs?: Walkthrough[];
    chatParticipants?: { id: string }[];
    languageModelTools?: { name: string }[];
    mcpServerDefinitionProviders?: { id: string }[];
  };
}

const root = repoRoot();
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;

/** Width, height, bit depth and colour type from a PNG's IHDR, after checking the signature and every chunk's CRC is well formed. */
function readPng(bytes: Buffer): { width: number; height: number; bitDepth: number; colorType: number; pixels: Buffer } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  let at = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString("latin1", at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
    if (type === "IEND") break;
  }
  assert.ok(ihdr, "IHDR chunk");
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth: ihdr[8], colorType: ihdr[9], pixels: zlib.inflateSync(Buffer.concat(idat)) };
}

test("the Marketplace icon is a 128x128 PNG in media/ with real pixels, and the listing has repository, homepage, bugs, categories and keywords", () => {
  assert.equal(manifest.icon, "media/icon.png");
  const png = readPng(readFileSync(path.join(root, manifest.icon)));
  assert.equal(png.width, 128);
  assert.equal(png.height, 128);
  // 8-bit RGBA: a row is a filter byte and 128 pixels of 4 bytes.
  assert.equal(png.bitDepth, 8);
  assert.equal(png.colorType, 6);
  assert.equal(png.pixels.length, 128 * (1 + 128 * 4));
  // Not a blank tile: the centre row holds more than one colour.
  const row = png.pixels.subarray(64 * 513 + 1, 65 * 513);
  const colours = new Set<string>();
  for (let x = 0; x < 128; x++) colours.add(row.subarray(x * 4, x * 4 + 4).toString("hex"));
  assert.ok(colours.size > 2, `the icon's middle row has ${colours.size} colours`);

  const repo = manifest.repository?.url?.replace(/\.git$/, "");
  assert.match(repo ?? "", /^https:\/\/github\.com\/[\w-]+\/[\w-]+$/);
  assert.ok(manifest.homepage?.startsWith(repo!), `homepage ${manifest.homepage} is in the repository ${repo}`);
  assert.equal(manifest.bugs?.url, `${repo}/issues`);
  for (const c of ["AI", "Chat"]) assert.ok(manifest.categories?.includes(c), `category ${c}`);
  assert.ok((manifest.keywords?.length ?? 0) >= 5 && manifest.keywords!.length <= 30, "5 to 30 keywords (the Marketplace takes at most 30)");
});

test("Docent activates where the default include finds docs, on its commands, view and agent contributions, and never at every startup", () => {
  const events = manifest.activationEvents ?? [];
  assert.ok(!events.includes("*") && !events.includes("onStartupFinished"), `no startup activation: ${events.join(", ")}`);
  for (const glob of DEFAULT_INCLUDE) assert.ok(events.includes(`workspaceContains:${glob}`), `workspaceContains:${glob}`);
  const workspaceGlobs = events.filter((e) => e.startsWith("workspaceContains:")).map((e) => e.slice("workspaceContains:".length));
  assert.deepEqual(workspaceGlobs.sort(), [...DEFAULT_INCLUDE].sort(), "activation globs are exactly the default include");
  // Docent's own commands are listed; a command added later activates Docent all the same, as VS Code
  // 1.74 and later activate on every contributed command (engines.vscode must allow no older one).
  for (const command of ["docent.ask", "docent.explainMetric", "docent.selectModel", "docent.reindex"]) {
    assert.ok(events.includes(`onCommand:${command}`), `onCommand:${command}`);
  }
  const [vsMajor, vsMinor] = (/^\^?(\d+)\.(\d+)/.exec(manifest.engines.vscode) ?? []).slice(1).map(Number);
  assert.ok(vsMajor > 1 || vsMinor >= 74, `engines.vscode ${manifest.engines.vscode} allows a VS Code that needs every onCommand listed`);
  for (const views of Object.values(manifest.contributes.views)) for (const { id } of views) assert.ok(events.includes(`onView:${id}`), `onView:${id}`);
  for (const { id } of manifest.contributes.chatParticipants ?? []) assert.ok(events.includes(`onChatParticipant:${id}`), `onChatParticipant:${id}`);
  for (const { name } of manifest.contributes.languageModelTools ?? [])
    assert.ok(events.includes(`onLanguageModelTool:${name}`), `onLanguageModelTool:${name}`);
  for (const { id } of manifest.contributes.mcpServerDefinitionProviders ?? []) assert.ok(events.includes(`onMcpCollection:${id}`), `onMcpCollection:${id}`);
});

test("every command that a menu, a key binding, an activation event or the walkthrough names is contributed", () => {
  const commands = new Set(manifest.contributes.commands.map((c) => c.command));
  // VS Code adds `<view id>.focus` for every view.
  const viewFocus = new Set(Object.values(manifest.contributes.views).flatMap((vs) => vs.map((v) => `${v.id}.focus`)));
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const { command } of items) assert.ok(commands.has(command), `menu ${menu} names ${command}, which is not contributed`);
  }
  for (const { command } of manifest.contributes.keybindings ?? []) assert.ok(commands.has(command), `key binding for ${command}, not contributed`);
  for (const e of manifest.activationEvents ?? []) {
    if (e.startsWith("onCommand:")) assert.ok(commands.has(e.slice("onCommand:".length)), `${e}: not contributed`);
  }
  const walkthroughs = manifest.contributes.walkthroughs ?? [];
  assert.equal(walkthroughs.length, 1);
  for (const step of walkthroughs[0].steps) {
    const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
    assert.ok(linked.length > 0, `step ${step.id} has a command link`);
    for (const c of linked) assert.ok(commands.has(c) || viewFocus.has(c), `step ${step.id} links command ${c}, which does not exist`);
    for (const e of step.completionEvents ?? []) {
      if (e.startsWith("onCommand:")) assert.ok(commands.has(e.slice("onCommand:".length)), `step ${step.id}: ${e}`);
    }
  }
});

test("the walkthrough opens the view, asks, chooses a model and explains a metric, each step with media that exists", () => {
  const [walkthrough] = manifest.contributes.walkthroughs ?? [];
  const stepCommands = walkthrough.steps.map((s) => [...s.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]));
  assert.deepEqual(stepCommands, [["docent.chat.focus"], ["docent.focusChat"], ["docent.selectModel"], ["docent.explainMetric"]]);
  for (const step of walkthrough.steps) {
    const files: string[] = [];
    for (const [kind, value] of Object.entries(step.media)) {
      if (kind === "altText") continue;
      // An image may be one path or one per theme ({ light, dark, hc }).
      if (typeof value === "string") files.push(value);
      else if (value && typeof value === "object") files.push(...Object.values(value as Record<string, string>));
    }
    assert.ok(files.length > 0, `step ${step.id} has media`);
    for (const file of files) {
      assert.ok(file.startsWith("media/"), `${file} is under media/ (which the .vsix carries)`);
      assert.ok(existsSync(path.join(root, file)), `step ${step.id}: ${file} exists`);
      assert.ok(readFileSync(path.join(root, file), "utf8").trim().length > 100, `${file} has content`);
    }
  }
});

test("engines.node asks for the Node that the code needs (zlib.crc32: 20.15), and this Node has it", () => {
  const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(manifest.engines.node ?? "");
  assert.ok(min, `engines.node is a minimum: ${manifest.engines.node}`);
  const [major, minor] = [Number(min[1]), Number(min[2])];
  assert.ok(major > 20 || (major === 20 && minor >= 15), `engines.node ${manifest.engines.node} allows a Node without zlib.crc32`);
  assert.equal(typeof (zlib as { crc32?: unknown }).crc32, "function", `Node ${process.version} has zlib.crc32`);
});

test("vsce ls in the repository root lists only the extension's files: bundles, media, the icon and walkthrough media, README, CHANGELOG, LICENSE", (t) => {
  if (!existsSync(path.join(root, "dist", "extension.cjs"))) {
    assert.ok(!process.env.CI, "dist/ missing: npm run build first");
    t.skip("dist/ not built (npm run build)");
    return;
  }
  const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
  // --no-dependencies: vsce's dependency scan runs `npm list`, which fails on a node_modules that npm
  // finds inconsistent (a shared one, a package installed by hand). In the root .vscodeignore leaves
  // node_modules out whole (the line that package.mjs drops in the stage), so the list is the same.
  const rules = readFileSync(path.join(root, ".vscodeignore"), "utf8").split("\n");
  assert.ok(rules.includes("node_modules/**"), ".vscodeignore leaves the root's node_modules out");
  const listed = execFileSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const allowed =
    /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[\w.-]+\.c?js|media\/[\w.-]+\.(css|js|svg|png)|media\/walkthrough\/[\w.-]+\.(md|svg|png))$/;
  const stray = listed.filter((f) => !allowed.test(f));
  assert.deepEqual(stray, [], "files vsce would package that are not the extension's");
  for (const f of ["package.json", "README.md", "CHANGELOG.md", "LICENSE", "dist/extension.cjs", "dist/engineProcess.js", "media/chat.js", manifest.icon!]) {
    assert.ok(listed.includes(f), `${f} is packaged`);
  }
  for (const step of manifest.contributes.walkthroughs![0].steps) {
    for (const file of Object.values(step.media).filter((v): v is string => typeof v === "string" && v.startsWith("media/"))) {
      assert.ok(listed.includes(file), `${file} is packaged`);
    }
  }
});

test("README's relative links point at files in the repository (vsce turns them into links to the repository for the Marketplace)", () => {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith("#"));
  assert.ok(links.length >= 5, `README has relative links (${links.length})`);
  for (const link of links) {
    const file = decodeURIComponent(link.split("#")[0]);
    assert.ok(existsSync(path.join(root, file)), `README links ${link}, which is not a file in the repository`);
  }
});
