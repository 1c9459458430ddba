/**
 * What a real model's output does in Docent, on scripted twins (test/fixtures/familyTwins.ts):
 * family twins whose greedy output is a chosen token sequence. Reasoning is kept out of the
 * answer and out of its citations, a missing source is flagged, Markdown tables and code blocks
 * arrive whole, and generation stops at the family's end-of-turn token.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { answerQuestion, type PipelineEvent } from "../../src/engine/answer/pipeline.js";
import { parseMarkdown } from "../../webview/markdown/blocks.js";
import { AFTER_END_OF_TURN, ensureTwins, SCRIPTED_TWINS, type ScriptedTwinName } from "../fixtures/familyTwins.js";
import { tempDocs } from "../helpers/tempDocs.js";

const DOCS = {
  "docs/http-metrics.md":
    "# HTTP metrics\n\n## `http.server.request.duration`\n\nDuration of HTTP server requests, as a histogram.\n\n| Name | Type | Unit |\n|---|---|---|\n| `http.server.request.duration` | histogram | s |\n",
  "docs/other.md": "# Other\n\n## Logging\n\nLogs go to the output channel.\n",
};

let paths: Record<ScriptedTwinName, string>;
let index: DocsIndex;
before(async () => {
  paths = await ensureTwins(Object.keys(SCRIPTED_TWINS) as ScriptedTwinName[]);
  index = new DocsIndex([await tempDocs(DOCS)]);
  await index.update();
});

async function load(name: ScriptedTwinName): Promise<ChatModel> {
  return ChatModel.load(await getLlamaInstance("off"), paths[name], { gpu: "off", threads: 1, contextSize: 2048, probe: false });
}

async function ask(chat: ChatModel): Promise<{ result: Awaited<ReturnType<typeof answerQuestion>>; events: PipelineEvent[] }> {
  const events: PipelineEvent[] = [];
  const result = await answerQuestion(index, chat, "What is the unit of http.server.request.duration?", {
    onEvent: (e) => events.push(e),
    // The draft's reasoning is checked too: draft although the question names a defined metric.
    settings: { draftForNamedTerms: true, draftMaxTokens: 64, answerMaxTokens: 64 },
  });
  return { result, events };
}

const textOf = (events: PipelineEvent[], type: string, stage?: string) =>
  events
    .filter((e) => e.type === type && (stage === undefined || (e as { stage?: string }).stage === stage))
    .map((e) => (e as { text: string }).text)
    .join("");

for (const name of ["qwen3-cited", "phi3-think-text"] as const) {
  const script = SCRIPTED_TWINS[name];
  test(`${name}: reasoning is streamed apart, kept out of the answer and its citations; [7] is flagged`, async () => {
    const chat = await load(name);
    try {
      const { result, events } = await ask(chat);
      assert.equal(result.mode, "model");
      assert.equal(result.answer, script.answer);
      assert.equal(result.reasoning, script.reasoning);
      // Streamed: the answer's chunks are the answer, the reasoning's chunks the reasoning.
      assert.equal(textOf(events, "answer-chunk").trim(), script.answer);
      assert.equal(textOf(events, "reasoning-chunk", "answer").trim(), script.reasoning);
      // The draft is written by the same model: its reasoning is apart too, and retrieval gets only the draft.
      assert.equal(result.draft, script.answer);
      assert.equal(textOf(events, "reasoning-chunk", "draft").trim(), script.reasoning);
      assert.ok(!textOf(events, "draft-chunk").includes("<think>") && !textOf(events, "answer-chunk").includes("think>"));
      // [1] cites the source; [7] names none and is flagged; a number inside the reasoning ([2]) counts for nothing.
      assert.deepEqual(
        result.citations.map((c) => c.n),
        [1],
      );
      assert.equal(result.citations[0]!.path, "docs/http-metrics.md");
      assert.deepEqual(result.invalidCitations, [7]);
      assert.ok(!result.answer.includes(AFTER_END_OF_TURN));
    } finally {
      await chat.dispose();
    }
  });
}

test("qwen2.5-table: a Markdown table arrives whole and renders as a table", async () => {
  const chat = await load("qwen2.5-table");
  try {
    const generation = await chat.generate({ system: "s", user: "Which unit?", maxTokens: 64 });
    assert.equal(generation.text, SCRIPTED_TWINS["qwen2.5-table"].answer);
    const [table] = parseMarkdown(generation.text);
    assert.equal(table?.type, "table");
    assert.equal(table?.type === "table" && table.rows.length, 1);
  } finally {
    await chat.dispose();
  }
});

test("qwen2.5-code: a code block arrives whole and renders as code", async () => {
  const chat = await load("qwen2.5-code");
  try {
    const generation = await chat.generate({ system: "s", user: "Show it as JSON", maxTokens: 64 });
    assert.equal(generation.text, SCRIPTED_TWINS["qwen2.5-code"].answer);
    assert.deepEqual(parseMarkdown(generation.text), [{ type: "code", lang: "", text: '{"unit": "s"}' }]);
  } finally {
    await chat.dispose();
  }
});

for (const name of ["llama3-eot", "gemma-eot", "qwen3-cited"] as const) {
  test(`${name}: generation stops at the family's end-of-turn token`, async () => {
    const chat = await load(name);
    try {
      const generation = await chat.generate({ system: "s", user: "Done?", maxTokens: 64 });
      assert.equal(generation.text, SCRIPTED_TWINS[name].answer);
      assert.equal(generation.stopReason, "eogToken");
      assert.ok(!generation.text.includes(AFTER_END_OF_TURN));
    } finally {
      await chat.dispose();
    }
  });
}
