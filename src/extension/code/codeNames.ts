// The defined names the extension host keeps for completion and the code check: the engine's
// table, asked for once when the index is ready and again whenever it changed, so no keystroke
// waits on the engine process.
import * as vscode from "vscode";
import { DefinedNamesIndex } from "../../shared/codeCheck/namesIndex.js";
import { Disposable } from "../disposable.js";
import type { EngineClient } from "../engineClient.js";

export class CodeNames extends Disposable {
  private current?: DefinedNamesIndex;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when a new table arrived. */
  readonly onDidChange = this.changed.event;
  private generation = 0;

  constructor(
    private readonly engine: () => EngineClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** The names, once the engine sent them. */
  get names(): DefinedNamesIndex | undefined {
    return this.current;
  }

  /** The engine is ready (the index may have changed): the table is asked for, sent only when it changed; a newer request overtakes an older one. */
  async refresh(): Promise<void> {
    const client = this.engine();
    if (!client) return;
    const generation = ++this.generation;
    const t0 = Date.now();
    try {
      const table = await client.request("definedNames", { known: this.current?.version });
      if (!table || generation !== this.generation || table.version === this.current?.version) return;
      this.current = new DefinedNamesIndex(table);
      this.log.info(`Code check: ${table.names.length} defined names (version ${table.version}) in ${Date.now() - t0} ms`);
      this.changed.fire();
    } catch (err) {
      // Completion and the check go on with the names they had; the next ready status asks again.
      this.log.warn(`Code check: the defined names could not be read: ${(err as Error).message}`);
    }
  }
}
