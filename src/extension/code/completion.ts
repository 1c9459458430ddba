// Completion of defined names inside string literals of any language, and anywhere in Markdown and
// plain text: after a prefix that starts defined names, those names with their card's facts as
// detail ("Histogram · s · Duration of HTTP server requests."), stable first, deprecated marked.
import * as vscode from "vscode";
import { namesDetail } from "../../shared/codeCheck/namesIndex.js";
import type { DefinedName } from "../../shared/codeCheck/types.js";
import type { CodeNames } from "./codeNames.js";

/** Saved files and untitled editors, any language. */
export const CODE_SELECTOR: vscode.DocumentSelector = [{ scheme: "file" }, { scheme: "untitled" }];
const PROSE_LANGUAGES = new Set(["markdown", "plaintext", "mdx"]);
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const MAX_ITEMS = 200;

/** Where the name being typed starts, or undefined when the cursor is not where a name goes. */
export function namePrefixStart(line: string, character: number, prose: boolean): number | undefined {
  let start = character;
  while (start > 0 && NAME_CHAR.test(line[start - 1]!)) start--;
  if (start === character) return undefined;
  if (prose) return start;
  // In code: only inside a string literal, i.e. right after an opening quote that is still open.
  const quote = line[start - 1];
  if (quote !== '"' && quote !== "'" && quote !== "`") return undefined;
  let open: string | undefined;
  for (let i = 0; i < start - 1; i++) {
    const c = line[i]!;
    if (open) {
      if (c === "\\") i++;
      else if (c === open) open = undefined;
    } else if (c === '"' || c === "'" || c === "`") open = c;
  }
  return open === undefined ? start : undefined;
}

function item(d: DefinedName, range: vscode.Range, order: number): vscode.CompletionItem {
  const completion = new vscode.CompletionItem({ label: d.name, description: d.kind ?? d.stability }, vscode.CompletionItemKind.Constant);
  completion.detail = namesDetail(d);
  const docs = new vscode.MarkdownString();
  docs.appendText(d.description ?? "");
  if (d.stability) docs.appendMarkdown("\n\n").appendText(d.stability);
  docs.appendMarkdown("\n\n").appendText(`Defined in ${d.path}:${d.line}`);
  completion.documentation = docs;
  completion.range = range;
  completion.filterText = d.name;
  completion.sortText = String(order).padStart(4, "0");
  if (d.deprecated) completion.tags = [vscode.CompletionItemTag.Deprecated];
  return completion;
}

export function registerNameCompletion(names: CodeNames): vscode.Disposable {
  return vscode.languages.registerCompletionItemProvider(
    CODE_SELECTOR,
    {
      provideCompletionItems(document, position) {
        const index = names.names;
        if (!index) return undefined;
        const line = document.lineAt(position.line).text;
        const start = namePrefixStart(line, position.character, PROSE_LANGUAGES.has(document.languageId));
        if (start === undefined) return undefined;
        const found = index.complete(line.slice(start, position.character), MAX_ITEMS);
        if (!found.length) return undefined;
        const range = new vscode.Range(position.line, start, position.line, position.character);
        return new vscode.CompletionList(
          found.map((d, i) => item(d, range, i)),
          found.length === MAX_ITEMS,
        );
      },
    },
    ".",
    '"',
    "'",
    "`",
    "_",
  );
}
