// `npm run package`: a platform-specific .vsix. The extension, the engine process and the webview
// are bundled by esbuild; node-llama-cpp is not (it loads a native binary), so it is installed
// into a staging folder with only the prebuilt binary for the target platform, and vsce packages
// that folder. Usage: node scripts/package.mjs [--target linux-x64] [--out file.vsix]
// GPUs: linux-x64 and win32-x64 carry the Vulkan binary beside the CPU one (NVIDIA, AMD and Intel
// GPUs; node-llama-cpp falls back to the CPU binary where Vulkan finds no GPU), darwin-arm64 the
// Metal one. CUDA (180 to 540 MB more) is not packaged: "Docent: Enable CUDA" fetches it on request
// (docs/extension.md).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PACKAGED_FILES, ROOT_ONLY_RULE } from "./packageContents.mjs";

const { values } = parseArgs({ options: { target: { type: "string" }, out: { type: "string" } } });
const target = values.target ?? `${process.platform === "win32" ? "win32" : process.platform}-${process.arch}`;
// VS Code's target names and node-llama-cpp's binary packages differ a little.
const binaryPackages = {
  "linux-x64": ["@node-llama-cpp/linux-x64", "@node-llama-cpp/linux-x64-vulkan"],
  "linux-arm64": ["@node-llama-cpp/linux-arm64"],
  "darwin-arm64": ["@node-llama-cpp/mac-arm64-metal"],
  "darwin-x64": ["@node-llama-cpp/mac-x64"],
  "win32-x64": ["@node-llama-cpp/win-x64", "@node-llama-cpp/win-x64-vulkan"],
  "win32-arm64": ["@node-llama-cpp/win-arm64"],
}[target];
if (!binaryPackages) throw new Error(`no node-llama-cpp binary package known for ${target}`);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const llamaVersion = manifest.dependencies["node-llama-cpp"];
const stage = path.join(root, ".package", target);
const out = path.resolve(values.out ?? path.join(root, `docent-${target}-${manifest.version}.vsix`));

rmSync(stage, { recursive: true, force: true });
mkdirSync(path.dirname(out), { recursive: true });
mkdirSync(stage, { recursive: true });
for (const item of PACKAGED_FILES) {
  if (existsSync(path.join(root, item))) cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
}
// Only what runs is declared: everything else is inside the bundles.
const staged = {
  ...manifest,
  dependencies: { "node-llama-cpp": llamaVersion, ...Object.fromEntries(binaryPackages.map((p) => [p, llamaVersion])) },
  devDependencies: {},
  scripts: {},
};
delete staged.bin;
// .vscodeignore leaves node_modules out in the repository root (all of it bundled); here it holds
// only node-llama-cpp's tree, which the .vsix must carry, pruned by the file's other rules.
const ignoreRules = readFileSync(path.join(root, ".vscodeignore"), "utf8").split("\n");
if (!ignoreRules.includes(ROOT_ONLY_RULE)) throw new Error(`.vscodeignore has no "${ROOT_ONLY_RULE}" line to drop in the stage`);
writeFileSync(path.join(stage, ".vscodeignore"), ignoreRules.filter((l) => l !== ROOT_ONLY_RULE).join("\n"));
writeFileSync(path.join(stage, "package.json"), JSON.stringify(staged, null, 2));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: stage, stdio: "inherit" });
// --omit=optional leaves out the other platforms' binaries and CUDA (the chosen ones are direct dependencies);
// --ignore-scripts: nothing is built, the prebuilt binary is used ("build: never" at run time).
run("npm", [
  "install",
  "--omit=optional",
  "--omit=dev",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  "--no-package-lock",
  `--os=${target.split("-")[0] === "win32" ? "win32" : target.split("-")[0]}`,
  `--cpu=${target.split("-")[1]}`,
]);
run(process.execPath, [
  path.join(root, "node_modules", "@vscode", "vsce", "vsce"),
  "package",
  "--target",
  target,
  "--out",
  out,
  // README's relative links (docs/*.md, which the .vsix does not carry) become absolute links into
  // the repository (package.json's `repository`), so they work on the Marketplace and Open VSX.
]);
// Every binary package the target needs must be in the stage, or "GPU auto" silently finds none.
for (const p of binaryPackages) {
  if (!existsSync(path.join(stage, "node_modules", p, "package.json"))) throw new Error(`${p} missing from the staged node_modules`);
}
console.log(`${path.relative(process.cwd(), out)}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB (${binaryPackages.join(", ")})`);
