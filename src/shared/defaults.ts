// Defaults that the engine and the extension must agree on.

/** The docs indexed when no include globs are set. */
export const DEFAULT_INCLUDE = ["**/*.md", "**/*.mdx", "**/*.markdown", "**/*.txt", "**/*.rst"];

/** File names in the extension's workspace storage. */
export const INDEX_FILE = "index.docent";
export const FEEDBACK_FILE = "feedback.jsonl";
