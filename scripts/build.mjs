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

export const buildTargets = entryPoints;

if (watch) {
  for (const options of entryPoints) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(entryPoints.map((options) => esbuild.build(options)));
}
