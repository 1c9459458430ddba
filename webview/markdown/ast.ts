// The Markdown AST: the blocks and inlines `parseMarkdown` builds and `renderMarkdown` renders.
//
// Renders model output (draft, answer) as Markdown without ever parsing HTML: `parseMarkdown` turns
// text into a small AST (pure, tested in Node), and `renderMarkdown` builds elements and text nodes
// from it. Tags in the text stay text; links are shown with their URL and are never clickable.

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  /** Shown as its text and its URL; never an anchor. Images come out as links too. */
  | { type: "link"; children: Inline[]; url: string }
  /** `[1]` or `[1, 2]`; whether a number names a source is decided when rendering. */
  | { type: "citation"; numbers: number[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: number; children: Inline[] }
  /** Each item is a list of blocks (a tight item is a single paragraph). */
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "code"; lang: string; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "table"; header: Inline[][]; rows: Inline[][][] }
  | { type: "rule" };

/** Nesting beyond this (lists, quotes, emphasis) is kept as plain text, so no input can recurse deeply. */
export const MAX_DEPTH = 8;
