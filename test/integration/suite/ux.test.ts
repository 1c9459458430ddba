// The chat's first ten minutes and its safety, where the VS Code API can show them: the Explain
// context key, the Select Model list, a failed download that is not retried at the next start, a
// source opened without a live selection, and where chat links lead.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as vscode from "vscode";
import type { DocentApi } from "../../../src/extension/extension.js";
import { until, workspaceRoot } from "./support.js";

const EXTENSION_ID = "docent.docent";

export function registerUxSuite(): void {
  describe("Docent's chat UX in VS Code", function () {
    let api: DocentApi;

    before(async function () {
      api = await vscode.extensions.getExtension<DocentApi>(EXTENSION_ID)!.activate();
      await api.whenReady(180_000);
    });

    it("Explain This Metric is in the context menu (a Docent group) only on a name the docs define", async function () {
      const menu = (
        vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
          contributes: { menus: Record<string, { command: string; when?: string; group?: string }[]> };
        }
      ).contributes.menus["editor/context"]!.find((m) => m.command === "docent.explainMetric");
      assert.deepEqual({ when: menu?.when, group: menu?.group?.split("@")[0] }, { when: "docent.explainable || docent.namesInEditor", group: "docent" });

      const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), "src", "telemetry.ts"));
      const editor = await vscode.window.showTextDocument(doc);
      const at = (text: string, delta = 1) => {
        const offset = doc.getText().indexOf(text);
        assert.ok(offset >= 0, text);
        editor.selection = new vscode.Selection(doc.positionAt(offset + delta), doc.positionAt(offset + delta));
      };
      at("http.server.request.duration", 6);
      assert.deepEqual(await api.ux.explainable(), { value: true, name: "http.server.request.duration" });
      at("meter.createHistogram", 1); // "meter.createHistogram" is a name with a dot that the docs do not define
      assert.deepEqual(await api.ux.explainable(), { value: false, name: "meter.createHistogram" });
      at("import", 2); // a plain word is never looked up
      assert.equal((await api.ux.explainable()).value, false);
      const offset = doc.getText().indexOf("jvm.memory.used");
      editor.selection = new vscode.Selection(doc.positionAt(offset), doc.positionAt(offset + "jvm.memory.used".length));
      assert.deepEqual(await api.ux.explainable(), { value: true, name: "jvm.memory.used" });
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
      assert.equal((await api.ux.explainable()).value, false, "no editor, no menu item");
    });

    it("Select Model groups chat, embedding, LoRA and none under separators and marks the current model", async function () {
      const config = vscode.workspace.getConfiguration("docent");
      const before = config.inspect<string>("chatModel")?.globalValue;
      const file = path.join(workspaceRoot(), "models", "my-chat.gguf");
      await config.update("chatModel", file, vscode.ConfigurationTarget.Global);
      try {
        const items = api.ux.modelPickItems();
        const separators = items.filter((i) => i.kind === vscode.QuickPickItemKind.Separator).map((i) => i.label);
        assert.deepEqual(separators, ["Chat model", "Embedding model (hybrid search)", "LoRA adapters", "None"]);
        const groupOf = (item: vscode.QuickPickItem) => {
          let group = "";
          for (const i of items) {
            if (i.kind === vscode.QuickPickItemKind.Separator) group = i.label;
            if (i === item) return group;
          }
          return undefined;
        };
        const current = items.filter((i) => i.description?.includes("current"));
        assert.deepEqual(
          current.map((i) => [groupOf(i), i.detail]),
          [["Chat model", file]],
          "only the chat model set is marked current",
        );
        assert.ok(items.some((i) => groupOf(i) === "Embedding model (hybrid search)" && /nomic-embed/.test(i.label)));
        assert.ok(items.some((i) => groupOf(i) === "LoRA adapters" && /LoRA adapter/.test(i.label)));
        await config.update("chatModel", "", vscode.ConfigurationTarget.Global);
        const none = api.ux.modelPickItems().find((i) => /No chat model/.test(i.label));
        assert.match(none?.description ?? "", /current/, "with no chat model, None is marked");
      } finally {
        await config.update("chatModel", before, vscode.ConfigurationTarget.Global);
      }
    });

    it("a failed model download is remembered, not retried at the next start, and Retry downloads it again", async function () {
      // A real HTTP server on loopback that has no such model: the download fails at once.
      let requests = 0;
      const server: Server = createServer((_req, res) => {
        requests++;
        res.writeHead(404).end("no such model");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const ref = `http://127.0.0.1:${(server.address() as AddressInfo).port}/missing-model.gguf`;
      const config = vscode.workspace.getConfiguration("docent");
      const before = config.inspect<string>("chatModel")?.globalValue;
      try {
        await config.update("chatModel", ref, vscode.ConfigurationTarget.Global);
        const failed = await until("the failed download to be recorded", () => api.ux.failedDownloads().find((f) => f.ref === ref));
        assert.equal(failed.setting, "chatModel");
        assert.ok(requests >= 1, "the server was asked");
        assert.equal(api.status()?.modelFailure?.ref, ref);

        // The next start leaves the reference out: the server hears nothing, and no model loads.
        const asked = requests;
        await api.ux.restartEngine();
        const ready = await api.whenReady(120_000);
        assert.equal(ready.state, "ready");
        assert.equal(api.ux.startedWith()?.chatModel, undefined, "the engine started without the failed reference");
        assert.equal(requests, asked, "no request at the start after the failure");
        assert.equal(config.inspect<string>("chatModel")?.globalValue, ref, "the setting is kept as the user wrote it");

        // Retry: forgotten, and downloaded (here: failing) again.
        await api.ux.retryModel("chatModel");
        await until("the retried download to reach the server", () => (requests > asked ? true : undefined), 60_000);
        await until("the retried download to fail again", () => api.ux.failedDownloads().find((f) => f.ref === ref));
      } finally {
        server.close();
        await config.update("chatModel", before, vscode.ConfigurationTarget.Global);
      }
      assert.deepEqual(
        api.ux.failedDownloads().filter((f) => f.setting === "chatModel"),
        [],
        "changing the setting forgets the failure",
      );
      await api.whenReady(120_000);
    });

    it("Show Model Status without a model is a read-only document that says answers are sections and names Select Model", async function () {
      assert.equal(api.status()?.model, undefined, "this suite runs without a chat model");
      const shown = await api.showModelStatus();
      assert.ok(shown, "Show Model Status returned what it showed");
      assert.equal(shown.status.model, undefined);
      const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === "docent-status");
      assert.ok(editor, "the status is shown as a docent-status: document, not an Untitled buffer");
      const doc = editor.document;
      assert.equal(doc.isUntitled, false);
      assert.equal(doc.isDirty, false, "nothing to save when it closes");
      assert.equal(doc.languageId, "markdown");
      assert.equal(doc.getText(), shown.text);
      assert.match(doc.getText(), /answers are the best-matching sections of the docs/);
      assert.match(doc.getText(), /Docent: Select Model/);
      // Shown again, the same document holds the new text (no second tab).
      await api.showModelStatus();
      assert.equal(vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme === "docent-status").length, 1);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("a source opens at its lines with a highlight and nothing selected, and keyboard focus stays where it was", async function () {
      const result = await api.ask("What is the unit of http.server.request.duration?");
      const source = result?.sources.find((s) => s.endLine > s.startLine);
      assert.ok(source, "an answer with a source of several lines");
      assert.ok(await api.ux.openSource(source.file, source.startLine, source.endLine));
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, source.file);
      assert.ok(editor.selection.isEmpty, "no live selection a keystroke could replace");
      assert.equal(editor.selection.active.line, source.startLine - 1, "the cursor at the first cited line");
      // revealRange scrolls once the editor has rendered (and the ext host hears of it): a state, with
      // the suite's usual bound rather than 10 s of a busy machine.
      await until("the cited lines on screen", () =>
        editor.visibleRanges.some((r) => r.contains(new vscode.Position(source.startLine - 1, 0))) ? true : undefined,
      );
      assert.deepEqual(api.ux.lastHighlight(), { file: source.file, startLine: source.startLine, endLine: source.endLine });
      assert.equal(editor.document.isDirty, false);
      // The first cursor move clears the highlight (a click does too: the e2e suite clicks). A core
      // cursor command reports the source its keybinding would give it ("keyboard").
      await vscode.commands.executeCommand("cursorDown", { source: "keyboard" });
      await until("the highlight cleared by a cursor move", () => (api.ux.lastHighlight() === undefined ? true : undefined));
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("links in the chat: relative ones open docs inside the workspace, web ones go to the browser, others are refused", async function () {
      const base = path.join(workspaceRoot(), "docs", "http", "http-metrics.md");
      const rel = api.ux.resolveLink("../general/metrics.md#units", [base]);
      assert.equal(rel.kind, "file");
      assert.equal(rel.kind === "file" && rel.file, path.join(workspaceRoot(), "docs", "general", "metrics.md"));
      assert.equal(rel.kind === "file" && rel.fragment, "units");
      assert.equal(api.ux.resolveLink("https://opentelemetry.io/docs/", [base]).kind, "web");
      for (const href of [
        "../../../../../../etc/passwd",
        "javascript:alert(1)",
        "command:workbench.action.quit",
        "file:///etc/passwd",
        "//evil.example/x",
        "no-such.md",
      ])
        assert.equal(api.ux.resolveLink(href, [base]).kind, "refused", href);
    });
  });
}
