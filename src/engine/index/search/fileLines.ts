// A file's lines as the indexer saw them, read once per answer (answers often cite several
// sections of one file). A file in a converted format (AsciiDoc, HTML) is read as its Markdown view.
import { isConvertedFormat, readMarkdownView } from "../ingest/formats/formats.js";
import { readLines } from "../ingest/fileText.js";

export async function fileLinesOf(file: string, cache: Map<string, string[] | undefined>): Promise<string[] | undefined> {
  if (!cache.has(file)) cache.set(file, await (isConvertedFormat(file) ? readMarkdownView(file) : readLines(file)));
  return cache.get(file);
}
