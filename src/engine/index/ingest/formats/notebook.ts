// Jupyter notebooks (.ipynb) read as Markdown, line for line, so citations point into the notebook
// file: a Markdown cell's source lines are its text, a code cell's are code, fenced by the lines
// of its `"source": [` and `]` (the fences stand where the JSON array opens and closes); outputs,
// metadata and everything else are blank. Jupyter writes one source line per JSON line; a cell
// written more compactly has its text on the line where its source starts.

interface CellSource {
  kind: "markdown" | "code" | "raw";
  text: string[];
  /** 0-based line of the `"source"` key, and of the array's last line (the same when compact). */
  keyLine: number;
  endLine: number;
  /** Each text line on its own JSON line, right after the key's line. */
  oneLinePerLine: boolean;
}

/**
 * Where each cell's `"source"` is in the file: a scan of the JSON text that skips strings and keeps a
 * stack of open containers, so a `"source"` key inside an output's data is not taken for the cell's.
 */
function sourceLines(json: string, cellCount: number): { keyLine: number; endLine: number; breaks: number }[] {
  const found: { keyLine: number; endLine: number; breaks: number }[] = [];
  // The container stack: "{" or "[", with the key each object is under.
  const stack: { type: string; key?: string }[] = [];
  let line = 0;
  let lastString = "";
  let pendingKey: string | undefined;
  let source: { keyLine: number; depth: number; startLine: number } | undefined;
  for (let i = 0; i < json.length && found.length < cellCount; i++) {
    const c = json.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 34) {
      // A string: skip to its closing quote; it is a key when a colon follows.
      let j = i + 1;
      while (j < json.length && json.charCodeAt(j) !== 34) j += json.charCodeAt(j) === 92 ? 2 : 1;
      lastString = json.slice(i + 1, Math.min(j, i + 33));
      i = j;
    } else if (c === 58) pendingKey = lastString;
    else if (c === 123 || c === 91) {
      stack.push({ type: c === 123 ? "{" : "[", ...(pendingKey !== undefined ? { key: pendingKey } : {}) });
      // root { > "cells" [ > cell { > "source" [
      if (c === 91 && pendingKey === "source" && stack.length === 4 && stack[1]!.key === "cells")
        source = { keyLine: line, depth: stack.length, startLine: line };
      pendingKey = undefined;
    } else if (c === 125 || c === 93) {
      if (source && c === 93 && stack.length === source.depth) {
        found.push({ keyLine: source.keyLine, endLine: line, breaks: line - source.startLine });
        source = undefined;
      }
      stack.pop();
    } else if (c === 44) pendingKey = undefined;
  }
  return found;
}

export function notebookAsMarkdown(source: string, lines: readonly string[]): string[] {
  const out = new Array<string>(lines.length).fill("");
  const nb = JSON.parse(source) as {
    cells?: { cell_type?: string; source?: string | string[] }[];
    metadata?: { kernelspec?: { language?: string }; language_info?: { name?: string } };
  };
  const cells = Array.isArray(nb.cells) ? nb.cells : [];
  const language = nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language ?? "";
  const places = sourceLines(source, cells.length);
  cells.forEach((cell, k) => {
    const place = places[k];
    if (!place) return;
    const raw = Array.isArray(cell.source) ? cell.source.join("") : typeof cell.source === "string" ? cell.source : "";
    const text = raw.replace(/\n$/, "").split("\n");
    const parsed: CellSource = {
      kind: cell.cell_type === "code" ? "code" : cell.cell_type === "markdown" ? "markdown" : "raw",
      text,
      keyLine: place.keyLine,
      endLine: place.endLine,
      oneLinePerLine:
        Array.isArray(cell.source) && place.breaks === cell.source.length + 1 && cell.source.every((s, i) => i === cell.source!.length - 1 || s.endsWith("\n")),
    };
    place_(out, parsed, language);
  });
  return out;
}

function place_(out: string[], cell: CellSource, language: string): void {
  if (cell.kind === "raw" || (cell.text.length === 1 && cell.text[0] === "")) return;
  if (cell.oneLinePerLine) {
    cell.text.forEach((t, j) => (out[cell.keyLine + 1 + j] = t));
    if (cell.kind === "code") {
      out[cell.keyLine] = "```" + language;
      out[cell.endLine] = "```";
    }
    return;
  }
  // Compact: the cell's text on its key's line (code as inline code).
  const joined = cell.text.join(" ").trim();
  out[cell.keyLine] = cell.kind === "code" ? `\`${joined.replace(/`/g, "'")}\`` : joined;
}
