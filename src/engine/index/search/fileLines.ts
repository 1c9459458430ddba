// A file's lines as the indexer saw them, read once per answer (answers often cite several
// sections of one file). A file in a converted format (AsciiDoc, HTML) is read as its Markdown view,
// converted once for as long as the file stays the same (convertedViews.ts).
// Only indexed files are read, and only through readDocText (regular file, inside its folder,
// within the size limit): a FIFO or a huge file in a doc's place gives no lines, never a hang.
import type { FileEntry } from "../fileEntry.js";
import { readDocText } from "../ingest/fileText.js";
import { convertedViews, type ConvertedViews } from "./convertedViews.js";

/** What DocLines needs of the index: its files (with their folders) and the size limit. */
export interface IndexedDocs {
  readonly files: ReadonlyMap<string, Pick<FileEntry, "root">>;
  readonly filter: { readonly maxFileBytes: number };
}

/** The lines of indexed files, each file read at most once. */
export class DocLines {
  private readonly cache = new Map<string, Promise<string[] | undefined>>();

  constructor(
    private readonly index: IndexedDocs,
    private readonly views: ConvertedViews = convertedViews,
  ) {}

  /** The file's lines (its Markdown view for a converted format), or undefined when it is not indexed or cannot be read. */
  of(file: string): Promise<string[] | undefined> {
    let lines = this.cache.get(file);
    if (!lines) {
      lines = this.read(file);
      this.cache.set(file, lines);
    }
    return lines;
  }

  private async read(file: string): Promise<string[] | undefined> {
    const entry = this.index.files.get(file);
    if (!entry) return undefined;
    const read = await readDocText(entry.root, file, this.index.filter.maxFileBytes);
    if (!read.ok) return undefined;
    return this.views.linesOf(file, read);
  }
}

export async function fileLinesOf(file: string, cache: DocLines): Promise<string[] | undefined> {
  return cache.of(file);
}
