// Opening what the chat cites: a source at its lines, and links in answers and excerpts. A source
// is shown with its lines highlighted by a decoration and scrolled to the top, the cursor at the
// first cited line with nothing selected, and the keyboard left in the chat: a keystroke can never
// replace the cited lines (a live selection once let one keystroke delete 18 lines of a doc).
// Links open only files inside the workspace; web links go through the editor's own external-link
// confirmation (vscode.env.openExternal); anything else stays text.
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { relativeInside } from "../../shared/node/paths.js";

/** The highlight of the cited lines: the editor's own "find range" colour, whole lines, in the overview ruler too. */
const citedLines = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
  overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.rangeHighlightForeground"),
  overviewRulerLane: vscode.OverviewRulerLane.Full,
});

/** The file lies inside a workspace folder (after resolving `..`). */
export function insideWorkspace(file: string): boolean {
  const uri = vscode.Uri.file(path.resolve(file));
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return Boolean(folder && relativeInside(folder.uri.fsPath, uri.fsPath) !== undefined);
}

/** The highlighted lines of the last opened source, for tests: file and 1-based lines. */
export let lastHighlight: { file: string; startLine: number; endLine: number } | undefined;

/** Opens a cited file at its lines, only if it lies inside a workspace folder. */
export async function openSource(file: string, startLine: number, endLine: number, log: vscode.LogOutputChannel): Promise<boolean> {
  if (!insideWorkspace(file)) {
    log.warn(`Refused to open ${file}: it is outside the workspace`);
    void vscode.window.showWarningMessage(`Docent only opens files inside the workspace (${file}).`);
    return false;
  }
  const uri = vscode.Uri.file(file);
  const editor = await vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.One, preserveFocus: true });
  const start = editor.document.validatePosition(new vscode.Position(startLine - 1, 0));
  const end = editor.document.validatePosition(new vscode.Position(Math.max(startLine - 1, endLine - 1), Number.MAX_SAFE_INTEGER));
  // An empty selection at the first cited line: the status bar shows it, and typing (once the user
  // clicks into the editor) inserts rather than replaces.
  editor.selection = new vscode.Selection(start, start);
  editor.setDecorations(citedLines, [new vscode.Range(start, end)]);
  editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.AtTop);
  lastHighlight = { file, startLine: start.line + 1, endLine: end.line + 1 };
  return true;
}

/** Drops the highlight once the user edits that document (the cited lines no longer hold). */
export function registerHighlightReset(): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length === 0 || lastHighlight?.file !== e.document.uri.fsPath) return;
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === e.document) editor.setDecorations(citedLines, []);
    lastHighlight = undefined;
  });
}

/** What a link in the chat leads to. */
export type LinkTarget = { kind: "web"; uri: vscode.Uri } | { kind: "file"; file: string; fragment: string } | { kind: "refused"; reason: string };

const WEB = /^(https?|mailto):/i;
/** A scheme (two letters or more, so "C:" is not one). */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * Where a link from an answer or excerpt leads: a web link (http, https, mailto), or a file that a
 * relative link names, resolved against the directories of the files it may come from (`bases`:
 * the excerpt's file first, then the answer's other sources). Only an existing file inside the
 * workspace; every other scheme (javascript:, command:, file:, vscode:, data:) is refused.
 */
export function resolveLink(href: string, bases: string[]): LinkTarget {
  const link = href.trim();
  if (WEB.test(link)) {
    try {
      return { kind: "web", uri: vscode.Uri.parse(link, true) };
    } catch {
      return { kind: "refused", reason: "not a valid web address" };
    }
  }
  if (SCHEME.test(link) || link.startsWith("//")) return { kind: "refused", reason: "only web links and links to files in the workspace open" };
  const hash = link.indexOf("#");
  const target = decodeSafely(hash >= 0 ? link.slice(0, hash) : link);
  const fragment = hash >= 0 ? link.slice(hash + 1) : "";
  if (!target) return { kind: "refused", reason: "a link within the same page" };
  // A link starting with "/" is relative to the workspace folder, as docs sites treat it.
  const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  const candidates = target.startsWith("/") ? roots.map((r) => path.join(r, target)) : bases.map((b) => path.resolve(path.dirname(b), target));
  for (const file of candidates) {
    if (!insideWorkspace(file)) continue;
    try {
      if (existsSync(file) && statSync(file).isFile()) return { kind: "file", file, fragment };
    } catch {
      // An unreadable path is no target.
    }
  }
  return { kind: "refused", reason: candidates.some(insideWorkspace) ? "no such file in the workspace" : "it leads outside the workspace" };
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Opens a link's target: a web link after the editor's confirmation, a file at the heading its fragment names. */
export async function openLink(href: string, bases: string[], log: vscode.LogOutputChannel): Promise<LinkTarget> {
  const target = resolveLink(href, bases);
  switch (target.kind) {
    case "web":
      // openExternal asks before it opens a site the user has not trusted (the editor's link protection).
      await vscode.env.openExternal(target.uri);
      break;
    case "file": {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target.file));
      const line = target.fragment ? headingLine(doc, target.fragment) : 0;
      const editor = await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One, preserveFocus: true });
      const at = new vscode.Position(line, 0);
      editor.selection = new vscode.Selection(at, at);
      editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.AtTop);
      break;
    }
    case "refused":
      log.warn(`Did not open the link ${JSON.stringify(href.slice(0, 300))}: ${target.reason}`);
      void vscode.window.showWarningMessage(`Docent did not open ${href.slice(0, 200)}: ${target.reason}.`);
      break;
  }
  return target;
}

/** The line of the Markdown heading whose GitHub-style slug is `fragment` (0 when none is). */
function headingLine(doc: vscode.TextDocument, fragment: string): number {
  const wanted = decodeSafely(fragment).toLowerCase();
  for (let i = 0; i < doc.lineCount; i++) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(doc.lineAt(i).text);
    if (m && slug(m[1]!) === wanted) return i;
  }
  return 0;
}

function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[`*_~[\]()]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}
