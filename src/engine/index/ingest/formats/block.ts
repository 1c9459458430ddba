// What a format's scanner gives the chunker: the document's blocks, each with its 1-based source line
// range and its text as Markdown lines (a heading as `## Text`, a table as a pipe table, code as a fence).

import type { Block } from "../chunkTypes.js";

export type { Block, BlockKind } from "../chunkTypes.js";

/** A format other than Markdown, read into Markdown blocks. */
export interface ScannedDocument {
  blocks: Block[];
  /** The document's own title (AsciiDoc's `= Title`, HTML's `<title>`), if it has one. */
  title?: string;
  /** What the reader of the log should know (an `include::` not followed). */
  notes: string[];
}
