// One UI suite's workbench: called at a suite file's top level, it registers the suite's `before`
// (the models, the packaged .vsix, a workspace copy, code-server, Chromium: startDocentWorkbench) and
// `after` (all closed), and hands the tests what they use. Where a tool is missing the suite is
// skipped, saying which; with CI=true it fails instead.
import { after, before } from "node:test";
import * as path from "node:path";
import type { Page } from "playwright-core";
import type { CodeServer } from "./codeServer.js";
import { startDocentWorkbench, type DocentWorkbench } from "./docentWorkbench.js";
import { prerequisitesMissing } from "./tools.js";

type UserSettings = Record<string, unknown>;

export interface UseWorkbenchOptions<M> {
  /** Where screenshots go (created), e.g. out/e2e. */
  artifacts: string;
  /** Makes the model files the settings name (tiny models, family twins) before code-server starts. */
  models?: () => Promise<M>;
  /** The user settings code-server starts with; a function of the models when there are models. */
  settings: UserSettings | ((models: M) => UserSettings);
  viewport: { width: number; height: number };
  /** Adds to the workspace copy before code-server opens it (a hostile doc, a misspelt code file). */
  prepare?: (workspace: string) => Promise<void>;
  /** Runs after the suite's tests, before the workbench closes (to keep its logs). */
  beforeClose?: (workbench: DocentWorkbench) => Promise<void>;
}

export interface UsedWorkbench<M> {
  /** For every test of the suite (`{ skip }`): why it is skipped, or false. */
  readonly skip: string | false;
  /** The workbench's page (from the suite's first test on). */
  readonly page: Page;
  readonly server: CodeServer;
  /** The workspace copy code-server opened. */
  readonly workspace: string;
  /** What `models` made. */
  readonly models: M;
  /** A screenshot of the page, `<artifacts>/<name>.png`. */
  shot(name: string): Promise<void>;
}

export function useWorkbench<M = undefined>(opts: UseWorkbenchOptions<M>): UsedWorkbench<M> {
  const missing = prerequisitesMissing();
  if (missing && process.env.CI === "true") throw new Error(`e2e: ${missing}; CI must install them`);
  const skip = missing ? `${missing}` : false;
  let started: DocentWorkbench | undefined;
  let models: M | undefined;
  const workbench = (): DocentWorkbench => {
    if (!started) throw new Error("useWorkbench: the workbench is not started (read it in a test, not at the suite's top level)");
    return started;
  };

  before(async () => {
    if (skip) return;
    models = await opts.models?.();
    const settings = typeof opts.settings === "function" ? opts.settings(models as M) : opts.settings;
    started = await startDocentWorkbench({ artifacts: opts.artifacts, userSettings: settings, viewport: opts.viewport, prepare: opts.prepare });
  });

  after(async () => {
    if (!started) return;
    try {
      await opts.beforeClose?.(started);
    } finally {
      await started.close();
    }
  });

  return {
    skip,
    get page() {
      return workbench().page;
    },
    get server() {
      return workbench().server;
    },
    get workspace() {
      return workbench().workspace;
    },
    get models() {
      workbench();
      return models as M;
    },
    async shot(name) {
      await workbench().page.screenshot({ path: path.join(opts.artifacts, `${name}.png`) });
    },
  };
}
