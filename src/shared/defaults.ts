// Defaults that the engine and the extension must agree on.

/** The docs indexed when no include globs are set. */
export const DEFAULT_INCLUDE = [
  "**/*.md",
  "**/*.mdx",
  "**/*.markdown",
  "**/*.txt",
  "**/*.rst",
  "**/*.adoc",
  "**/*.asciidoc",
  "**/*.html",
  "**/*.htm",
  "**/*.ipynb",
  // OpenAPI and AsyncAPI specs by their usual names (a file is read as a spec only if it is one).
  "**/{openapi,swagger,asyncapi}*.{yaml,yml,json}",
  "**/*.{openapi,swagger,asyncapi}.{yaml,yml,json}",
];

/**
 * The most characters of a heading that Docent keeps: the chunker caps heading paths at it, and the
 * chat view shows at most this much of a heading (the rest becomes "…").
 */
export const MAX_HEADING_CHARS = 200;

/** File names in the extension's workspace storage. */
export const INDEX_FILE = "index.docent";
export const FEEDBACK_FILE = "feedback.jsonl";

/** Memory (MB of JavaScript heap and buffers, which hold the index) past which indexing stops taking in files. */
export const DEFAULT_MEMORY_BUDGET_MB = 2048;
