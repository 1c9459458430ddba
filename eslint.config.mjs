// ESLint (flat config): typescript-eslint's recommended rules, a few type-aware rules that find real bugs
// (promises above all), and the import rules that keep the layers apart:
//   src/extension  the only code that may import `vscode` / `vscode-languageclient`
//   src/engine     no vscode; nothing from src/engineProcess, src/extension, src/cli
//   src/engineProcess  no vscode; nothing from src/extension, src/cli
//   src/shared     nothing from the other layers. Browser-safe (the webview imports it): only itself and
//                  vscode-languageserver-protocol (its root entry is browser-safe), no node builtins, not src/shared/node
//   src/shared/node  the node-only helpers both sides share: itself, src/shared, node builtins, the LSP protocol package, types
//   webview/       browser code: only its own files, src/shared (not src/shared/node) and @vscode/webview-ui-toolkit
// and no import cycles anywhere (import-x/no-cycle skips type-only imports: scripts/checkImports.mjs, which
// `npm run lint` runs after ESLint, counts them, and keeps src/engine's layers pointing down). Formatting is
// Prettier's job (`npm run format:check`), not ESLint's.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

const root = dirname(fileURLToPath(import.meta.url));
const tsFiles = ["**/*.ts"];
const jsFiles = ["**/*.js", "**/*.mjs", "**/*.cjs"];

/** `vscode` and its language client: the extension host's API, for src/extension (and the tests that run inside VS Code) only. */
const vscodeOnly = (layer) => [
  { name: "vscode", message: `${layer} must not import vscode: only src/extension talks to the editor.` },
  { name: "vscode-languageclient", message: `${layer} must not import vscode-languageclient: it is src/extension's.` },
];
const vscodeOnlyPatterns = (layer) => [
  { group: ["vscode-languageclient/*"], message: `${layer} must not import vscode-languageclient: it is src/extension's.` },
];

/** The same layering as `no-restricted-paths` zones (resolved paths, so relative imports of any depth are caught). */
const zones = [
  {
    target: "./src/shared",
    from: ["./src/engine", "./src/engineProcess", "./src/extension", "./src/cli", "./webview", "./test", "./bench"],
    message: "src/shared is the common ground: it imports only itself (and node builtins / types).",
  },
  {
    target: "./src/engine",
    from: ["./src/engineProcess", "./src/extension", "./src/cli", "./webview", "./test", "./bench"],
    message: "src/engine must not depend on src/engineProcess, src/extension or src/cli.",
  },
  {
    target: "./src/engineProcess",
    from: ["./src/extension", "./src/cli", "./webview", "./test", "./bench"],
    message: "src/engineProcess runs the engine; it must not depend on the extension or the CLI.",
  },
  {
    target: "./src/cli",
    from: ["./src/extension", "./src/engineProcess", "./webview", "./test", "./bench"],
    message: "src/cli runs the engine directly; it must not depend on the extension or the engine process.",
  },
  {
    target: "./src/extension",
    from: ["./src/engine", "./src/engineProcess", "./src/cli", "./webview", "./test", "./bench"],
    message: "src/extension talks to the engine through the language server protocol (src/shared), not by importing it.",
  },
  { target: "./webview", from: "./src", except: ["./shared"], message: "The webview imports only src/shared (message types) and its own files." },
  {
    target: "./webview",
    from: "./src/shared/node",
    message: "The webview is browser code: src/shared/node is node-only (the browser-safe part is src/shared).",
  },
  { target: "./webview", from: ["./test", "./bench"], message: "The webview must not import tests or benchmarks." },
];

export default defineConfig(
  globalIgnores(
    [
      "dist/",
      "out/",
      "node_modules/",
      ".tools/",
      ".docent/",
      ".package/",
      ".gl/",
      ".whl/",
      "media/chat.js",
      "media/chat.js.map",
      "webview/dev/out/",
      "webview/dev/**/*.js",
      "test/fixtures/models/",
      "test/fixtures/codeCheck/",
      "bench/results/",
      "samples/",
    ],
    "docent/ignores",
  ),
  {
    name: "docent/linter-options",
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },

  js.configs.recommended,
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: config.files ?? tsFiles })),

  {
    name: "docent/javascript",
    files: jsFiles,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
  {
    name: "docent/typescript",
    files: tsFiles,
    languageOptions: {
      parserOptions: {
        // The nearest tsconfig.json of each file: ./tsconfig.json (src, test, bench) or webview/tsconfig.json.
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    rules: {
      // Type-aware rules with bug-finding value; `void promise` is the accepted explicit opt-out.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          ignoreVoid: true,
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-implied-eval": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/require-await": "off",
      // Pragmatic: `_`-prefixed names are deliberate; unused function arguments document signatures.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { args: "none", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    name: "docent/commonjs",
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    // Node scripts that also hand functions to a browser page (playwright's page.evaluate).
    name: "docent/webview-dev-scripts",
    files: ["webview/dev/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    name: "docent/javascript-unused",
    files: jsFiles,
    rules: { "no-unused-vars": ["error", { args: "none", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }] },
  },

  // Imports: cycles and layering.
  {
    name: "docent/imports",
    files: [...tsFiles, ...jsFiles],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js", ".mjs", ".cjs"],
      "import-x/external-module-folders": ["node_modules", "node_modules/@types"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [
        createTypeScriptImportResolver({
          alwaysTryTypes: true,
          project: [`${root}/tsconfig.json`, `${root}/webview/tsconfig.json`],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-self-import": "error",
      "import-x/no-restricted-paths": ["error", { basePath: root, zones }],
    },
  },
  {
    name: "docent/layer-engine-server-cli",
    files: ["src/engine/**/*.ts", "src/engineProcess/**/*.ts", "src/cli/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { paths: vscodeOnly("src/engine, src/engineProcess and src/cli"), patterns: vscodeOnlyPatterns("src/engine, src/engineProcess and src/cli") },
      ],
    },
  },
  {
    name: "docent/layer-shared",
    files: ["src/shared/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: vscodeOnly("src/shared"),
          patterns: [
            ...vscodeOnlyPatterns("src/shared"),
            {
              // Packages: type imports are fine; values only from node builtins and the LSP protocol definitions.
              // (vscode and its client stay out of this exception: they are restricted even as types, above.)
              regex: "^(?!\\.|node:|vscode-languageserver-protocol$|vscode$|vscode-languageclient(/|$))",
              allowTypeImports: true,
              message:
                "src/shared/node may import values only from itself, src/shared, node builtins and vscode-languageserver-protocol (type imports are fine).",
            },
          ],
        },
      ],
    },
  },
  {
    // The browser-safe part (the webview bundles what it imports from here): no node builtins, not
    // even as types, and nothing from the node part.
    name: "docent/layer-shared-browser",
    files: ["src/shared/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: vscodeOnly("src/shared"),
          patterns: [
            ...vscodeOnlyPatterns("src/shared"),
            {
              regex: "^(?!\\.|vscode-languageserver-protocol$)",
              allowTypeImports: false,
              message:
                "src/shared is browser-safe (the webview imports it): only itself and vscode-languageserver-protocol. Node-only helpers go in src/shared/node.",
            },
            {
              regex: "^\\.\\.?/(.*/)?node/",
              allowTypeImports: false,
              message: "src/shared is browser-safe: it must not import src/shared/node.",
            },
          ],
        },
      ],
    },
  },
  {
    name: "docent/layer-webview",
    files: ["webview/**/*.ts"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // entities' decoder: HTML5's character references for the Markdown renderer (pure, no DOM).
              regex: "^(?!\\.|@vscode/webview-ui-toolkit$|entities/lib/decode\\.js$)",
              allowTypeImports: false,
              message: "The webview is browser code: it imports only its own files, src/shared, @vscode/webview-ui-toolkit and entities' decoder.",
            },
          ],
        },
      ],
    },
  },
  {
    // Only the suite that runs inside VS Code (test/integration/suite) may import vscode.
    name: "docent/tests-outside-vscode",
    files: ["test/**/*.ts", "bench/**/*.ts"],
    ignores: ["test/integration/suite/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { paths: vscodeOnly("Tests outside test/integration/suite"), patterns: vscodeOnlyPatterns("Tests outside test/integration/suite") },
      ],
    },
  },
);
