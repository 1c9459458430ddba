// The `docent.explainable` context key: true when the selection, or the name under the cursor, is
// a name the docs define. "Explain This Metric" shows in the editor's context menu only then, not on
// every word of every file. Set on selection change, debounced, with one definition request per name.
import * as vscode from "vscode";
import { isDefinableName } from "../../shared/names.js";
import { Disposable } from "../disposable.js";
import type { EngineClient } from "../engineClient.js";
import { cleanSelection, nameUnderCursor } from "./metricName.js";

export const EXPLAINABLE_KEY = "docent.explainable";
const DEBOUNCE_MS = 150;

/** The name "Explain This Metric" would explain in this editor: the selection, else the name under the cursor. */
export function nameInEditor(editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) return undefined;
  if (!editor.selection.isEmpty) return cleanSelection(editor.document.getText(editor.selection)) || undefined;
  const pos = editor.selection.active;
  return nameUnderCursor(editor.document.lineAt(pos.line).text, pos.character);
}

export class ExplainContext extends Disposable {
  private timer?: NodeJS.Timeout;
  private generation = 0;
  /** Names looked up, and whether the docs define them (cleared when the index changes). */
  private readonly known = new Map<string, boolean>();
  /** The value last set, and for which name (tests read it). */
  value = false;
  name: string | undefined;

  constructor(private readonly engine: () => EngineClient | undefined) {
    super();
    this.register(vscode.window.onDidChangeTextEditorSelection(() => this.schedule()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.schedule()));
    this.register({ dispose: () => clearTimeout(this.timer) });
    void this.set(false, undefined);
  }

  /** The index changed (or the engine restarted): names are looked up again. */
  indexChanged(): void {
    this.known.clear();
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), DEBOUNCE_MS);
  }

  /** The newest lookup: an older one that a newer selection overtook answers with it. */
  private latest?: Promise<boolean>;

  /**
   * Looks the current name up now; resolves once the key is set for the newest selection (tests
   * await it through the API, while the debounced lookup of the same selection may start beside it).
   */
  update(): Promise<boolean> {
    const lookup = this.lookUp(++this.generation);
    this.latest = lookup;
    return lookup;
  }

  private async lookUp(generation: number): Promise<boolean> {
    const name = nameInEditor(vscode.window.activeTextEditor);
    let defined = false;
    if (name && isDefinableName(name)) {
      const key = name.toLowerCase();
      const cached = this.known.get(key);
      if (cached !== undefined) defined = cached;
      else {
        const client = this.engine();
        // Until the engine answers the menu item stays hidden; a failed lookup is not cached.
        const definition = client ? await client.request("define", { name }).catch(() => undefined) : undefined;
        defined = Boolean(definition);
        if (definition !== undefined) this.known.set(key, defined);
        if (this.known.size > 500) this.known.delete(this.known.keys().next().value!);
      }
    }
    // A newer lookup started meanwhile: its answer wins, and is what this one resolves to (not the
    // value from before it, which the newer one may not have replaced yet).
    if (generation !== this.generation) return this.latest!;
    await this.set(defined, name);
    return this.value;
  }

  private async set(value: boolean, name: string | undefined): Promise<void> {
    this.name = name;
    if (value === this.value && this.generation > 0) return;
    this.value = value;
    await vscode.commands.executeCommand("setContext", EXPLAINABLE_KEY, value);
  }
}
