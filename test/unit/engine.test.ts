// The engine behind the language server, with real files, a real saved index and a tiny model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DEFAULT_PIPELINE } from "../../src/shared/pipelineSettings.js";
import { Engine, workspaceEngineOptions } from "../../src/engine/engine.js";
import { exportFeedback } from "../../src/engine/finetune/feedbackExport.js";
import { readFeedback } from "../../src/engine/finetune/feedbackLog.js";
import { hoverMarkdown } from "../../src/extension/hover/hoverMarkdown.js";
import { nameAt } from "../../src/shared/names.js";
import type { AskEventParams, EngineSettings, EngineStatus } from "../../src/shared/protocol.js";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";
import { engineSettings } from "../fixtures/engineSettings.js";

const DOCS = {
  "metrics.md":
    "# Metrics\n\n## Metric: `jvm.memory.used`\n\nMemory used by the JVM, in bytes.\n\n| Name | Unit |\n| --- | --- |\n| `jvm.memory.used` | By |\n",
  "gc.md": "# Garbage collection\n\nPauses of the collector, in seconds.\n",
};

function settings(extra: Partial<EngineSettings> = {}): EngineSettings {
  // The draft is checked in these tests: drafted although the questions name defined terms.
  return engineSettings({ pipeline: { ...DEFAULT_PIPELINE, draftForNamedTerms: true, draftMaxTokens: 8, answerMaxTokens: 8 }, ...extra });
}

async function startEngine(extra: Partial<EngineSettings> = {}, root?: string, storageDir?: string) {
  root ??= await tempDocs(DOCS);
  storageDir ??= await makeTempDir();
  const statuses: EngineStatus[] = [];
  const events: AskEventParams[] = [];
  const logs: string[] = [];
  const engine = new Engine({
    ...workspaceEngineOptions({ roots: [root], storageDir, modelsDir: path.join(storageDir, "models"), settings: settings(extra) }),
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(`ERROR ${m}`) },
    events: { status: (s) => statuses.push(s), askEvent: (e) => events.push(e) },
  });
  await engine.start();
  return { engine, root, storageDir, statuses, events, logs };
}

test("the engine indexes, saves, and on restart loads the saved index instead of rebuilding", async () => {
  const first = await startEngine();
  assert.deepEqual(
    first.statuses.map((s) => s.state).filter((s, i, a) => a[i - 1] !== s),
    ["indexing", "ready"],
  );
  assert.equal(first.engine.getStatus().files, 2);
  await first.engine.dispose();
  const second = await startEngine({}, first.root, first.storageDir);
  assert.ok(
    second.logs.some((l) => /^Index loaded/.test(l)),
    second.logs.join("\n"),
  );
  assert.ok(second.logs.some((l) => /0 added, 0 updated, 0 removed, 2 unchanged/.test(l)));
  await second.engine.dispose();
});

test("ask streams events with the question's id and returns the result without source texts", async () => {
  const models = await ensureTinyModels();
  const { engine, events, statuses } = await startEngine({ chatModel: models.chatTemplate });
  assert.equal(statuses.at(-1)!.model, "tiny-chat-template.gguf");
  assert.equal(statuses.at(-1)!.device, "cpu");
  const result = await engine.ask({ id: "q1", question: "What is jvm.memory.used?" });
  assert.equal(result.mode, "model");
  assert.equal(result.sources[0]!.path, "metrics.md");
  assert.ok(!("text" in result.sources[0]!));
  assert.ok(events.every((e) => e.id === "q1"));
  const types = new Set(events.map((e) => e.event.type));
  for (const t of ["stage", "draft-chunk", "sources", "answer-chunk"]) assert.ok(types.has(t as never), t);

  // Feedback is appended with question, draft, sources (with the text the model saw) and answer.
  await engine.feedback({ id: "q1", rating: "up", comment: "clear", result });
  await engine.feedback({ id: "q1", rating: "down", result, correction: "It is the memory in use, in bytes." });
  const { entries, badLines } = await readFeedback(engine.feedbackFile!);
  assert.deepEqual(badLines, []);
  assert.deepEqual(
    entries.map((e) => e.rating),
    ["up", "down"],
  );
  assert.equal(entries[0]!.question, "What is jvm.memory.used?");
  assert.equal(entries[0]!.draft, result.draft);
  assert.equal(entries[0]!.answer, result.answer);
  assert.match(entries[0]!.sources[0]!.text!, /Memory used by the JVM/);
  assert.equal(entries[1]!.correction, "It is the memory in use, in bytes.");
  await engine.dispose();
});

test("rating an answer after the engine restarted re-reads the cited lines; export skips an entry whose file changed", async () => {
  const models = await ensureTinyModels();
  const first = await startEngine({ chatModel: models.chatTemplate });
  // An answer restored from the chat history: the engine that wrote it is gone.
  const restored = await first.engine.ask({ id: "old", question: "What is jvm.memory.used?" });
  assert.equal(restored.mode, "model");
  assert.ok(
    restored.sources.every((s) => s.linesHash),
    "every source carries the hash of its cited lines",
  );
  await first.engine.dispose();
  const second = await startEngine({ chatModel: models.chatTemplate }, first.root, first.storageDir);
  const saved = await second.engine.feedback({ id: "old", rating: "up", result: restored });
  assert.equal(saved.sourcesWithoutText, 0);
  let { entries } = await readFeedback(saved.file);
  const cited = entries[0]!.sources.find((s) => s.path === "metrics.md")!;
  assert.match(cited.text!, /Memory used by the JVM/, "the cited lines were re-read from the file");

  // The cited file changes: its old lines are no longer there, so the entry is stored without them,
  // and the export skips it and says so.
  await rewrite(path.join(first.root, "metrics.md"), "# Metrics\n\nRewritten: nothing about memory here any more.\n");
  const changed = await second.engine.feedback({ rating: "down", correction: "It is the heap in use.", result: restored });
  assert.equal(changed.sourcesWithoutText, restored.sources.filter((s) => s.path === "metrics.md").length);
  ({ entries } = await readFeedback(saved.file));
  assert.equal(entries.length, 2);
  assert.equal(entries[1]!.sources.find((s) => s.path === "metrics.md")!.text, undefined);
  const exported = exportFeedback(entries);
  assert.equal(exported.chat.length, 1);
  assert.equal(exported.preferences.length, 0, "the correction cannot become a pair without the cited text");
  assert.equal(exported.skippedWithoutTexts, 1);
  assert.equal(exported.skipped, 1);
  assert.match(exported.chat[0]!.messages[1]!.content, /Memory used by the JVM/);
  await second.engine.dispose();
});

test("questions are answered one at a time and cancel stops the running one", async () => {
  const models = await ensureTinyModels();
  const { engine, events } = await startEngine({
    chatModel: models.chatTemplate,
    pipeline: { ...DEFAULT_PIPELINE, draftForNamedTerms: true, draftMaxTokens: 1500, answerMaxTokens: 8 },
  });
  const long = engine.ask({ id: "long", question: "What is jvm.memory.used?" });
  const next = engine.ask({ id: "next", question: "What are collector pauses?" });
  // Cancel once the long answer is under way (its first streamed event), not after a fixed 100 ms:
  // on a loaded machine that cancelled it still queued, on a fast one after it had ended.
  const end = Date.now() + 120_000;
  while (!events.some((e) => e.id === "long")) {
    assert.ok(Date.now() < end, "the long answer never started streaming");
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(engine.cancel("long"), true, "the long answer is running");
  const [a, b] = await Promise.all([long, next]);
  assert.equal(a.aborted, true);
  assert.equal(b.aborted, false);
  assert.equal(b.tokens.answer, 8);
  await engine.dispose();
});

test("a changed, created or deleted file is re-indexed after the watcher's debounce", async () => {
  const { engine, root } = await startEngine();
  await rewrite(path.join(root, "gc.md"), "# Garbage collection\n\nStop-the-world pauses of the zgc collector.\n");
  await fs.writeFile(path.join(root, "new.md"), "# Threads\n\nPlatform and virtual threads.\n");
  await fs.rm(path.join(root, "metrics.md"));
  await engine.filesChanged([path.join(root, "gc.md"), path.join(root, "new.md"), path.join(root, "metrics.md")]);
  const status = engine.getStatus();
  assert.equal(status.files, 2);
  const r = await engine.ask({ id: "z", question: "zgc stop-the-world" });
  assert.equal(r.sources[0]!.path, "gc.md");
  assert.equal(engine.define("jvm.memory.used"), undefined);
  await engine.dispose();
});

test("hover: the name under the cursor (dots and underscores included) gets its definition with links", async () => {
  const { engine } = await startEngine();
  const line = '  meter.histogram("jvm.memory.used", unit) // see docs';
  const word = nameAt(line, line.indexOf("memory"));
  assert.deepEqual(word, { text: "jvm.memory.used", start: 19, end: 34 });
  const d = engine.define(word!.text)!;
  assert.equal(d.path, "metrics.md");
  assert.equal(d.startLine, 3);
  assert.equal(d.summary, "Memory used by the JVM, in bytes.");
  const md = hoverMarkdown(d);
  assert.match(md, /\*\*`jvm.memory.used`\*\*/);
  assert.match(md, /\(file:\/\/.*metrics\.md#L3\)/);
  assert.match(md, /\[Explain with Docent\]\(command:docent\.explainMetric\?%5B%22jvm\.memory\.used%22%5D\)/);
  assert.equal(engine.define("memory"), undefined, "plain words are not hovered");
  await engine.dispose();
});

test("a model that cannot load leaves a warning and retrieval-only answers; configure loads a good one", async () => {
  const models = await ensureTinyModels();
  const dir = await makeTempDir();
  const bad = path.join(dir, "bad.gguf");
  await fs.writeFile(bad, "GGUF but not really");
  const { engine } = await startEngine({ chatModel: bad });
  const status = engine.getStatus();
  assert.equal(status.state, "ready");
  assert.match(status.warnings[0]!, /Chat model not loaded.*bad\.gguf/);
  assert.equal((await engine.ask({ id: "a", question: "jvm.memory.used" })).mode, "retrieval-only");
  await engine.configure(settings({ chatModel: models.chat }));
  assert.equal(engine.getStatus().model, "tiny-chat.gguf");
  assert.deepEqual(engine.getStatus().warnings, []);
  assert.equal((await engine.ask({ id: "b", question: "jvm.memory.used" })).mode, "model");
  await engine.dispose();
});

test("LoRA adapters in the settings are resolved like models: a missing one is a warning naming it", async () => {
  const models = await ensureTinyModels();
  const withLora = await startEngine({ chatModel: models.chatTemplate, lora: [{ path: models.lora, scale: 1 }] });
  assert.equal(withLora.engine.getStatus().model, "tiny-chat-template.gguf");
  assert.deepEqual(withLora.engine.getStatus().warnings, []);
  await withLora.engine.dispose();
  const missing = await startEngine({ chatModel: models.chatTemplate, lora: [{ path: "/nonexistent/adapter.gguf", scale: 1 }] });
  assert.match(missing.engine.getStatus().warnings[0]!, /Chat model not loaded.*Model file not found: \/nonexistent\/adapter\.gguf/);
  await missing.engine.dispose();
});
