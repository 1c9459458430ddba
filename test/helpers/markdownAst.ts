// Walking the chat's Markdown AST in tests: every inline node of the blocks, in document order.
import type { Block, Inline } from "../../webview/markdown/ast.js";

/** Every inline node, nested ones (inside emphasis and links) after their parent; tables' cells included. */
export function allInlines(blocks: Block[]): Inline[] {
  const out: Inline[] = [];
  const inl = (nodes: Inline[]) => {
    for (const n of nodes) {
      out.push(n);
      if (n.type === "strong" || n.type === "em" || n.type === "link") inl(n.children);
    }
  };
  const blk = (bs: Block[]) => {
    for (const b of bs) {
      if (b.type === "paragraph" || b.type === "heading") inl(b.children);
      else if (b.type === "quote") blk(b.children);
      else if (b.type === "list") b.items.forEach(blk);
      else if (b.type === "table") [b.header, ...b.rows].forEach((row) => row.forEach(inl));
    }
  };
  blk(blocks);
  return out;
}
