// Plain text into blocks: paragraphs (reStructuredText is read by formats/rst.ts).
import type { Block } from "./chunkTypes.js";

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
