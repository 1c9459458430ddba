// Docent's commands, each a factory `(ctx) => handler` over the extension's context; activation
// only registers them (registerCommands). A command that throws is reported with Show Logs.
import * as path from "node:path";
import * as vscode from "vscode";
import type { DocentContext } from "./context.js";
import { enableCuda } from "./model/cuda.js";
import { nameInEditor } from "./hover/explainContext.js";
import { explainQuestion } from "./hover/metricName.js";
import { showModelStatus } from "./model/modelStatus.js";
import { selectModel } from "./model/models.js";

type CommandFactory = (ctx: DocentContext) => (...args: unknown[]) => unknown;

const commands: Record<string, CommandFactory> = {
  // Ask with a question asks it; without one it opens the chat with the keyboard in its question box.
  "docent.ask": (ctx) => async (question?: unknown) => {
    if (typeof question === "string" && question.trim()) return ctx.chat.askFromCommand(question.trim());
    return ctx.chat.focus();
  },
  "docent.focusChat": (ctx) => () => ctx.chat.focus(),
  "docent.explainMetric": (ctx) => async (name?: unknown) => {
    const metric = typeof name === "string" ? name : nameInEditor(vscode.window.activeTextEditor);
    if (!metric) {
      void vscode.window.showInformationMessage("Select a metric name, or put the cursor on one, to explain it.");
      return undefined;
    }
    // From the editor's context menu (its argument is the document's URI): the menu shows in any
    // file that holds a defined name, and the right-click put the cursor on the word clicked. Null
    // is the engine's "not defined"; without an answer (no engine, a failed lookup) it asks anyway.
    const fromMenu = name instanceof vscode.Uri;
    const definition = fromMenu
      ? await ctx
          .engine()
          ?.request("define", { name: metric })
          .catch(() => undefined)
      : undefined;
    if (definition === null) {
      void vscode.window.showInformationMessage(`The docs do not define \`${metric}\`. Right-click a name the docs define to explain it.`);
      return undefined;
    }
    return ctx.chat.askFromCommand(explainQuestion(metric));
  },
  "docent.reindex": (ctx) => () => reindex(ctx),
  "docent.selectModel": () => () => selectModel(),
  "docent.stopAnswer": (ctx) => () => ctx.chat.stop(),
  "docent.showLogs": (ctx) => () => ctx.log.show(),
  "docent.clearHistory": (ctx) => () => ctx.chat.clearHistory(),
  "docent.exportDataset": (ctx) => () => exportDataset(ctx),
  "docent.showModelStatus": (ctx) => () => showModelStatus(ctx.engine()),
  "docent.enableCuda": (ctx) => (opts?: unknown) => enableCuda(ctx.engine(), () => ctx.restartEngine(), (opts as { confirm?: boolean }) ?? {}),
  "docent.setServerApiKey": (ctx) => async (key?: unknown) => {
    // A key passed as an argument (tests, other extensions) is stored without asking.
    if (typeof key === "string") await ctx.serverKey.set(key);
    else if (!(await ctx.serverKey.prompt())) return;
    await ctx.engine()?.request("setServerApiKey", { apiKey: ctx.serverKey.current });
  },
};

export function registerCommands(ctx: DocentContext): vscode.Disposable[] {
  return Object.entries(commands).map(([id, factory]) => {
    const run = factory(ctx);
    return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        ctx.reportFailure(id, err, "");
        return undefined;
      }
    });
  });
}

async function reindex(ctx: DocentContext): Promise<unknown> {
  const engine = ctx.engine();
  if (!engine) {
    void vscode.window.showWarningMessage("Docent has no workspace folder to index.");
    return undefined;
  }
  const result = await ctx.whileReindexing(() =>
    Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Docent: reindexing the workspace docs", cancellable: true },
        (_p, token) => engine.request("reindex", undefined, token),
      ),
    ),
  );
  const skipped = result.skipped.length ? `, ${result.skipped.length} skipped (see logs)` : "";
  const what = result.cancelled ? "Reindex cancelled" : "Reindexed";
  void vscode.window.showInformationMessage(
    `Docent: ${what}: ${result.files.toLocaleString("en-US")} files, ${result.sections.toLocaleString("en-US")} sections in ${(result.ms / 1000).toFixed(1)} s${skipped}.`,
  );
  return result;
}

/** Writes fine-tuning data from the docs with the loaded model, with cancellable progress (`target` and `limit`: the tests). */
export async function exportDataset(ctx: DocentContext, target?: vscode.Uri, limit?: number): Promise<unknown> {
  const engine = ctx.engine();
  if (!engine) throw new Error("Docent has no workspace folder to take the docs from");
  if (!engine.status.model) {
    const pick = await vscode.window.showWarningMessage(
      "Exporting a fine-tuning dataset needs a chat model to write the questions and answers.",
      "Select Model",
    );
    if (pick) await vscode.commands.executeCommand("docent.selectModel");
    return undefined;
  }
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: "Export Fine-Tuning Dataset",
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, "docent-dataset.jsonl"),
      filters: { "JSON Lines": ["jsonl"] },
    }));
  if (!uri) return undefined;
  let cancelled = false;
  const summary = await Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Docent: writing the fine-tuning dataset", cancellable: true },
      (progress, token) => {
        let last = 0;
        token.onCancellationRequested(() => (cancelled = true));
        return engine.requestWithProgress(
          "exportDataset",
          { out: uri.fsPath, perSection: 3, distractors: 3, seed: 1, limit },
          token,
          "datasetProgress",
          (p) => {
            const pct = (100 * p.done) / Math.max(1, p.total);
            progress.report({ increment: pct - last, message: `${p.done} of ${p.total} sections, ${p.records} records` });
            last = pct;
          },
        );
      },
    ),
  ).catch((err: unknown) => {
    if (!cancelled) throw err;
    void vscode.window.showInformationMessage("Docent: the dataset export stopped; what was written is kept, and running it again resumes.");
    return undefined;
  });
  if (!summary) return undefined;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(summary.trainFile));
  await vscode.window.showTextDocument(doc, { preview: false });
  void vscode.window.showInformationMessage(
    `Docent: ${summary.records.train} training and ${summary.records.validation} validation records from ${summary.sections.covered} sections (validation: ${path.basename(summary.validationFile)}). Running it again resumes.`,
  );
  return summary;
}
