// `npm run demo`: VS Code in the browser (code-server, from the test tools in ~/.cache/docent/test-tools) with the packaged Docent
// installed, on the sample docs. Prints the URL and runs until Ctrl-C.
// DOCENT_CHAT_MODEL: a .gguf path or hf: reference for the chat model ("tiny": the test model).
// Install what it needs first: bash scripts/install-demo-deps.sh (README: the demo command).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// The test harness's code-server launcher and tiny models, bundled by esbuild in a second rather
// than compiling every test with tsc (`npm run compile-tests`: 20 s of CPU, minutes on a busy machine).
const harness = path.join(root, "out", "demo", "harness.js");
await esbuild.build({
  stdin: {
    contents: `export { startCodeServer } from "./test/integration/harness/codeServer.ts";\nexport { ensureTinyModels } from "./test/fixtures/tinyModels.ts";`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile: harness,
  logLevel: "warning",
});
const { startCodeServer, ensureTinyModels } = await import(harness);

const t0 = Date.now();
const step = (what) => console.log(`==> ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
const vsix = path.join(root, "out", "demo", "docent.vsix");
step("packaging Docent with this machine's llama.cpp binaries (scripts/package.mjs; about a minute)");
execFileSync(process.execPath, [path.join(root, "scripts", "package.mjs"), "--out", vsix], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
let chatModel = process.env.DOCENT_CHAT_MODEL ?? "";
if (chatModel === "tiny") chatModel = (await ensureTinyModels()).chatTemplate;
step(`starting code-server on the sample docs${chatModel ? `, chat model ${chatModel}` : ""}`);
const server = await startCodeServer({
  workspace: path.join(root, "samples", "otel-semconv"),
  installVsix: vsix,
  port: Number(process.env.PORT ?? 8080),
  userSettings: chatModel ? { "docent.chatModel": chatModel } : {},
});
step("code-server is up");
console.log(`\nDocent is running in VS Code on the sample docs: open ${server.url}`);
console.log(chatModel ? `Chat model: ${chatModel}` : 'No chat model: answers show the best-matching sections (set one with "Docent: Select Model").');
console.log("Press Ctrl-C to stop.");
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
await new Promise(() => {});
