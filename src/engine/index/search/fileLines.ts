// A file's lines as the indexer saw them, read once per answer (answers often cite several
// sections of one file).
import { readLines } from "../ingest/fileText.js";

export async function fileLinesOf(file: string, cache: Map<string, string[] | undefined>): Promise<string[] | undefined> {
  if (!cache.has(file)) cache.set(file, await readLines(file));
  return cache.get(file);
}
