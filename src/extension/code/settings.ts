// The code check's settings (`docent.codeCheck.*`), read through typed getters.
import * as vscode from "vscode";

export type CheckSeverity = "error" | "warning" | "information" | "hint";

export function codeCheckEnabled(): boolean {
  return vscode.workspace.getConfiguration("docent").get<boolean>("codeCheck.enabled", true);
}

/** The severity of undefined and misspelled names (deprecated names and unit or instrument mismatches are warnings). */
export function undefinedNameSeverity(): vscode.DiagnosticSeverity {
  const value = vscode.workspace.getConfiguration("docent").get<CheckSeverity>("codeCheck.severity", "information");
  switch (value) {
    case "error":
      return vscode.DiagnosticSeverity.Error;
    case "warning":
      return vscode.DiagnosticSeverity.Warning;
    case "hint":
      return vscode.DiagnosticSeverity.Hint;
    default:
      return vscode.DiagnosticSeverity.Information;
  }
}

export function affectsCodeCheck(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration("docent.codeCheck");
}
