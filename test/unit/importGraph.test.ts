// scripts/checkImports.mjs (run by `npm run lint`): planted cycles and upward imports in a temporary
// tree make it fail and name the files; a tree whose imports point one way passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";

const CHECK = path.join(repoRoot(), "scripts", "checkImports.mjs");

/** A small tree shaped like ours, every import pointing down the layers, some of them `import type`. */
const CLEAN: Record<string, string> = {
  "src/shared/answer.ts": `export interface Answer { text: string }\n`,
  "src/engine/util/logger.ts": `export const log = (s: string) => s;\n`,
  "src/engine/model/chat.ts": `import { log } from "../util/logger.js";\nexport interface Chat { say(): string }\nexport const hello = log("hi");\n`,
  "src/engine/index/types.ts": `import type { Chat } from "../model/chat.js";\nexport interface Hit { chat?: Chat }\n`,
  "src/engine/index/search/rank.ts": `import type { Hit } from "../types.js";\nexport const rank = (h: Hit[]) => h;\n`,
  "src/engine/cards/card.ts": `import { rank } from "../index/search/rank.js";\nexport const card = rank;\n`,
  "src/engine/answer/pipeline.ts": `import { card } from "../cards/card.js";\nimport type { Answer } from "../../shared/answer.js";\nexport const answer = (): Answer | typeof card => card;\n`,
  "src/engine/eval/score.ts": `export { answer } from "../answer/pipeline.js";\n`,
  "src/engine/finetune/dataset.ts": `import { answer } from "../eval/score.js";\nexport const data = answer;\n`,
  "src/engine/engine.ts": `import { data } from "./finetune/dataset.js";\nimport { hello } from "./model/chat.js";\nexport const engine = [data, hello];\n`,
  "webview/main.ts": `import type { Answer } from "../src/shared/answer.js";\nimport { view } from "./view.js";\nexport const show = (a: Answer) => view(a.text);\n`,
  "webview/view.ts": `export const view = (s: string) => s;\n`,
};

function runCheck(root: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [CHECK, "--root", root], { encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

async function tree(files: Record<string, string>): Promise<string> {
  const root = await makeTempDir("docent-imports-");
  await writeTree(root, files);
  return root;
}

test("a tree whose imports point down the layers, without cycles, passes", async () => {
  const { status, output } = runCheck(await tree(CLEAN));
  assert.equal(status, 0, output);
  assert.match(output, /no import cycles/);
});

test("a cycle made of `import type` alone fails and names its files in order", async () => {
  const root = await tree({
    ...CLEAN,
    "src/engine/index/docsIndex.ts": `import type { Change } from "./journal.js";\nexport interface FileEntry { change?: Change }\n`,
    "src/engine/index/journal.ts": `import type { Facts } from "./fileFields.js";\nexport interface Change { facts: Facts }\n`,
    "src/engine/index/fileFields.ts": `import type { FileEntry } from "./docsIndex.js";\nexport type Facts = Pick<FileEntry, "change">;\n`,
  });
  const { status, output } = runCheck(root);
  assert.equal(status, 1, output);
  assert.match(output, /1 import problem:/);
  assert.ok(
    output.includes(
      "import cycle: src/engine/index/docsIndex.ts -> src/engine/index/journal.ts -> src/engine/index/fileFields.ts -> src/engine/index/docsIndex.ts",
    ),
    output,
  );
});

test("type-only cycles through `export type ... from` and `import(...)` types are found, in the webview too", async () => {
  const root = await tree({
    ...CLEAN,
    "webview/a.ts": `export type { B } from "./b.js";\nexport interface A { n: number }\n`,
    "webview/b.ts": `export type B = import("./a.js").A;\n`,
  });
  const { status, output } = runCheck(root);
  assert.equal(status, 1, output);
  assert.ok(output.includes("import cycle: webview/a.ts -> webview/b.ts -> webview/a.ts"), output);
});

test("an import from a lower engine layer to a higher one fails and names both files and layers", async () => {
  const root = await tree({
    ...CLEAN,
    // model/ reaching up into answer/ (a type import counts).
    "src/engine/model/server/serverChat.ts": `import type { answer } from "../../answer/pipeline.js";\nexport type Chat = typeof answer;\n`,
    // index/ reaching into the engine front.
    "src/engine/index/docsIndex.ts": `import { engine } from "../engine.js";\nexport const all = engine;\n`,
  });
  const { status, output } = runCheck(root);
  assert.equal(status, 1, output);
  assert.match(output, /2 import problems:/);
  assert.ok(output.includes("src/engine/model/server/serverChat.ts (model) imports src/engine/answer/pipeline.ts (answer, a higher layer)"), output);
  assert.ok(output.includes("src/engine/index/docsIndex.ts (index) imports src/engine/engine.ts (the engine front, a higher layer)"), output);
  assert.doesNotMatch(output, /import cycle/);
});

test("a folder of src/engine that is in no layer is named, so the layer order is kept up to date", async () => {
  const root = await tree({ ...CLEAN, "src/engine/extras/thing.ts": `export const thing = 1;\n` });
  const { status, output } = runCheck(root);
  assert.equal(status, 1, output);
  assert.ok(output.includes("src/engine/extras/thing.ts: its folder is in no layer of src/engine"), output);
});
