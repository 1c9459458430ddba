// Docs-aware code in the editor (docs/code-check.md): the defined names kept in the extension host,
// completion of them, the code check's diagnostics and their quick fixes. One object the extension
// creates, and tells when the index changed.
import type * as vscode from "vscode";
import { Disposable } from "../disposable.js";
import type { EngineClient } from "../engineClient.js";
import { registerCodeActions } from "./codeActions.js";
import { CodeDiagnostics } from "./codeDiagnostics.js";
import { CodeNames } from "./codeNames.js";
import { registerNameCompletion } from "./completion.js";

export class CodeCheck extends Disposable {
  readonly names: CodeNames;
  readonly diagnostics: CodeDiagnostics;

  constructor(engine: () => EngineClient | undefined, log: vscode.LogOutputChannel) {
    super();
    this.names = this.register(new CodeNames(engine, log));
    this.diagnostics = this.register(new CodeDiagnostics(this.names));
    this.register(registerNameCompletion(this.names));
    this.register(registerCodeActions(this.diagnostics));
  }

  /** The engine reports "ready" (the index may have changed): the names are asked for, and come only when they changed. */
  indexChanged(): void {
    void this.names.refresh();
  }
}
