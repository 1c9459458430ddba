// One entry point for the in-editor mocha suite: desktop VS Code (@vscode/test-electron) when asked
// for and available, else code-server from .tools. Also a CLI:
//   node out/test/integration/harness/runSuite.js --extension . \
//     --tests out/test/integration/index.cjs --workspace samples/<folder> [--timeout 300000] \
//     [--runtime auto|desktop|code-server] [--screenshot /tmp/fail.png]
// Exit status = the suite's exit code (0 = all passed, 124 = timed out).
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runMochaSuiteInCodeServer, type RunSuiteOptions } from "./codeServer.js";
import { desktopVsCodeRequested, runMochaSuiteOnDesktop } from "./runDesktop.js";

export type Runtime = "auto" | "desktop" | "code-server";

/** What both runners take (see RunSuiteOptions for each field), and which runtime to use. */
export type ExtensionSuiteOptions = Pick<
  RunSuiteOptions,
  "extensionDevelopmentPath" | "extensionTestsPath" | "workspace" | "timeoutMs" | "env" | "userSettings" | "screenshotOnFailure"
> & {
  /** Default: DOCENT_TEST_RUNTIME, else auto (desktop only when desktopVsCodeRequested()). */
  runtime?: Runtime;
};

export async function runExtensionSuite(opts: ExtensionSuiteOptions): Promise<{ exitCode: number; runtime: "desktop" | "code-server" }> {
  const wanted = opts.runtime ?? (process.env.DOCENT_TEST_RUNTIME as Runtime | undefined) ?? "auto";
  const runtime = wanted === "auto" ? (desktopVsCodeRequested() ? "desktop" : "code-server") : wanted;
  if (runtime === "desktop") {
    const res = await runMochaSuiteOnDesktop(opts);
    return { exitCode: res.exitCode, runtime };
  }
  const res = await runMochaSuiteInCodeServer(opts);
  return { exitCode: res.exitCode, runtime };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      extension: { type: "string", default: "." },
      tests: { type: "string" },
      workspace: { type: "string" },
      timeout: { type: "string", default: "300000" },
      runtime: { type: "string", default: "auto" },
      screenshot: { type: "string" },
    },
  });
  if (!values.tests || !values.workspace) {
    console.error(
      "usage: runSuite.js --extension DIR --tests ENTRY.cjs --workspace DIR [--timeout MS] [--runtime auto|desktop|code-server] [--screenshot PNG]",
    );
    process.exit(2);
  }
  const started = Date.now();
  const { exitCode, runtime } = await runExtensionSuite({
    extensionDevelopmentPath: path.resolve(values.extension!),
    extensionTestsPath: path.resolve(values.tests),
    workspace: path.resolve(values.workspace),
    timeoutMs: Number(values.timeout),
    runtime: values.runtime as Runtime,
    screenshotOnFailure: values.screenshot,
  });
  console.log(`[harness] ${runtime}: exit code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
