import { test } from "node:test";
import assert from "node:assert/strict";
import { addTypos, mistype, QWERTY_NEIGHBOURS, TYPO_KINDS, withTypos, type TypoKind } from "../../src/engine/eval/typos.js";
import { mulberry32 } from "../../src/engine/util/random.js";

const QUESTIONS = [
  "What is the unit of http.server.request.duration?",
  "How can you create multiple test cases for an evaluation in the Anthropic Evaluation tool?",
  "What embeddings provider does Anthropic recommend for customized domain-specific models?",
  "How do I stream a response from Claude with the Python SDK?",
  "Which attributes does db.client.operation.duration have, and what is its instrument?",
  "What are the rate limits for the Messages API on the free tier?",
  "How does prompt caching reduce latency and cost for long documents?",
  "Can Claude read PDF files, and how many pages at most?",
].map((question, i) => ({ id: String(i + 1), question, relevant: ["a.md"] }));

/** The kind of one edit that turns `word` into `typo`, worked out without the generator's code. */
function editKind(word: string, typo: string): TypoKind | undefined {
  if (typo.length === word.length - 1) {
    for (let i = 0; i < word.length; i++) if (word.slice(0, i) + word.slice(i + 1) === typo) return "drop";
  }
  if (typo.length === word.length + 1) {
    for (let i = 0; i < word.length; i++) if (word.slice(0, i + 1) + word.slice(i) === typo) return "double";
  }
  if (typo.length === word.length) {
    const diff = [...word].map((_, i) => i).filter((i) => word[i] !== typo[i]);
    if (diff.length === 2 && diff[1] === diff[0]! + 1 && word[diff[0]!] === typo[diff[1]!] && word[diff[1]!] === typo[diff[0]!]) return "swap";
    if (diff.length === 1) {
      const [a, b] = [word[diff[0]!]!, typo[diff[0]!]!];
      const sameCase = (a === a.toLowerCase()) === (b === b.toLowerCase());
      if (sameCase && QWERTY_NEIGHBOURS.get(a.toLowerCase())?.includes(b.toLowerCase())) return "neighbour";
    }
  }
  return undefined;
}

test("typos: the same seed gives the same questions, another seed others", () => {
  assert.deepEqual(withTypos(QUESTIONS, 1), withTypos(QUESTIONS, 1));
  const other = withTypos(QUESTIONS, 2);
  assert.ok(
    withTypos(QUESTIONS, 1).some((q, i) => q.question !== other[i]!.question),
    "seed 2 mistypes differently",
  );
  // Each question has its own stream: cutting or reordering the set changes no question's typos.
  assert.deepEqual(withTypos(QUESTIONS.slice(2, 5), 1), withTypos(QUESTIONS, 1).slice(2, 5));
  assert.deepEqual(withTypos([...QUESTIONS].reverse(), 1), withTypos(QUESTIONS, 1).reverse());
});

test("typos: each question gets 1 or 2 edits of the named kinds, in different words of 4+ letters, and nothing else changes", () => {
  const counts = new Map<number, number>();
  const kinds = new Map<TypoKind, number>();
  for (let seed = 1; seed <= 50; seed++) {
    for (const [i, q] of withTypos(QUESTIONS, seed).entries()) {
      const clean = QUESTIONS[i]!.question;
      assert.ok(q.typos.length === 1 || q.typos.length === 2, `${q.question}: ${q.typos.length} typos`);
      assert.notEqual(q.question, clean);
      counts.set(q.typos.length, (counts.get(q.typos.length) ?? 0) + 1);
      const words = clean.match(/[\p{L}\p{N}]+/gu)!;
      const typed = q.question.match(/[\p{L}\p{N}]+/gu)!;
      assert.equal(typed.length, words.length, q.question);
      // Exactly the reported words differ, each by one edit of its reported kind.
      const changed = words.map((w, j) => [w, typed[j]!] as const).filter(([w, t]) => w !== t);
      assert.deepEqual(
        changed,
        q.typos.map((t) => [t.word, t.typo]),
      );
      for (const t of q.typos) {
        assert.match(t.word, /^[A-Za-z]{4,}$/);
        assert.equal(clean.slice(t.at, t.at + t.word.length), t.word);
        assert.equal(editKind(t.word, t.typo), t.kind, `${t.word} -> ${t.typo} is not a ${t.kind}`);
        kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
      }
      // Undoing the edits gives the question back: punctuation, spaces and other words untouched.
      let undone = q.question;
      for (const t of [...q.typos].reverse()) {
        const at = t.at + q.typos.filter((u) => u.at < t.at).reduce((d, u) => d + u.typo.length - u.word.length, 0);
        undone = undone.slice(0, at) + t.word + undone.slice(at + t.typo.length);
      }
      assert.equal(undone, clean);
    }
  }
  // Both counts and every kind occur, in roughly fair shares (400 questions).
  for (const n of [1, 2]) assert.ok(counts.get(n)! > 120, `${n} typo(s): ${counts.get(n)}`);
  for (const kind of TYPO_KINDS) assert.ok(kinds.get(kind)! > 80, `${kind}: ${kinds.get(kind)}`);
});

test("typos: short words, numbers and non-ASCII words are left alone", () => {
  const short = addTypos("How do I run it on gpt4 or in a café?", mulberry32(1));
  assert.deepEqual(short, { text: "How do I run it on gpt4 or in a café?", typos: [] });
  for (let seed = 1; seed <= 20; seed++) {
    // One eligible word: at most one typo, and only there.
    const one = addTypos("Is the v2 API ok?  Maybe.", mulberry32(seed));
    assert.equal(one.typos.length, 1);
    assert.equal(one.typos[0]!.word, "Maybe");
  }
});

test("typos: each kind makes the edit it names, keeping the letter's case", () => {
  const rand = mulberry32(7);
  for (let n = 0; n < 200; n++) {
    for (const kind of TYPO_KINDS) {
      const word = ["Duration", "request", "SERVER", "Anthropic"][n % 4]!;
      const typo = mistype(word, kind, rand)!;
      assert.equal(editKind(word, typo), kind, `${word} -> ${typo}`);
    }
  }
  // A swap of two equal letters would change nothing: no swap is possible in "aaaa".
  assert.equal(mistype("aaaa", "swap", rand), undefined);
  assert.deepEqual(QWERTY_NEIGHBOURS.get("s"), "adwezx");
  assert.deepEqual(QWERTY_NEIGHBOURS.get("p"), "ol");
});
