// Docent inside a real VS Code (code-server here, desktop VS Code where it can be downloaded):
// activation, indexing the sample docs, re-indexing a saved file, the hover, Explain This Metric,
// an ask round-trip with a generated model, and the engine process coming back after a kill.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { DocentApi } from "../../../src/extension/extension.js";
import { until, workspaceRoot } from "./support.js";
import type { AnswerResult } from "../../../src/shared/answer.js";
import type { ReindexResult } from "../../../src/shared/protocol.js";

const EXTENSION_ID = "docent.docent";

/** Resident memory of a process in MB, where /proc can tell (Linux); undefined elsewhere. */
function rssMb(pid: number | undefined): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export function registerExtensionSuite(): void {
  describe("Docent in VS Code", function () {
    let api: DocentApi;
    let activatedAt = 0;

    before(async function () {
      const ext = vscode.extensions.getExtension<DocentApi>(EXTENSION_ID);
      assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
      api = await ext.activate();
      activatedAt = Date.now();
    });

    it("activates and reports a ready index of the workspace docs", async function () {
      assert.ok(api.activationMs < 2000, `activation took ${api.activationMs} ms`);
      const status = await api.whenReady(180_000);
      assert.equal(status.state, "ready");
      assert.ok(status.files >= 300, `indexed ${status.files} files`);
      console.log(
        `[figures] activation ${api.activationMs} ms; first index ready ${Date.now() - activatedAt} ms after activation ` +
          `with ${status.files} files, ${status.sections} sections; engine RSS ${rssMb(api.enginePid())} MB`,
      );
    });

    it("Reindex Workspace Docs indexes the sample docs", async function () {
      const t0 = Date.now();
      const result = (await vscode.commands.executeCommand("docent.reindex")) as ReindexResult;
      assert.ok(result.files >= 300, `reindexed ${result.files} files`);
      assert.ok(result.sections > 3000);
      assert.equal(result.cancelled, false);
      console.log(`[figures] Reindex (incremental, nothing changed) ${Date.now() - t0} ms for ${result.files} files`);
    });

    it("a file saved in the workspace is re-indexed", async function () {
      const file = path.join(workspaceRoot(), "docs", "new-metric.md");
      const uri = vscode.Uri.file(file);
      await vscode.workspace.fs.writeFile(uri, Buffer.from("# Quokka metrics\n\n## Metric: `quokka.hop.count`\n\nHops counted per quokka.\n"));
      const before = api.status()!.files;
      await until("the new file in the index", () => (api.status()!.files > before ? true : undefined));
      const doc = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.insert(new vscode.Position(4, 0), "Wombats are counted separately as `wombat.burrow.depth`.\n"));
      assert.ok(await doc.save());
      const answer = await until("the saved text to be searchable", async () => {
        const r = await api.ask("wombat burrow depth");
        return r?.sources[0]?.path === "docs/new-metric.md" ? r : undefined;
      });
      assert.equal(answer.sources[0]!.heading, "Quokka metrics > Metric: `quokka.hop.count`");
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("hovering a metric name in source code shows its definition from the docs", async function () {
      const file = path.join(workspaceRoot(), "src", "telemetry.ts");
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const line = doc
        .getText()
        .split("\n")
        .findIndex((l) => l.includes("http.server.request.duration"));
      const character = doc.lineAt(line).text.indexOf("request.duration");
      const hovers = await until("a hover", async () => {
        const h = (await vscode.commands.executeCommand("vscode.executeHoverProvider", doc.uri, new vscode.Position(line, character))) as vscode.Hover[];
        return h.length ? h : undefined;
      });
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
      assert.match(text, /http\.server\.request\.duration/);
      // Instrument, unit and description in the first line (from the definition card).
      assert.match(text.split("\n")[0]!, /— Histogram, unit `s`: Duration of HTTP server requests\./);
      assert.match(text, /Explain with Docent\]\(command:docent\.explainMetric/);
      assert.match(text, /http-metrics\.md/);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("Explain This Metric on a selection opens the chat view and answers with sources", async function () {
      const file = path.join(workspaceRoot(), "src", "telemetry.ts");
      const doc = await vscode.workspace.openTextDocument(file);
      const editor = await vscode.window.showTextDocument(doc);
      const offset = doc.getText().indexOf("jvm.memory.used");
      editor.selection = new vscode.Selection(doc.positionAt(offset), doc.positionAt(offset + "jvm.memory.used".length));
      const result = (await vscode.commands.executeCommand("docent.explainMetric")) as AnswerResult;
      assert.ok(result, "an answer came back");
      assert.match(result.question, /jvm\.memory\.used/);
      assert.ok(result.sources.length > 0);
      assert.equal(result.sources[0]!.term, "jvm.memory.used");
      assert.deepEqual([result.cards?.[0]?.term, result.cards?.[0]?.kind, result.cards?.[0]?.unit], ["jvm.memory.used", "UpDownCounter", "By"]);
      assert.match(result.sources[0]!.path, /runtime\/jvm-metrics\.md$/);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("asks with a generated tiny model: sources and an answer, no draft for a named metric, a draft for a vague question", async function () {
      const models = JSON.parse(process.env.DOCENT_TEST_MODELS ?? "{}") as { chatTemplate?: string };
      assert.ok(models.chatTemplate, "DOCENT_TEST_MODELS names the tiny models");
      await vscode.workspace.getConfiguration("docent").update("chatModel", models.chatTemplate, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration("docent").update("answer.maxTokens", 32, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration("docent").update("draft.maxTokens", 16, vscode.ConfigurationTarget.Global);
      await until("the chat model to load", () => (api.status()?.model === "tiny-chat-template.gguf" ? true : undefined), 60_000);
      const result = await api.ask("What does http.server.request.duration measure?");
      assert.ok(result);
      assert.equal(result.mode, "model");
      // The question names a defined metric: its section comes first without a draft, so none is written.
      assert.equal(result.draft, "");
      assert.match(result.draftSkipped ?? "", /names http\.server\.request\.duration/);
      assert.equal(result.tokens.answer, 32);
      assert.equal(result.sources[0]!.term, "http.server.request.duration");
      const vague = await api.ask("How long do HTTP servers take to answer requests?");
      assert.ok(vague && vague.draft.length > 0, "a question that names no defined term is drafted");
      assert.equal(vague.tokens.draft, 16);
      console.log(`[figures] engine RSS with the tiny chat model loaded ${rssMb(api.enginePid())} MB`);
    });

    it("Export Fine-Tuning Dataset writes chat records with the loaded model and opens the file", async function () {
      const out = path.join(workspaceRoot(), "out", "dataset.jsonl");
      const summary = (await api.exportDataset(out, 2)) as { trainFile: string; records: { train: number; validation: number } };
      assert.ok(summary, "the export finished");
      const lines = (await vscode.workspace.fs.readFile(vscode.Uri.file(summary.trainFile))).toString().trim().split("\n");
      assert.ok(lines.length > 0);
      for (const line of lines)
        assert.deepEqual(
          JSON.parse(line).messages.map((m: { role: string }) => m.role),
          ["system", "user", "assistant"],
        );
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, summary.trainFile);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });

    it("asks once through the model-server backend (a real llama-server, with its API key from Set Server API Key)", async function () {
      const server = JSON.parse(process.env.DOCENT_TEST_LLAMA_SERVER ?? "{}") as { url?: string; model?: string; apiKey?: string; skip?: string };
      if (!server.url) {
        console.log(`[skip] model-server ask: ${server.skip ?? "no llama-server"}`);
        this.skip();
      }
      const config = vscode.workspace.getConfiguration("docent");
      await vscode.commands.executeCommand("docent.setServerApiKey", server.apiKey);
      await config.update("server.chatModel", server.model, vscode.ConfigurationTarget.Global);
      await config.update("server.url", server.url, vscode.ConfigurationTarget.Global);
      try {
        await until("the server model", () => (api.status()?.model === `${server.model} (server)` ? true : undefined), 60_000);
        assert.equal(api.status()?.device, "server");
        const result = await api.ask("What does http.server.request.duration measure?");
        assert.ok(result);
        assert.equal(result.mode, "model", result.note);
        assert.equal(result.note, undefined);
        assert.ok(result.answer.length > 0);
        assert.equal(result.sources[0]!.term, "http.server.request.duration");
      } finally {
        await config.update("server.url", undefined, vscode.ConfigurationTarget.Global);
        await config.update("server.chatModel", undefined, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand("docent.setServerApiKey", "");
      }
      // Back on the local model.
      await until("the local model again", () => (api.status()?.model === "tiny-chat-template.gguf" ? true : undefined), 60_000);
    });

    it("an engine restarted after a crash uses the settings of the moment and keeps the saved index", async function () {
      const config = vscode.workspace.getConfiguration("docent");
      const before = (await api.whenReady(120_000)).files;
      const dnsDocs = 2; // docs/dns/README.md and docs/dns/dns-metrics.md
      await config.update("docs.exclude", ["**/dns/**"], vscode.ConfigurationTarget.Global);
      try {
        await until("the exclusion to be applied", () => (api.status()?.files === before - dnsDocs ? true : undefined), 120_000);
        // Reindex queues behind the settings change in the engine, so when it returns the index
        // built with the new settings has been saved.
        const reindexed = (await vscode.commands.executeCommand("docent.reindex")) as ReindexResult;
        assert.equal(reindexed.files, before - dnsDocs);
        const pid = api.enginePid();
        assert.ok(pid);
        process.kill(pid, "SIGKILL");
        const status = await until(
          "the restarted engine to be ready",
          () => {
            const s = api.status();
            return s?.pid !== pid && s?.state === "ready" && s.indexSource ? s : undefined;
          },
          120_000,
        );
        assert.equal(status.files, before - dnsDocs, "the restarted engine still leaves the excluded docs out");
        assert.equal(status.indexSource, "loaded", "the index saved under the new settings was loaded, not rebuilt");
      } finally {
        await config.update("docs.exclude", undefined, vscode.ConfigurationTarget.Global);
      }
      await until("the excluded docs to come back", () => (api.status()?.files === before ? true : undefined), 120_000);
      // Wait for that index to be saved too (see above), so the next test starts from it.
      assert.equal(((await vscode.commands.executeCommand("docent.reindex")) as ReindexResult).files, before);
    });

    it("the engine process killed mid-session comes back, reloads the saved index and answers", async function () {
      const pid = api.enginePid();
      assert.ok(pid, "the engine runs in its own process");
      process.kill(pid, "SIGKILL");
      const newPid = await until("a new engine process", () => {
        const p = api.enginePid();
        return p && p !== pid ? p : undefined;
      });
      assert.notEqual(newPid, pid);
      const status = await until(
        "the restarted engine to be ready",
        () => {
          const s = api.status();
          return s?.state === "ready" && s.files >= 300 && s.indexSource === "loaded" ? s : undefined;
        },
        120_000,
      );
      assert.equal(status.indexSource, "loaded", "the saved index was loaded, not rebuilt");
      const result = await api.ask("What is jvm.memory.used?");
      assert.ok(result && result.sources.length > 0);
    });
  });
}
