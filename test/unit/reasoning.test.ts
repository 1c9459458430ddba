import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { promptOpensReasoning, ReasoningSplitter, splitReasoning } from "../../src/engine/model/reasoning.js";

test("a <think> segment is taken out of the answer", () => {
  assert.deepEqual(splitReasoning("<think>Check [2].</think>The unit is `s` [1]."), { answer: "The unit is `s` [1].", reasoning: "Check [2]." });
  assert.deepEqual(splitReasoning("No reasoning here."), { answer: "No reasoning here.", reasoning: "" });
  // A template that opened the segment in the prompt (DeepSeek R1 distills): the output starts inside it.
  assert.deepEqual(splitReasoning("Thinking.</think>Answer.", true), { answer: "Answer.", reasoning: "Thinking." });
  // An unclosed segment (stopped early) is all reasoning; a stray "<thin" at the end is text.
  assert.deepEqual(splitReasoning("<think>still going"), { answer: "", reasoning: "still going" });
  assert.deepEqual(splitReasoning("a <thin"), { answer: "a <thin", reasoning: "" });
});

test("tags cut anywhere across chunks split the same as the whole text", () => {
  const text = "Intro <think>why [3]</think>The answer [1].<think>again</think> Done <th";
  const whole = splitReasoning(text);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
      const splitter = new ReasoningSplitter();
      const at = [0, ...cuts.sort((a, b) => a - b), text.length];
      let answer = "";
      let reasoning = "";
      for (let i = 1; i < at.length; i++) {
        const out = splitter.push(text.slice(at[i - 1], at[i]));
        answer += out.answer;
        reasoning += out.reasoning;
      }
      const end = splitter.flush();
      assert.equal(answer + end.answer, whole.answer);
      assert.equal(reasoning + end.reasoning, whole.reasoning);
    }),
  );
  assert.deepEqual(whole, { answer: "Intro The answer [1]. Done <th", reasoning: "why [3]again" });
});

test("a prompt that ends inside a reasoning segment is recognised", () => {
  assert.equal(promptOpensReasoning("<|Assistant|><think>\n"), true);
  assert.equal(promptOpensReasoning("<|im_start|>assistant\n"), false);
  assert.equal(promptOpensReasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n"), false);
});
