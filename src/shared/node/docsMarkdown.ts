// Search results and definitions as Markdown for AI agents: the text that `docent mcp` and VS Code's
// language-model tools return, rendered by one function each. The link to the cited lines is made
// by the caller (a file:// URL in the CLI, a vscode.Uri in the extension).
import * as path from "node:path";
import type { Definition, SearchSection } from "../protocol.js";

/** A link that opens a file at its lines, e.g. `file:///abs/path#L60-L95`. */
export type LineLink = (file: string, startLine: number, endLine: number) => string;

/** A file name as Markdown link text: `[`, `]` and `\` escaped, so a name cannot close the link and start another. */
export function escapeLinkText(text: string): string {
  return text.replace(/[\\[\]]/g, "\\$&");
}

/** Indents every line of a block so it stays inside its Markdown list item. */
export function indentBlock(text: string, by = "   "): string {
  return text
    .split("\n")
    .map((l) => (l ? by + l : l))
    .join("\n");
}

/**
 * The sections as a numbered list: file and lines (linked), heading, score and how it matched, then
 * the text. `cutNote` says where the rest of a truncated section is (each caller has its own way).
 */
export function searchResultsMarkdown(
  sections: SearchSection[],
  options: { manyFolders: boolean; link: LineLink; cutNote: (s: SearchSection) => string },
): string {
  return sections
    .map((s) => {
      const shown = options.manyFolders ? `${path.basename(s.folder)}/${s.path}` : s.path;
      const how = s.term ? `exact name \`${s.term}\`` : s.matchedBy.join("+");
      const cut = s.truncated ? `\n\n   (${options.cutNote(s)})` : "";
      return `${s.rank}. [${escapeLinkText(shown)}:${s.startLine}-${s.endLine}](${options.link(s.file, s.startLine, s.endLine)}) ${s.heading} (score ${s.score}, ${how})\n\n${indentBlock(s.text)}${cut}`;
    })
    .join("\n\n");
}

/** A defined name: where it is defined (linked), its section's first paragraph and its definition-table row. */
export function definitionMarkdown(def: Definition, link: LineLink): string {
  const rows = def.details ? Object.entries(def.details).map(([k, v]) => `- ${k}: ${v}`) : [];
  return [
    `**\`${def.term}\`** is defined in [${escapeLinkText(def.path)}:${def.startLine}-${def.endLine}](${link(def.file, def.startLine, def.endLine)}), section "${def.heading}".`,
    def.summary,
    ...(rows.length ? [rows.join("\n")] : []),
  ]
    .filter(Boolean)
    .join("\n\n");
}
