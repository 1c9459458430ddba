// Load the saved index for some folders, bring it up to date, and save it when anything changed.
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import type { IndexOptions, UpdateReport } from "./docsIndex.js";
import { hasChanges, type DocsIndex } from "./docsIndex.js";
import { loadIndex, saveIndex, type LoadOutcome } from "./persistence.js";

export interface OpenedIndex {
  index: DocsIndex;
  load: LoadOutcome["status"];
  loadReason?: string;
  loadMs: number;
  report: UpdateReport;
  saved: boolean;
  indexFile: string;
}

/** Docent's folder in the user's cache (XDG_CACHE_HOME, else ~/.cache). */
export function userCacheDir(...parts: string[]): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "docent", ...parts);
}

/** Where the CLI keeps an index when no --index is given: the user's cache folder, one file per folder set. */
export function defaultIndexFile(roots: string[], embedderId?: string): string {
  const key = createHash("sha1")
    .update(roots.map((r) => path.resolve(r)).join("\n") + (embedderId ? `\n${embedderId}` : ""))
    .digest("hex")
    .slice(0, 16);
  return userCacheDir("indexes", `${key}.json`);
}

export async function openIndex(
  roots: string[],
  options: IndexOptions & { indexFile?: string; save?: boolean; signal?: AbortSignal } = {},
): Promise<OpenedIndex> {
  const absRoots = roots.map((r) => path.resolve(r));
  const indexFile = options.indexFile ?? defaultIndexFile(absRoots, options.embedder?.id);
  const t0 = performance.now();
  const loaded = await loadIndex(indexFile, absRoots, options);
  const loadMs = performance.now() - t0;
  const report = await loaded.index.update(options.signal);
  const changed = loaded.status !== "loaded" || hasChanges(report);
  if (changed && options.save !== false) await saveIndex(loaded.index, indexFile);
  return {
    index: loaded.index,
    load: loaded.status,
    loadReason: "reason" in loaded ? loaded.reason : undefined,
    loadMs,
    report,
    saved: changed && options.save !== false,
    indexFile,
  };
}

