// The engine's side of the first ten minutes: indexing reports files done of total, example
// questions come from the names the docs define, and a model that fails says which one (a download
// says it is downloading from the start), so the editor can offer Retry and Choose File.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import type { EngineSettings, EngineStatus } from "../../src/shared/protocol.js";
import { QuestionRecall } from "../../webview/questionRecall.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";
import { repoRoot } from "../helpers/repoRoot.js";
import { engineSettings } from "../fixtures/engineSettings.js";

const SAMPLES = path.join(repoRoot(), "samples", "otel-semconv", "docs");

async function start(root: string, extra: Partial<EngineSettings> = {}) {
  const storageDir = await makeTempDir();
  const statuses: EngineStatus[] = [];
  const engine = new Engine({
    ...workspaceEngineOptions({ roots: [root], storageDir, modelsDir: path.join(storageDir, "models"), settings: engineSettings(extra) }),
    events: { status: (s) => statuses.push(s) },
  });
  await engine.start();
  return { engine, statuses };
}

test("indexing reports files done of total, ending at total; the ready status drops it", async () => {
  const docs: Record<string, string> = {};
  for (let i = 0; i < 12; i++) docs[`doc${i}.md`] = `# Doc ${i}\n\nText ${i}.\n`;
  const { engine, statuses } = await start(await tempDocs(docs));
  const progress = statuses.filter((s) => s.indexed).map((s) => s.indexed!);
  assert.ok(progress.length >= 2, `${progress.length} progress statuses`);
  assert.deepEqual(progress[0], { done: 0, total: 12 });
  assert.deepEqual(progress.at(-1), { done: 12, total: 12 });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.done >= progress[i - 1]!.done, "never goes back");
  assert.equal(engine.getStatus().state, "ready");
  assert.equal(engine.getStatus().indexed, undefined);
  await engine.dispose();
});

test("example questions name three defined metrics from different files of the sample docs, as the docs write them", async () => {
  const { engine } = await start(SAMPLES);
  const examples = engine.exampleQuestions(3);
  assert.equal(examples.length, 3);
  assert.equal(new Set(examples.map((e) => e.term)).size, 3);
  for (const e of examples) {
    assert.ok(e.question.includes(e.term), e.question);
    // Each names something the docs define: the definition lookup finds it.
    assert.ok(engine.define(e.term), `${e.term} is defined`);
  }
  const files = new Set(examples.map((e) => engine.define(e.term)!.file));
  assert.equal(files.size, 3, "from three files");
  assert.deepEqual(engine.exampleQuestions(3), examples, "the same index gives the same examples");
  await engine.dispose();
});

test("example questions: none from docs that define no names", async () => {
  const { engine } = await start(await tempDocs({ "a.md": "# Plain\n\nJust words here.\n" }));
  assert.deepEqual(engine.exampleQuestions(3), []);
  await engine.dispose();
});

test("a chat model download that fails shows Downloading first, then a model failure naming the reference", async () => {
  // A real HTTP server on loopback that answers 404: the download fails at once, no network needed.
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(404).end("no such model");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const ref = `http://127.0.0.1:${(server.address() as AddressInfo).port}/missing.gguf`;
  try {
    const { engine, statuses } = await start(await tempDocs({ "a.md": "# A\n\ntext\n" }), { chatModel: ref });
    assert.ok(requests >= 1, "the server was asked");
    assert.ok(
      statuses.some((s) => s.state === "downloading-model" && s.progress === 0),
      "Downloading… 0% is shown before any byte arrives",
    );
    const failure = engine.getStatus().modelFailure;
    assert.equal(failure?.setting, "chatModel");
    assert.equal(failure?.ref, ref);
    assert.equal(failure?.download, true);
    assert.ok(failure!.message.length > 0);
    assert.equal(engine.getStatus().state, "ready");
    assert.equal(engine.getStatus().model, undefined);
    // New settings clear it.
    await engine.configure(engineSettings());
    assert.equal(engine.getStatus().modelFailure, undefined);
    await engine.dispose();
  } finally {
    server.close();
  }
});

test("a local model file that is missing is a failure that is not a download", async () => {
  const { engine } = await start(await tempDocs({ "a.md": "# A\n\ntext\n" }), { chatModel: "/nonexistent/model.gguf" });
  assert.deepEqual(
    { ...engine.getStatus().modelFailure, message: undefined },
    { setting: "chatModel", ref: "/nonexistent/model.gguf", download: false, message: undefined },
  );
  await engine.dispose();
});

test("Up and Down recall the questions asked, newest first, only while the box is empty or shows a recalled one", () => {
  const recall = new QuestionRecall();
  assert.equal(recall.step(-1, ""), undefined, "nothing asked yet");
  recall.add("first?");
  recall.add("second?");
  assert.equal(recall.step(-1, ""), "second?");
  assert.equal(recall.step(-1, "second?"), "first?");
  assert.equal(recall.step(-1, "first?"), undefined, "no older one");
  assert.equal(recall.step(1, "first?"), "second?");
  assert.equal(recall.step(1, "second?"), "", "back to an empty box");
  assert.equal(recall.step(-1, "a draft being typed"), undefined, "a draft is never replaced");
  assert.equal(recall.step(-1, "second? edited"), undefined, "an edited recall is a draft");
  recall.add("second?");
  assert.equal(recall.step(-1, ""), "second?", "a repeated question is kept once");
  assert.equal(recall.step(-1, "second?"), "first?");
});
