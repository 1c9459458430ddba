// `vsce package` / `vsce publish` in the repository root would pack a .vsix without node-llama-cpp
// (.vscodeignore leaves the root's node_modules out: all of it but node-llama-cpp is bundled). The
// .vsix is built by `npm run package` (scripts/package.mjs), which stages one platform's binaries;
// publish that file: npx @vscode/vsce publish --packagePath docent-<target>-<version>.vsix
console.error(
  "Docent: package with `npm run package` (scripts/package.mjs stages node-llama-cpp with the target's binaries), " +
    "then publish the file it writes: npx @vscode/vsce publish --packagePath docent-<target>-<version>.vsix",
);
process.exit(1);
