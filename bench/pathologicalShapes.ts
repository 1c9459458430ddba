// The hostile Markdown documents of the pathological benches (bench/pathological.ts times indexing
// them, bench/pathologicalAnswer.ts the answer path over them): each generator returns about `size` bytes.

/** Repeats a unit until the text is about `size` characters. */
const fill = (unit: string, budget: number) => unit.repeat(Math.max(1, Math.floor(budget / unit.length)));

/** Repeats a unit until the text is about `size` bytes in UTF-8 (for units beyond ASCII). */
const fillBytes = (unit: string, budget: number) => fill(unit, (budget * unit.length) / Buffer.byteLength(unit));

/** `count` Han characters drawn from the common block by a fixed LCG: no window repeats, no word breaks. */
function randomHan(count: number): string {
  const codes = new Array<number>(count);
  for (let i = 0, x = 1; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    codes[i] = 0x4e00 + (x % 0x5000);
  }
  let out = "";
  for (let i = 0; i < count; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}

/** Each generator returns a document of about `size` bytes (ASCII, so characters = bytes, except the CJK ones, sized in bytes). */
export const PATHOLOGICAL: Record<string, (size: number) => string> = {
  "long-heading": (n) => "# a" + " ".repeat(n - 5) + "b\n",
  "long-heading-words": (n) => "# " + fill("word ", n / 2) + "\n\n" + fill("Body text here.\n\n", n / 2),
  "long-line": (n) => "a".repeat(n),
  "repeated-pieces": (n) => fill("word ", n),
  "long-fence": (n) => "# Code\n\n```js\n" + fill("const x = compute(1, 2);\n", n - 40) + "```\n",
  "tag-run-in-fence": (n) => "```\n" + fill("<a", n - 10) + "\n```\n",
  "tag-run": (n) => fill("<a", n),
  "link-target-run": (n) => fill("](", n),
  "link-title-run": (n) => fill('](x "', n),
  "many-headings": (n) => fill("## Heading\n\nSome text.\n\n", n),
  "huge-table": (n) => "| Name | Value |\n| --- | --- |\n" + fill("| `metric.name` | 42 |\n", n - 40),
  "table-delimiter-spaces": (n) => "a | b\n-" + " ".repeat(n - 10) + "x\n",
  "table-delimiter-pipes": (n) => "a | b\n" + fill("| - ", n - 10) + "x\n",
  "deep-blockquote": (n) => fill(">", n - 4) + " x\n",
  "deep-list": (n) => fill("- ", n - 4) + "x\n",
  "indented-list": (n) => {
    const lines: string[] = [];
    let total = 0;
    for (let i = 0; total < n; i++) {
      const line = " ".repeat(i) + "- item\n";
      lines.push(line);
      total += line.length;
    }
    return lines.join("").slice(0, n);
  },
  "comment-storm-open": (n) => fill("<!--\n", n),
  "comment-storm-closed": (n) => fill("<!-- a --> text\n", n),
  "comment-storm-one-line": (n) => fill("<!-- a -->", n),
  "front-matter-title": (n) => "---\ntitle: a" + " ".repeat(n - 30) + "b\n---\n\ntext\n",
  "heading-anchor-run": (n) => "# " + fill("{#", n - 4) + "\n",
  "heading-bracket-run": (n) => "# " + fill("[", n - 4) + "\n",
  "heading-link-run": (n) => "# " + fill("[](", n - 4) + "\n",
  "heading-tag-run": (n) => "# " + fill("<", n - 4) + "\n",
  "heading-emphasis-run": (n) => "# __" + fill("**a", n - 6) + "\n",
  "pipe-lines-leading-spaces": (n) => fill(" ".repeat(990) + "|\n", n),
  "blank-lines": (n) => "\n".repeat(n),
  "cjk-one-char": (n) => fillBytes("率", n - 4),
  "cjk-one-hangul": (n) => fillBytes("한", n - 4),
  "cjk-random-han": (n) => randomHan(Math.floor((n - 4) / 3)),
  "cjk-mixed-scripts": (n) => fillBytes("HTTPサーバーの設定db.query캐시의率𠮷", n - 4),
  "cjk-mixed-sentences": (n) => fillBytes("キャッシュのヒット率を計算する。The cache hit ratio 캐시의 히트율을 계산한다. ", n - 4),
};
