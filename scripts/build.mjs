// Bundles Docent's entry points with esbuild: one options object per entry point.
// node-llama-cpp stays external: it loads a native binary that must not be bundled.
import * as esbuild from "esbuild";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  external: ["node-llama-cpp", "vscode"],
};

/** @type {esbuild.BuildOptions[]} */
const entryPoints = [
  {
    ...common,
    entryPoints: ["src/cli/bin.ts"],
    outfile: "dist/cli.js",
    format: "esm",
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __docentRequire } from 'node:module'; const require = __docentRequire(import.meta.url);" },
  },
];

// The VS Code extension host loads CommonJS; `vscode` is provided by the host.
entryPoints.push({
  ...common,
  entryPoints: ["src/extension/extension.ts"],
  outfile: "dist/extension.cjs",
  format: "cjs",
});
// The engine process (language server) is ESM, like the CLI, so it can import node-llama-cpp.
entryPoints.push({
  ...common,
  entryPoints: ["src/engineProcess/main.ts"],
  outfile: "dist/engineProcess.js",
  format: "esm",
  banner: { js: "import { createRequire as __docentRequire } from 'node:module'; const require = __docentRequire(import.meta.url);" },
});
// The model probe: a child process of the CLI and the engine process that loads a model file
// first, so that a llama.cpp abort ends only it (src/engine/model/local/loadProbe.ts finds it beside them).
entryPoints.push({
  ...common,
  entryPoints: ["src/engine/model/local/loadProbeChild.ts"],
  outfile: "dist/modelProbe.js",
  format: "esm",
  banner: { js: "import { createRequire as __docentRequire } from 'node:module'; const require = __docentRequire(import.meta.url);" },
});
// The chat webview runs in a browser frame: one script, no Node APIs.
entryPoints.push({
  bundle: true,
  platform: "browser",
  target: "chrome120",
  format: "iife",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  entryPoints: ["webview/main.ts"],
  outfile: "media/chat.js",
});

export const buildTargets = entryPoints;

if (watch) {
  for (const options of buildTargets) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(buildTargets.map((options) => esbuild.build(options)));
}
