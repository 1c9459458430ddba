// Runs the in-editor suite: prepares a workspace (the sample docs plus a source file that uses
// metric names: harness/sampleWorkspace.ts), generates the tiny models, builds the suite, and
// starts VS Code (code-server here). With CI=true a missing prerequisite fails the run; elsewhere
// it is skipped, saying why.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { ensureTinyModels } from "../fixtures/tinyModels.js";
import { LlamaServer, llamaServerOrSkip } from "../helpers/llamaServer.js";
import { runExtensionSuite } from "./harness/runSuite.js";
import { prepareWorkspace } from "./harness/sampleWorkspace.js";
import { prerequisitesMissing } from "./harness/tools.js";
import { repoRoot } from "../helpers/repoRoot.js";

const root = repoRoot();

export async function buildSuite(): Promise<string> {
  const outfile = path.join(root, "out", "integration", "index.cjs");
  await esbuild.build({
    entryPoints: [path.join(root, "test", "integration", "suite", "index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile,
    external: ["vscode", "mocha"],
    logLevel: "warning",
  });
  return outfile;
}

async function main(): Promise<void> {
  const missing = prerequisitesMissing();
  if (missing) {
    if (process.env.CI === "true") {
      console.error(`integration: FAILED: ${missing}; CI must install them`);
      process.exit(1);
    }
    console.log(`integration: SKIPPED: ${missing}`);
    return;
  }
  const models = await ensureTinyModels();
  const tests = await buildSuite();
  const workspace = await prepareWorkspace();
  // A real llama-server on loopback, with an API key, for the test that asks through the server
  // backend (with CI=true a missing llama-server fails here; elsewhere that test is skipped).
  const found = llamaServerOrSkip();
  const llama = found.bin ? await LlamaServer.start(found.bin, { model: models.chatTemplate, alias: "tiny-docs", apiKey: "integration-key" }) : undefined;
  const serverEnv = llama ? { url: llama.url, model: "tiny-docs", apiKey: "integration-key" } : { skip: found.skip };
  const started = Date.now();
  const { exitCode, runtime } = await runExtensionSuite({
    extensionDevelopmentPath: root,
    extensionTestsPath: tests,
    workspace,
    timeoutMs: 8 * 60_000,
    env: { DOCENT_TEST_MODELS: JSON.stringify(models), DOCENT_TEST_LLAMA_SERVER: JSON.stringify(serverEnv) },
    screenshotOnFailure: path.join(root, "out", "integration", "failure.png"),
  }).finally(() => llama?.close());
  console.log(`integration: ${runtime} suite finished with exit code ${exitCode} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await fs.rm(workspace, { recursive: true, force: true });
  process.exit(exitCode);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
