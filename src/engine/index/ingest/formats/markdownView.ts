// A converted document's lines as Markdown, one entry per source line: each block's Markdown lines
// start at the block's first source line, the lines it does not need are blank. The card, excerpt
// and citation code read files through this view (src/engine/index/search/fileLines.ts), so they see a
// pipe table where the source has an AsciiDoc or HTML table, at the source's own line numbers.
import type { Block } from "./block.js";

/**
 * A block with more Markdown lines than source lines (an HTML table written on one line) has its
 * extra lines joined into its last line, so that every block fits its source range and the view
 * never shifts a line.
 */
export function fitToSourceLines(block: Block): Block {
  const span = block.endLine - block.startLine + 1;
  if (block.lines.length <= span) return block;
  if (block.kind === "fence" && span >= 3) {
    // Code keeps its opening and closing fence lines: its last lines are joined instead.
    const kept = block.lines.slice(0, span - 2);
    kept.push(block.lines.slice(span - 2, -1).join(" "), block.lines[block.lines.length - 1]!);
    return { ...block, lines: kept };
  }
  const kept = block.lines.slice(0, span - 1);
  kept.push(block.lines.slice(span - 1).join(" "));
  return { ...block, lines: kept };
}

export function markdownView(lineCount: number, blocks: readonly Block[]): string[] {
  const view = new Array<string>(lineCount).fill("");
  const written = new Uint8Array(lineCount);
  for (const block of blocks) {
    block.lines.forEach((line, k) => {
      const at = block.startLine - 1 + k;
      // The first block on a line keeps it (a heading sharing its line with the block before it in minified HTML).
      if (at < lineCount && at <= block.endLine - 1 && !written[at]) {
        view[at] = line;
        written[at] = 1;
      }
    });
  }
  return view;
}
