// Words of Chinese, Japanese and Korean text, which is written without spaces between words: runs
// of those scripts are cut into words by ICU's dictionary segmenter (Intl.Segmenter), for the
// docs and the queries alike. Text in other scripts never comes here (see tokenizer.ts).

/** Han, Hiragana, Katakana and Hangul, with the marks they share (`ー`, `々`). */
const CJK_RUN = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]+/gu;
const HAS_CJK = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;
const HANGUL = /^\p{scx=Hangul}+$/u;

/** Whether a word holds any Chinese, Japanese or Korean character. */
export const hasCjk = (text: string): boolean => HAS_CJK.test(text);

/**
 * Pieces of a word as written, in order: runs of CJK script (`cjk: true`) and what lies between
 * them (`HTTPサーバー` is `HTTP` and `サーバー`).
 */
export function scriptRuns(word: string): { text: string; cjk: boolean }[] {
  const runs: { text: string; cjk: boolean }[] = [];
  let at = 0;
  for (const m of word.matchAll(CJK_RUN)) {
    if (m.index > at) runs.push({ text: word.slice(at, m.index), cjk: false });
    runs.push({ text: m[0], cjk: true });
    at = m.index + m[0].length;
  }
  if (at < word.length) runs.push({ text: word.slice(at), cjk: false });
  return runs;
}

/**
 * ICU's segmenter takes time quadratic in the length of a run it finds no word break in (100,000
 * of one kanji: 30 s), so a run is segmented in windows of this many code units; sentences end
 * at punctuation, which never reaches here, so real runs are far shorter.
 */
const WINDOW = 256;
const segmenter = new Intl.Segmenter("ja", { granularity: "word" });
/** Words per window: a repeated window (2 MB of one character) is segmented once. Bounded. */
const windowCache = new Map<string, readonly string[]>();

/** The words of a run of CJK characters, in order. */
export function cjkWords(run: string): string[] {
  const words: string[] = [];
  for (let start = 0; start < run.length;) {
    let end = Math.min(run.length, start + WINDOW);
    // Never between the two halves of a surrogate pair (the rarer Han characters).
    if (end < run.length && (run.charCodeAt(end) & 0xfc00) === 0xdc00) end--;
    const window = run.slice(start, end);
    let found = windowCache.get(window);
    if (found === undefined) {
      found = segmentWindow(window);
      if (windowCache.size > 20_000) windowCache.clear();
      windowCache.set(window, found);
    }
    for (const w of found) words.push(w);
    start = end;
  }
  return words;
}

function segmentWindow(window: string): string[] {
  const words: string[] = [];
  for (const s of segmenter.segment(window)) {
    if (!s.isWordLike) continue;
    words.push(s.segment);
    const bare = HANGUL.test(s.segment) ? withoutParticle(s.segment) : undefined;
    if (bare) words.push(bare);
  }
  return words;
}

/**
 * Korean separates words by spaces, but writes a word's particle onto it (`캐시의`, `히트율을`),
 * and ICU keeps the two together: the word is also indexed without it, as English words are
 * stemmed. Longest particles first; at least one syllable of the word stays.
 */
const PARTICLES = [
  "에서는",
  "이라는",
  "으로는",
  "에서",
  "에게",
  "으로",
  "까지",
  "부터",
  "처럼",
  "보다",
  "라는",
  "에는",
  "와",
  "과",
  "의",
  "을",
  "를",
  "이",
  "가",
  "은",
  "는",
  "에",
  "로",
  "도",
  "만",
];

function withoutParticle(word: string): string | undefined {
  for (const p of PARTICLES) if (word.length > p.length && word.endsWith(p)) return word.slice(0, -p.length);
  return undefined;
}
