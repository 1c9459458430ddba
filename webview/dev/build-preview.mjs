// Builds the dev preview into a scratch folder (default: $TMPDIR/docent-preview) and prints its URL:
// preview.html, preview.js (stub host), chat.js (the real view) and chat.css side by side.
//   node webview/dev/build-preview.mjs [outDir]
import { copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = resolve(process.argv[2] ?? join(tmpdir(), "docent-preview"));
mkdirSync(outDir, { recursive: true });

const browser = { bundle: true, platform: "browser", target: "chrome120", format: "iife", logLevel: "warning" };
await Promise.all([
  esbuild.build({ ...browser, entryPoints: [join(root, "webview/main.ts")], outfile: join(outDir, "chat.js") }),
  esbuild.build({ ...browser, entryPoints: [join(root, "webview/dev/preview.ts")], outfile: join(outDir, "preview.js") }),
]);
copyFileSync(join(root, "webview/dev/preview.html"), join(outDir, "preview.html"));
copyFileSync(join(root, "media/chat.css"), join(outDir, "chat.css"));
console.log(pathToFileURL(join(outDir, "preview.html")).href);
