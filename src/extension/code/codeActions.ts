// Quick fixes for the code check's diagnostics: "Did you mean …" rewrites a misspelled name, a
// deprecated name becomes the replacement the docs name, a wrong unit becomes the documented one,
// and "Explain with Docent" asks the chat about the name.
import * as vscode from "vscode";
import type { Finding } from "../../shared/codeCheck/types.js";
import { DIAGNOSTIC_SOURCE, type CodeDiagnostics } from "./codeDiagnostics.js";
import { CODE_SELECTOR } from "./completion.js";

function replace(document: vscode.TextDocument, start: number, end: number, text: string): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(end)), text);
  return edit;
}

function fix(title: string, diagnostic: vscode.Diagnostic, edit: vscode.WorkspaceEdit, preferred: boolean): vscode.CodeAction {
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.edit = edit;
  action.isPreferred = preferred;
  return action;
}

/** The quick fixes for one finding. */
export function actionsFor(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, f: Finding): vscode.CodeAction[] {
  const actions: vscode.CodeAction[] = [];
  if (f.kind === "misspelled")
    f.suggestions.forEach((s, i) => actions.push(fix(`Did you mean "${s}"?`, diagnostic, replace(document, f.start, f.end, s), i === 0)));
  if (f.kind === "deprecated" && f.suggestions[0])
    actions.push(fix(`Use "${f.suggestions[0]}" (the docs deprecate "${f.name}")`, diagnostic, replace(document, f.start, f.end, f.suggestions[0]), true));
  if (f.kind === "unit" && f.expected && f.unitRange)
    actions.push(fix(`Use the documented unit "${f.expected}"`, diagnostic, replace(document, f.unitRange.start, f.unitRange.end, f.expected), true));
  const explained = f.kind === "misspelled" ? f.suggestions[0]! : f.name;
  const explain = new vscode.CodeAction(`Explain "${explained}" with Docent`, vscode.CodeActionKind.QuickFix);
  explain.diagnostics = [diagnostic];
  explain.command = { title: "Explain with Docent", command: "docent.explainMetric", arguments: [explained] };
  actions.push(explain);
  return actions;
}

export function registerCodeActions(diagnostics: CodeDiagnostics): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(
    CODE_SELECTOR,
    {
      provideCodeActions(document, _range, context) {
        const actions: vscode.CodeAction[] = [];
        for (const diagnostic of context.diagnostics) {
          if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
          const finding = diagnostics.findingFor(document, diagnostic);
          if (finding) actions.push(...actionsFor(document, diagnostic, finding));
        }
        return actions;
      },
    },
    { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
  );
}
