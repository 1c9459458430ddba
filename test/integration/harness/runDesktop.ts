// Runs the same mocha suite in desktop VS Code through @vscode/test-electron, where desktop VS Code
// can be had (a developer's machine, CI with network). On these offline machines the download fails
// (ENOTFOUND update.code.visualstudio.com) and runSuite.ts falls back to code-server.
//   DOCENT_VSCODE_PATH=/path/to/VSCode-linux-x64/code   use this Electron binary (no download)
//   DOCENT_TEST_DESKTOP=1                                download (into .vscode-test) and use desktop VS Code
//   DOCENT_VSCODE_VERSION=1.95.0                         which version to download (default "stable")
// Linux without a display needs a virtual one: `xvfb-run -a node out/test/integration/harness/runSuite.js ...`.
import { existsSync, promises as fs, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runTests, TestRunFailedError } from "@vscode/test-electron";
import { DEFAULT_TEST_SETTINGS, killProcessTree, type RunSuiteOptions } from "./codeServer.js";
import { repoRoot } from "../../helpers/repoRoot.js";

/**
 * As for code-server, with two differences: desktop VS Code before 1.100 loads the suite entry only
 * with require(), so an ES-module entry (.mjs, or .js under "type": "module") is run through
 * esmSuiteEntry.cjs, which import()s it; and the default time limit is 10 minutes (the first run
 * may download VS Code).
 */
export type DesktopRunOptions = Pick<
  RunSuiteOptions,
  "extensionDevelopmentPath" | "extensionTestsPath" | "workspace" | "timeoutMs" | "env" | "userSettings"
> & {
  /** The Electron binary (not the `bin/code` launcher script). Default: DOCENT_VSCODE_PATH. */
  vscodeExecutablePath?: string;
  /** Version to download when no executable is given. Default: DOCENT_VSCODE_VERSION or "stable". */
  version?: string;
  launchArgs?: string[];
};

export interface DesktopRunResult {
  exitCode: number;
  timedOut: boolean;
  durationMs: number;
}

/** Whether Node would load this file as an ES module (.mjs, or .js under a "type": "module" package.json). */
export function isEsModuleFile(file: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type === "module";
    if (path.dirname(dir) === dir) return false;
  }
}

/** True when the environment asks for desktop VS Code (see the header). */
export function desktopVsCodeRequested(): boolean {
  return !!process.env.DOCENT_VSCODE_PATH || process.env.DOCENT_TEST_DESKTOP === "1";
}

/** Direct children of this process (Linux /proc), with their command lines. */
function ownChildren(): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) continue;
      out.set(Number(e), readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * The VS Code process runTests started: a child of ours that was not there before the run, preferably
 * the one whose command line names the tests path (runTests gives no handle on it).
 */
function startedVsCode(before: Map<number, string>, testsPath: string): number[] {
  const fresh = [...ownChildren()].filter(([pid]) => !before.has(pid));
  const named = fresh.filter(([, cmd]) => cmd.includes(`--extensionTestsPath=${testsPath}`));
  return (named.length ? named : fresh).map(([pid]) => pid);
}

/**
 * Runs the suite in desktop VS Code. Output goes to this process's stdout/stderr (test-electron
 * pipes VS Code's). A failing suite gives a non-zero exitCode, not an exception; a VS Code that
 * cannot be found or downloaded throws.
 */
export async function runMochaSuiteOnDesktop(opts: DesktopRunOptions): Promise<DesktopRunResult> {
  const started = Date.now();
  const executable = opts.vscodeExecutablePath ?? process.env.DOCENT_VSCODE_PATH;
  if (executable && !existsSync(executable)) throw new Error(`DOCENT_VSCODE_PATH ${executable} does not exist`);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "docent-desktop-"));
  const userData = path.join(root, "user-data");
  await fs.mkdir(path.join(userData, "User"), { recursive: true });
  await fs.writeFile(path.join(userData, "User", "settings.json"), JSON.stringify({ ...DEFAULT_TEST_SETTINGS, ...opts.userSettings }, null, 2));
  let testsPath = path.resolve(opts.extensionTestsPath);
  let env = opts.env;
  if (isEsModuleFile(testsPath)) {
    env = { ...env, DOCENT_SUITE_MODULE: testsPath };
    testsPath = path.join(repoRoot(), "test", "integration", "harness", "esmSuiteEntry.cjs");
  }
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const childrenBefore = ownChildren();
  try {
    const run = runTests({
      vscodeExecutablePath: executable,
      version: executable ? undefined : (opts.version ?? process.env.DOCENT_VSCODE_VERSION ?? "stable"),
      extensionDevelopmentPath: path.resolve(opts.extensionDevelopmentPath),
      extensionTestsPath: testsPath,
      extensionTestsEnv: env,
      launchArgs: [
        path.resolve(opts.workspace),
        `--user-data-dir=${userData}`,
        `--extensions-dir=${path.join(root, "extensions")}`,
        "--disable-telemetry",
        "--disable-gpu",
        ...(opts.launchArgs ?? []),
      ],
    }).then(
      (code) => code,
      (e: unknown) => {
        if (e instanceof TestRunFailedError) return typeof e.code === "number" ? e.code : 1;
        throw e;
      },
    );
    const timeoutMs = opts.timeoutMs ?? 600_000;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        process.stderr.write(`[harness] desktop VS Code suite did not finish within ${timeoutMs} ms\n`);
        void Promise.all(startedVsCode(childrenBefore, testsPath).map((pid) => killProcessTree(pid))).then(() => resolve(124));
      }, timeoutMs);
    });
    run.catch(() => {});
    const exitCode = await Promise.race([run, timeout]);
    return { exitCode: timedOut ? 124 : exitCode, timedOut, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    await fs.rm(root, { recursive: true, force: true }).catch(() => {});
  }
}
