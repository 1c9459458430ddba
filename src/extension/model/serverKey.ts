// The model server's API key, kept in VS Code's SecretStorage (the OS keychain where there is
// one), never in settings files. The engine gets it in memory: with initialize, and through
// SetServerApiKeyRequest when it changes.
import * as vscode from "vscode";
import { Disposable } from "../disposable.js";

const SECRET_KEY = "docent.server.apiKey";

export class ServerApiKey extends Disposable {
  private value?: string;
  private readonly changed = this.register(new vscode.EventEmitter<string | undefined>());
  /** Fires with the new key (or undefined) when it changes, here or in another window. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    super();
    this.register(
      secrets.onDidChange(async (e) => {
        if (e.key !== SECRET_KEY) return;
        await this.load();
        this.changed.fire(this.value);
      }),
    );
  }

  /** The key as last read (load() first). */
  get current(): string | undefined {
    return this.value;
  }

  async load(): Promise<string | undefined> {
    this.value = (await this.secrets.get(SECRET_KEY)) || undefined;
    return this.value;
  }

  async set(key: string | undefined): Promise<void> {
    const trimmed = key?.trim();
    if (trimmed) await this.secrets.store(SECRET_KEY, trimmed);
    else await this.secrets.delete(SECRET_KEY);
    this.value = trimmed || undefined;
  }

  /** "Docent: Set Server API Key": asks for the key (hidden input); an empty entry removes it. */
  async prompt(): Promise<boolean> {
    const entered = await vscode.window.showInputBox({
      title: "Docent: Set Server API Key",
      prompt: "The API key of the model server in docent.server.url (kept in the editor's secret storage; empty removes it)",
      password: true,
      ignoreFocusOut: true,
      placeHolder: this.value ? "A key is set; enter a new one, or leave empty to remove it" : "sk-…",
    });
    if (entered === undefined) return false;
    await this.set(entered);
    void vscode.window.showInformationMessage(entered.trim() ? "Docent: the server API key is stored." : "Docent: the server API key is removed.");
    return true;
  }
}
