// MDX (Docusaurus and the like) read as the Markdown it holds, line for line: `import` and `export`
// statements and lines that are only JSX tags are not text (a TabItem's label is kept, in bold),
// admonitions (`:::note Title` .. `:::`) keep their text under a bold label, code fences are left alone.
// The result has the file's line count, so the Markdown scanner's line numbers are the file's.

const ADMONITION_LABELS: Record<string, string> = {
  note: "Note",
  tip: "Tip",
  info: "Info",
  warning: "Warning",
  caution: "Caution",
  danger: "Danger",
  important: "Important",
};
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** A line that is only JSX tags of components (`<Tabs>`, `<TabItem value="a" label="A">`, `</Tabs>`, `<Foo />`). */
function isComponentTagLine(t: string): boolean {
  if (!t.startsWith("<") || !t.endsWith(">")) return false;
  const c = t.charCodeAt(t[1] === "/" ? 2 : 1);
  return (c >= 65 && c <= 90) || t === "<>" || t === "</>";
}

/** The value of `name="..."` in a tag (a short scan, no regular expression over the line). */
function attribute(tag: string, name: string): string | undefined {
  const at = tag.indexOf(` ${name}=`);
  if (at < 0) return undefined;
  const quote = tag[at + name.length + 2];
  if (quote !== '"' && quote !== "'") return undefined;
  const end = tag.indexOf(quote, at + name.length + 3);
  return end < 0 ? undefined : tag.slice(at + name.length + 3, end);
}

export function mdxAsMarkdown(lines: readonly string[]): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  /** Inside a multi-line `import {` .. `} from "x"` or `export` statement. */
  let statement = false;
  for (const line of lines) {
    const t = line.trim();
    if (fence) {
      out.push(line);
      if (t.startsWith(fence)) fence = undefined;
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = open[1]!.slice(0, 3);
      out.push(line);
      continue;
    }
    if (statement) {
      out.push("");
      if (t === "" || t.includes(" from ") || t.startsWith("}") || t.endsWith(";")) statement = false;
      continue;
    }
    if (line.startsWith("import ") || line.startsWith("export ")) {
      out.push("");
      statement = !(t.includes(" from ") || t.endsWith(";") || (line.startsWith("import ") && /^import\s+["']/.test(t)));
      continue;
    }
    if (t.startsWith(":::")) {
      const rest = t.slice(3).trim();
      const space = rest.indexOf(" ");
      const kind = (space < 0 ? rest : rest.slice(0, space)).toLowerCase();
      const label = ADMONITION_LABELS[kind];
      out.push(label ? `**${label}:**${space < 0 ? "" : ` ${rest.slice(space + 1)}`}` : "");
      continue;
    }
    if (t.startsWith("{/*") && t.endsWith("*/}")) {
      out.push("");
      continue;
    }
    if (isComponentTagLine(t)) {
      const label = t.startsWith("</") ? undefined : (attribute(t, "label") ?? attribute(t, "title"));
      out.push(label ? `**${label}**` : "");
      continue;
    }
    out.push(line);
  }
  return out;
}
