// Hover over a name the docs define, in any file: the name under the cursor is sent to the engine
// by request (the engine process never receives the documents' text).
import * as vscode from "vscode";
import { isDefinableName, nameAt } from "../../shared/names.js";
import type { EngineClient } from "../engineClient.js";
import { hoverMarkdown } from "./hoverMarkdown.js";

export function registerDefinitionHover(engine: () => EngineClient | undefined): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    // Untitled editors too: where people try things first (a `file` selector alone left them without hovers).
    [{ scheme: "file" }, { scheme: "untitled" }],
    {
      async provideHover(document, position, token) {
        const client = engine();
        if (!client) return undefined;
        const word = nameAt(document.lineAt(position.line).text, position.character);
        if (!word || !isDefinableName(word.text)) return undefined;
        // A hover is a courtesy: while the engine restarts (or after it gave up) there is none.
        const definition = await client.request("define", { name: word.text }, token).catch(() => null);
        if (!definition || token.isCancellationRequested) return undefined;
        const markdown = new vscode.MarkdownString(hoverMarkdown(definition));
        // The hover's one command link ("Explain with Docent"); no other command can run from it.
        markdown.isTrusted = { enabledCommands: ["docent.explainMetric"] };
        return new vscode.Hover(markdown, new vscode.Range(position.line, word.start, position.line, word.end));
      },
    },
  );
}
