// What every UI test starts from: Docent packaged as a .vsix (once per run: vsixCache.ts), a copy
// of the sample workspace, code-server with the extension installed and the given settings, and
// Chromium on its workbench. Also the checks that more than one UI test makes of the workbench.
import { promises as fs } from "node:fs";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { openWorkbench, settled, startCodeServer, type CodeServer, type Workbench } from "./codeServer.js";
import { prepareWorkspace } from "./sampleWorkspace.js";
import { packagedVsix } from "./vsixCache.js";

export interface DocentWorkbench {
  server: CodeServer;
  workbench: Workbench;
  page: Page;
  /** The workspace copy code-server opened (removed by close). */
  workspace: string;
  close(): Promise<void>;
}

export interface DocentWorkbenchOptions {
  /** Where screenshots go (created). */
  artifacts: string;
  userSettings: Record<string, unknown>;
  viewport: { width: number; height: number };
  /** Adds to the workspace copy before code-server opens it (a hostile doc, a misspelt code file). */
  prepare?: (workspace: string) => Promise<void>;
}

export async function startDocentWorkbench(opts: DocentWorkbenchOptions): Promise<DocentWorkbench> {
  await fs.mkdir(opts.artifacts, { recursive: true });
  const vsix = await packagedVsix();
  const workspace = await prepareWorkspace();
  let server: CodeServer | undefined;
  try {
    await opts.prepare?.(workspace);
    server = await startCodeServer({ workspace, installVsix: vsix, userSettings: opts.userSettings });
    const workbench = await openWorkbench({ server, viewport: opts.viewport });
    const started = server;
    return {
      server,
      workbench,
      page: workbench.page,
      workspace,
      async close() {
        await workbench.close();
        await started.stop();
        await fs.rm(workspace, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server?.stop();
    await fs.rm(workspace, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Asserts that the editor's cursor comes to rest on `line` (an opened source or citation: the
 * editor opens first, then the selection is set), read from the status bar until it does.
 */
export async function assertCursorOnLine(page: Page, line: number): Promise<void> {
  const position = page.locator('.statusbar [id="status.editor.selection"]');
  const lineCol = new RegExp(`^Ln ${line},`);
  assert.match(
    await settled(
      () => position.innerText(),
      (t) => lineCol.test(t),
    ),
    lineCol,
  );
}
