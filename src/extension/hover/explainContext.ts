// The context keys behind "Explain This Metric" in the editor's context menu. `docent.explainable`:
// the selection, or the name under the cursor, is a name the docs define (set on selection change,
// debounced). `docent.namesInEditor`: the active editor's text holds a name the docs define (set
// when the editor or its text changes). The menu needs the second: a right-click moves the cursor
// to the click point and shows the menu at once, before the selection change has reached the
// extension, so the first key still describes where the cursor was (issue 23 item 5). The command
// then reads the name at the cursor, where the right-click put it. One definition request per name.
import * as vscode from "vscode";
import { isDefinableName } from "../../shared/names.js";
import { Disposable } from "../disposable.js";
import type { EngineClient } from "../engineClient.js";
import { cleanSelection, definableNames, nameUnderCursor } from "./metricName.js";

export const EXPLAINABLE_KEY = "docent.explainable";
export const NAMES_IN_EDITOR_KEY = "docent.namesInEditor";
const DEBOUNCE_MS = 150;
/** Typing waits longer: the whole text is scanned again. */
const TEXT_DEBOUNCE_MS = 500;

/** The name "Explain This Metric" would explain in this editor: the selection, else the name under the cursor. */
export function nameInEditor(editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) return undefined;
  if (!editor.selection.isEmpty) return cleanSelection(editor.document.getText(editor.selection)) || undefined;
  const pos = editor.selection.active;
  return nameUnderCursor(editor.document.lineAt(pos.line).text, pos.character);
}

export class ExplainContext extends Disposable {
  private timer?: NodeJS.Timeout;
  private textTimer?: NodeJS.Timeout;
  private generation = 0;
  private textGeneration = 0;
  /** Names looked up, and whether the docs define them (cleared when the index changes). */
  private readonly known = new Map<string, boolean>();
  /** The value last set, and for which name (tests read it). */
  value = false;
  name: string | undefined;
  /** The `docent.namesInEditor` value last set. */
  namesInEditor = false;

  constructor(private readonly engine: () => EngineClient | undefined) {
    super();
    this.register(vscode.window.onDidChangeTextEditorSelection(() => this.schedule()));
    this.register(
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.schedule();
        this.scheduleText(0);
      }),
    );
    this.register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.scheduleText(TEXT_DEBOUNCE_MS);
      }),
    );
    this.register({ dispose: () => (clearTimeout(this.timer), clearTimeout(this.textTimer)) });
    void this.set(false, undefined);
    void vscode.commands.executeCommand("setContext", NAMES_IN_EDITOR_KEY, false);
    this.scheduleText(0);
  }

  /** The index changed (or the engine restarted): names are looked up again. */
  indexChanged(): void {
    this.known.clear();
    this.schedule();
    this.scheduleText(0);
  }

  private scheduleText(delay: number): void {
    clearTimeout(this.textTimer);
    this.textTimer = setTimeout(() => void this.updateNamesInEditor(), delay);
  }

  /**
   * Scans the active editor's text for a name the docs define, stopping at the first; resolves once
   * `docent.namesInEditor` is set for the newest editor and text (a newer scan overtakes this one).
   */
  async updateNamesInEditor(): Promise<boolean> {
    const generation = ++this.textGeneration;
    const document = vscode.window.activeTextEditor?.document;
    let found = false;
    for (const name of document ? definableNames(document.getText()) : []) {
      if (generation !== this.textGeneration) break;
      if (await this.isDefined(name)) {
        found = true;
        break;
      }
    }
    if (generation !== this.textGeneration) return this.namesInEditor;
    if (found !== this.namesInEditor) {
      this.namesInEditor = found;
      await vscode.commands.executeCommand("setContext", NAMES_IN_EDITOR_KEY, found);
    }
    return found;
  }

  /** Whether the docs define a name (cached); false while the engine cannot say (not cached then). */
  async isDefined(name: string): Promise<boolean> {
    const key = name.toLowerCase();
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const client = this.engine();
    const definition = client ? await client.request("define", { name }).catch(() => undefined) : undefined;
    if (definition === undefined) return false;
    this.known.set(key, Boolean(definition));
    if (this.known.size > 2000) this.known.delete(this.known.keys().next().value!);
    return Boolean(definition);
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
    // Until the engine answers the key stays false; a failed lookup is not cached.
    const defined = name && isDefinableName(name) ? await this.isDefined(name) : false;
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
