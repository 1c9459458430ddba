// The code check in the editor: diagnostics for names the docs do not define, misspell or
// deprecate, and for metric calls whose instrument or unit differs from the docs. Recomputed for
// the changed document only, debounced; every open document when the names or settings change.
import * as vscode from "vscode";
import { checkText } from "../../shared/codeCheck/check.js";
import { isCheckedFamily, languageFamily } from "../../shared/codeCheck/literals.js";
import type { Finding } from "../../shared/codeCheck/types.js";
import { Disposable } from "../disposable.js";
import type { CodeNames } from "./codeNames.js";
import { affectsCodeCheck, codeCheckEnabled, undefinedNameSeverity } from "./settings.js";

const DEBOUNCE_MS = 250;
export const DIAGNOSTIC_SOURCE = "Docent";

export class CodeDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection("docent"));
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Each checked document's findings beside its diagnostics, for the quick fixes. */
  private readonly findings = new Map<string, { version: number; diagnostics: vscode.Diagnostic[]; findings: Finding[] }>();

  constructor(private readonly names: CodeNames) {
    super();
    this.register(names.onDidChange(() => this.checkAll()));
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.check(d)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.schedule(e.document)));
    this.register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        // VS Code disposes a closed document late: by then a new untitled editor may have taken the
        // same URI (Untitled-1), and its diagnostics must stay.
        const key = d.uri.toString();
        if (!vscode.workspace.textDocuments.some((open) => !open.isClosed && open.uri.toString() === key)) this.clear(d.uri);
      }),
    );
    this.register(vscode.workspace.onDidChangeConfiguration((e) => affectsCodeCheck(e) && this.checkAll()));
    this.register({ dispose: () => this.timers.forEach((t) => clearTimeout(t)) });
    this.checkAll();
  }

  private checkAll(): void {
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(document);
      }, DEBOUNCE_MS),
    );
  }

  private clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
    this.findings.delete(uri.toString());
  }

  /** Checks one document now (tests and the debounced change call it). */
  check(document: vscode.TextDocument): void {
    const names = this.names.names;
    const family = languageFamily(document.languageId);
    if (document.isClosed || (document.uri.scheme !== "file" && document.uri.scheme !== "untitled") || !isCheckedFamily(family)) return;
    if (!names || !codeCheckEnabled()) {
      this.clear(document.uri);
      return;
    }
    const findings = checkText(document.getText(), family, names);
    const severity = undefinedNameSeverity();
    const diagnostics = findings.map((f) => {
      const range = new vscode.Range(document.positionAt(f.start), document.positionAt(f.end));
      const level = f.kind === "undefined" || f.kind === "misspelled" ? severity : vscode.DiagnosticSeverity.Warning;
      const diagnostic = new vscode.Diagnostic(range, f.message, level);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = f.kind;
      if (f.kind === "deprecated") diagnostic.tags = [vscode.DiagnosticTag.Deprecated];
      return diagnostic;
    });
    this.collection.set(document.uri, diagnostics);
    this.findings.set(document.uri.toString(), { version: document.version, diagnostics, findings });
  }

  /**
   * The finding behind one of this collection's diagnostics, while the document is still the
   * version it was checked at (a fix computed on older text would edit the wrong characters).
   */
  findingFor(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): Finding | undefined {
    const entry = this.findings.get(document.uri.toString());
    if (!entry || entry.version !== document.version) return undefined;
    const i = entry.diagnostics.findIndex(
      (d) => d === diagnostic || (d.range.isEqual(diagnostic.range) && d.code === diagnostic.code && d.message === diagnostic.message),
    );
    return i >= 0 ? entry.findings[i] : undefined;
  }
}
