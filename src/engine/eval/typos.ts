// Questions as people type them: a seeded copy of a question set with one or two everyday typos
// in each question, for measuring how retrieval and the coverage check hold up (`docent eval --typos`).
import { mulberry32, seedFrom, shuffled } from "../util/random.js";

export const TYPO_KINDS = ["swap", "drop", "double", "neighbour"] as const;
/** Adjacent letters swapped, a letter dropped, a letter doubled, a letter replaced by a neighbouring QWERTY key. */
export type TypoKind = (typeof TYPO_KINDS)[number];

export interface Typo {
  kind: TypoKind;
  /** The word as written, and as mistyped. */
  word: string;
  typo: string;
  /** Offset of the word in the original text. */
  at: number;
}

/** Only words this long are mistyped: a typo in "how" or "the" changes nothing a search would notice. */
export const MIN_TYPO_WORD = 4;

const QWERTY_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/** Keys next to each letter: the same row left and right, and the two touching keys above and below (rows are staggered). */
export const QWERTY_NEIGHBOURS: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  QWERTY_ROWS.forEach((row, r) => {
    for (let i = 0; i < row.length; i++) {
      const near = [row[i - 1], row[i + 1], QWERTY_ROWS[r - 1]?.[i], QWERTY_ROWS[r - 1]?.[i + 1], QWERTY_ROWS[r + 1]?.[i - 1], QWERTY_ROWS[r + 1]?.[i]];
      map.set(row[i]!, near.filter((k): k is string => k !== undefined).join(""));
    }
  });
  return map;
})();

const pick = <T>(items: readonly T[], rand: () => number): T => items[Math.floor(rand() * items.length)]!;

/** The word with one typo of the given kind at a random place, or undefined when that kind cannot change it. */
export function mistype(word: string, kind: TypoKind, rand: () => number): string | undefined {
  const positions = [...word].map((_, i) => i);
  switch (kind) {
    case "swap": {
      const at = positions.filter((i) => i + 1 < word.length && word[i] !== word[i + 1]);
      if (at.length === 0) return undefined;
      const i = pick(at, rand);
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    }
    case "drop": {
      const i = pick(positions, rand);
      return word.slice(0, i) + word.slice(i + 1);
    }
    case "double": {
      const i = pick(positions, rand);
      return word.slice(0, i + 1) + word.slice(i);
    }
    case "neighbour": {
      const at = positions.filter((i) => QWERTY_NEIGHBOURS.has(word[i]!.toLowerCase()));
      if (at.length === 0) return undefined;
      const i = pick(at, rand);
      const letter = word[i]!;
      const key = pick([...QWERTY_NEIGHBOURS.get(letter.toLowerCase())!], rand);
      return word.slice(0, i) + (letter === letter.toLowerCase() ? key : key.toUpperCase()) + word.slice(i + 1);
    }
  }
}

/**
 * One or two typos (as `rand` decides), each in a different word of at least four ASCII letters.
 * Words are runs of letters and digits, so each part of a dotted name (`http.server.request`) is a
 * word, and a run with digits or other letters (`gpt4`, `café`) is left alone.
 */
export function addTypos(text: string, rand: () => number): { text: string; typos: Typo[] } {
  const words = [...text.matchAll(/[\p{L}\p{N}]+/gu)].filter((m) => m[0].length >= MIN_TYPO_WORD && /^[A-Za-z]+$/.test(m[0]));
  const wanted = rand() < 0.5 ? 1 : 2;
  const typos: Typo[] = [];
  for (const m of shuffled(words, rand)) {
    if (typos.length === wanted) break;
    for (const kind of shuffled(TYPO_KINDS, rand)) {
      const typo = mistype(m[0], kind, rand);
      if (typo !== undefined) {
        typos.push({ kind, word: m[0], typo, at: m.index });
        break;
      }
    }
  }
  typos.sort((a, b) => a.at - b.at);
  let out = "";
  let from = 0;
  for (const t of typos) {
    out += text.slice(from, t.at) + t.typo;
    from = t.at + t.word.length;
  }
  return { text: out + text.slice(from), typos };
}

/**
 * The questions with typos, each question's from its own stream (seed and id), so that a question
 * gets the same typos whatever else is in the set or how it is ordered or cut (`--limit`).
 */
export function withTypos<Q extends { id: string; question: string }>(questions: readonly Q[], seed: number): (Q & { typos: Typo[] })[] {
  return questions.map((q) => {
    const { text, typos } = addTypos(q.question, mulberry32(seedFrom(`${seed}:${q.id}`)));
    return { ...q, question: text, typos };
  });
}
