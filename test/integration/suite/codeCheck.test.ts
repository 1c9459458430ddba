// Docs-aware code in a real VS Code (issue 22): completion of defined names inside a string, the
// code check's diagnostics and quick fixes (a misspelled name, a deprecated one, a wrong unit, the
// wrong instrument), its settings, and the hover and completion in an untitled editor.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { DocentApi } from "../../../src/extension/extension.js";
import { until } from "./support.js";

const EXTENSION_ID = "docent.docent";

let untitledCount = 0;

/**
 * An untitled TypeScript editor holding `text`, under a name of its own: a new "Untitled-1" could
 * get back the document of the editor the previous test closed, while VS Code had not yet
 * disposed it (its text, not `text`, was then read on a loaded CI machine).
 */
async function untitled(text: string): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.from({ scheme: "untitled", path: `code-check-${++untitledCount}.ts` });
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "typescript");
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, new vscode.Position(0, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  await vscode.window.showTextDocument(doc);
  assert.equal(doc.uri.scheme, "untitled");
  assert.equal(doc.getText(), text);
  return doc;
}

function docentDiagnostics(doc: vscode.TextDocument, code?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === "Docent" && (code === undefined || d.code === code));
}

/** Waits for Docent's diagnostic of this kind, once the names arrived and the check ran. */
function diagnostic(doc: vscode.TextDocument, code: string): Promise<vscode.Diagnostic> {
  return until(`a "${code}" diagnostic`, () => docentDiagnostics(doc, code)[0]);
}

async function quickFix(doc: vscode.TextDocument, d: vscode.Diagnostic, title: string): Promise<vscode.CodeAction> {
  const actions = (await vscode.commands.executeCommand(
    "vscode.executeCodeActionProvider",
    doc.uri,
    d.range,
    vscode.CodeActionKind.QuickFix.value,
  )) as vscode.CodeAction[];
  const action = actions.find((a) => a.title === title);
  assert.ok(action, `"${title}" among ${actions.map((a) => a.title).join(" | ")}`);
  return action;
}

async function completions(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = (await vscode.commands.executeCommand("vscode.executeCompletionItemProvider", doc.uri, position)) as vscode.CompletionList;
  return list.items;
}

const label = (item: vscode.CompletionItem) => (typeof item.label === "string" ? item.label : item.label.label);

export function registerCodeCheckSuite(): void {
  describe("Docs-aware code in VS Code", function () {
    before(async function () {
      const api = await vscode.extensions.getExtension<DocentApi>(EXTENSION_ID)!.activate();
      await api.whenReady(180_000);
    });

    afterEach(async function () {
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it('completion inside "http.se offers http.server.request.duration with its instrument, unit and description, in an untitled editor', async function () {
      const doc = await untitled('const h = meter.createHistogram("http.se');
      const end = doc.lineAt(0).range.end;
      const item = await until("the defined name among the completions", async () =>
        (await completions(doc, end)).find((i) => label(i) === "http.server.request.duration"),
      );
      assert.equal(item.detail, "Histogram · s · Duration of HTTP server requests.");
      // It replaces the typed prefix, from the quote on.
      const range = item.range as vscode.Range;
      assert.equal(range.start.character, 'const h = meter.createHistogram("'.length);
      const items = await completions(doc, end);
      const ours = items.filter((i) => typeof i.detail === "string" && i.detail.includes("·"));
      assert.ok(
        ours.every((i) => label(i).startsWith("http.se")),
        ours.map(label).join(", "),
      );
    });

    it("a misspelled name gets the diagnostic, and its quick fix rewrites it", async function () {
      const doc = await untitled('const h = meter.createHistogram("http.server.request.duraton", { unit: "s" });\n');
      const d = await diagnostic(doc, "misspelled");
      assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
      assert.match(d.message, /Did you mean "http\.server\.request\.duration"/);
      assert.equal(doc.getText(d.range), "http.server.request.duraton");
      const explain = await quickFix(doc, d, 'Explain "http.server.request.duration" with Docent');
      assert.deepEqual([explain.command?.command, explain.command?.arguments], ["docent.explainMetric", ["http.server.request.duration"]]);
      const fix = await quickFix(doc, d, 'Did you mean "http.server.request.duration"?');
      assert.ok(fix.isPreferred);
      assert.ok(await vscode.workspace.applyEdit(fix.edit!));
      assert.equal(doc.lineAt(0).text, 'const h = meter.createHistogram("http.server.request.duration", { unit: "s" });');
      await until("the diagnostic to go", () => docentDiagnostics(doc).length === 0);
    });

    it('createHistogram with unit "ms" gets the unit warning, and its fix writes "s"', async function () {
      const doc = await untitled('const h = meter.createHistogram("http.server.request.duration", { unit: "ms" });\n');
      const d = await diagnostic(doc, "unit");
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(doc.getText(d.range), "ms");
      const fix = await quickFix(doc, d, 'Use the documented unit "s"');
      assert.ok(await vscode.workspace.applyEdit(fix.edit!));
      assert.equal(doc.lineAt(0).text, 'const h = meter.createHistogram("http.server.request.duration", { unit: "s" });');
      await until("the warning to go", () => docentDiagnostics(doc).length === 0);
    });

    it("a Counter created for a Histogram gets the instrument warning; a deprecated name gets its replacement", async function () {
      const doc = await untitled('const c = meter.createCounter("http.server.request.duration", { unit: "s" });\nspan.setAttribute("rpc.system", "grpc");\n');
      const instrument = await diagnostic(doc, "instrument");
      assert.equal(instrument.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(instrument.message, /as a Histogram, not a Counter \(createCounter\)/);
      const deprecated = await diagnostic(doc, "deprecated");
      assert.equal(deprecated.severity, vscode.DiagnosticSeverity.Warning);
      const fix = await quickFix(doc, deprecated, 'Use "rpc.system.name" (the docs deprecate "rpc.system")');
      assert.ok(await vscode.workspace.applyEdit(fix.edit!));
      assert.equal(doc.lineAt(1).text, 'span.setAttribute("rpc.system.name", "grpc");');
    });

    it("the settings: severity of undefined names, and turning the check off", async function () {
      const config = vscode.workspace.getConfiguration("docent");
      const doc = await untitled('span.setAttribute("http.server.made_up_thing", 1);\n');
      try {
        assert.equal((await diagnostic(doc, "undefined")).severity, vscode.DiagnosticSeverity.Information);
        await config.update("codeCheck.severity", "warning", vscode.ConfigurationTarget.Global);
        await until("the warning severity", () => docentDiagnostics(doc, "undefined")[0]?.severity === vscode.DiagnosticSeverity.Warning);
        await config.update("codeCheck.enabled", false, vscode.ConfigurationTarget.Global);
        await until("no diagnostics with the check off", () => docentDiagnostics(doc).length === 0);
      } finally {
        await config.update("codeCheck.severity", undefined, vscode.ConfigurationTarget.Global);
        await config.update("codeCheck.enabled", undefined, vscode.ConfigurationTarget.Global);
      }
      await diagnostic(doc, "undefined");
    });

    it("an untitled editor gets the hover of a defined name", async function () {
      const doc = await untitled('const h = meter.createHistogram("http.server.request.duration");\n');
      const position = new vscode.Position(0, doc.lineAt(0).text.indexOf("request.duration"));
      const hovers = await until(
        "a hover in the untitled editor",
        async () => {
          const h = (await vscode.commands.executeCommand("vscode.executeHoverProvider", doc.uri, position)) as vscode.Hover[];
          const text = h.flatMap((x) => x.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
          return /Histogram, unit `s`/.test(text) ? text : undefined;
        },
        20_000,
      );
      assert.match(hovers, /Duration of HTTP server requests/);
    });
  });
}
