// reStructuredText and plain text into blocks: RST section titles (underlined, or over- and
// underlined: levels in the order their styles first appear), and paragraphs.
import type { Block } from "./chunkTypes.js";
import { capHeading } from "./headingText.js";

const RST_ADORNMENT = /^([=\-`:'"~^_*+#<>.])\1{2,}\s*$/;

export function parseRstBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  const styles: string[] = [];
  let paraStart = -1;
  const flushPara = (endExclusive: number) => {
    if (paraStart >= 0 && endExclusive > paraStart) {
      blocks.push({ kind: "para", startLine: paraStart + 1, endLine: endExclusive, lines: lines.slice(paraStart, endExclusive) });
    }
    paraStart = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    const hasOverline = RST_ADORNMENT.test(line) && next !== undefined && next.trim() !== "" && RST_ADORNMENT.test(lines[i + 2] ?? "");
    if (hasOverline) {
      flushPara(i);
      const style = "o" + line.trim()[0];
      if (!styles.includes(style)) styles.push(style);
      blocks.push({
        kind: "heading",
        startLine: i + 1,
        endLine: i + 3,
        lines: lines.slice(i, i + 3),
        level: styles.indexOf(style) + 1,
        headingText: capHeading(next!.trim()),
      });
      i += 2;
      continue;
    }
    if (line.trim() !== "" && !RST_ADORNMENT.test(line) && next !== undefined && RST_ADORNMENT.test(next) && next.trim().length >= line.trim().length) {
      flushPara(i);
      const style = "u" + next.trim()[0];
      if (!styles.includes(style)) styles.push(style);
      blocks.push({
        kind: "heading",
        startLine: i + 1,
        endLine: i + 2,
        lines: [line, next],
        level: styles.indexOf(style) + 1,
        headingText: capHeading(line.trim()),
      });
      i += 1;
      continue;
    }
    if (line.trim() === "") flushPara(i);
    else if (paraStart < 0) paraStart = i;
  }
  flushPara(lines.length);
  return blocks;
}

export function parseParagraphs(lines: string[], from: number): Block[] {
  const blocks: Block[] = [];
  let start = -1;
  for (let i = from; i <= lines.length; i++) {
    const blank = i === lines.length || lines[i]!.trim() === "";
    if (blank && start >= 0) {
      blocks.push({ kind: "para", startLine: start + 1, endLine: i, lines: lines.slice(start, i) });
      start = -1;
    } else if (!blank && start < 0) start = i;
  }
  return blocks;
}
