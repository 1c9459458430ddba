// What scripts/package.mjs copies from the repository into its staging folder, the one list of it:
// test/integration/harness/vsixCache.ts hashes the same files to know when to package again.
// .vscodeignore (copied too) then decides what of them, and of node_modules, goes into the .vsix.
export const PACKAGED_FILES = ["dist", "media", "README.md", "LICENSE", "CHANGELOG.md", ".vscodeignore"];

/** The .vscodeignore line that applies in the repository root only (package.mjs drops it in the stage). */
export const ROOT_ONLY_RULE = "node_modules/**";
