// Saving and loading the index: one JSON file, written atomically (temporary file, then rename).
// A file that is corrupt, truncated, of another format version, or made with another embedder
// or other settings is discarded with a log line; the caller then rebuilds.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { load, save } from "@orama/orama";
import { Bm25Index, type Bm25Snapshot } from "./bm25.js";
import { DocsIndex, type FileEntry, type IndexOptions } from "./docsIndex.js";
import { TermIndex } from "./terms.js";
import { silentLogger } from "./types.js";

export const INDEX_FORMAT = "docent-index";
export const INDEX_FORMAT_VERSION = 1;

interface IndexFile {
  format: typeof INDEX_FORMAT;
  version: number;
  embedder: string | null;
  /** Settings that change what is indexed; a mismatch means rebuild. */
  settings: string;
  roots: string[];
  savedAt: string;
  nextId: number;
  files: FileEntry[];
  bm25: Bm25Snapshot;
  terms: ReturnType<TermIndex["snapshot"]>;
  orama: unknown;
}

function settingsKey(index: Pick<DocsIndex, "chunking" | "corpusOptions">): string {
  return JSON.stringify({ chunking: index.chunking, corpus: index.corpusOptions });
}

export async function saveIndex(index: DocsIndex, file: string): Promise<{ bytes: number }> {
  const data: IndexFile = {
    format: INDEX_FORMAT,
    version: INDEX_FORMAT_VERSION,
    embedder: index.embedder?.id ?? null,
    settings: settingsKey(index),
    roots: index.roots,
    savedAt: new Date().toISOString(),
    nextId: index.nextId,
    files: [...index.files.values()],
    bm25: index.bm25.snapshot(),
    terms: index.terms.snapshot(),
    orama: save(index.orama),
  };
  const json = JSON.stringify(data);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, json);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return { bytes: Buffer.byteLength(json) };
}

export type LoadOutcome =
  | { status: "loaded"; index: DocsIndex }
  | { status: "missing" | "discarded"; index: DocsIndex; reason?: string };

/**
 * Loads a saved index for these roots and options. Whatever goes wrong, the caller gets a usable
 * (possibly empty) DocsIndex back and a reason; `update()` then brings it up to date.
 */
export async function loadIndex(file: string, roots: string[], options: IndexOptions = {}): Promise<LoadOutcome> {
  const logger = options.logger ?? silentLogger;
  const fresh = () => new DocsIndex(roots, options);
  let json: string;
  try {
    json = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing", index: fresh() };
    return discard(`cannot read it (${(err as Error).message})`);
  }
  function discard(reason: string): LoadOutcome {
    logger.warn(`Saved index ${file} discarded, rebuilding: ${reason}`);
    return { status: "discarded", index: fresh(), reason };
  }
  let data: IndexFile;
  try {
    data = JSON.parse(json) as IndexFile;
  } catch (err) {
    return discard(`not valid JSON, probably truncated or corrupt (${(err as Error).message})`);
  }
  if (data?.format !== INDEX_FORMAT) return discard("not a Docent index file");
  if (data.version !== INDEX_FORMAT_VERSION) return discard(`format version ${data.version}, expected ${INDEX_FORMAT_VERSION}`);
  const index = fresh();
  if ((data.embedder ?? null) !== (options.embedder?.id ?? null)) {
    return discard(`made with embedder ${data.embedder ?? "none"}, now ${options.embedder?.id ?? "none"}`);
  }
  if (data.settings !== settingsKey(index)) return discard("indexing settings changed");
  if (JSON.stringify(data.roots) !== JSON.stringify(roots)) return discard("made for other folders");
  try {
    load(index.orama, data.orama as never);
    index.bm25 = Bm25Index.fromSnapshot(data.bm25);
    index.terms = TermIndex.fromSnapshot(data.terms);
    index.nextId = data.nextId;
    for (const entry of data.files) index.files.set(entry.file, entry);
    if (options.embedder) restoreVectorCache(index);
    const expected = data.files.reduce((n, f) => n + f.chunkIds.length, 0);
    if (index.chunkCount !== expected || index.bm25.size !== expected) {
      return discard(`inconsistent contents (${index.chunkCount} stored chunks, ${expected} expected)`);
    }
  } catch (err) {
    return discard(`unreadable contents (${(err as Error).message})`);
  }
  return { status: "loaded", index };
}

function restoreVectorCache(index: DocsIndex): void {
  for (const entry of index.files.values()) {
    for (const id of entry.chunkIds) {
      const doc = index.getChunkWithVector(id);
      if (doc?.embedding) index.vectorCache.set(doc.hash, Float32Array.from(doc.embedding));
    }
  }
}
