// A table from an answer or an excerpt, opened in an editor tab (issue 23 item 1): a table wider than
// the sidebar scrolls sideways there, and its "Open table" button shows it whole as a read-only
// Markdown document (a `docent-table:` URI served from memory: nothing to save, nothing on disk).
// The view sends it with its columns padded (webview/wideTables.ts), so the editor shows them aligned.
import * as vscode from "vscode";
import { Disposable } from "../disposable.js";

const SCHEME = "docent-table";
/** The tables kept for their tabs (an old tab that is reopened shows an empty document). */
const KEPT = 20;

export class TableDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly tables = new Map<string, string>();
  private opened = 0;

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.tables.get(uri.path) ?? "";
  }

  /** Opens the table's Markdown in an editor tab; returns the document's URI. */
  async open(markdown: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/Table ${++this.opened}.md` });
    this.tables.set(uri.path, markdown);
    if (this.tables.size > KEPT) this.tables.delete(this.tables.keys().next().value!);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return uri;
  }
}
