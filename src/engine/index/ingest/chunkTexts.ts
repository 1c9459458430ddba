// Chunk texts are not kept in the index: a file's chunks are re-made from the file when one of
// them is read (the chunker is deterministic), provided the file still has the content hash that
// was indexed. A few recently read files' texts stay in memory (bounded by characters).
// A file that changed, went away or cannot be read gives empty texts and is reported (the index
// then re-indexes it): the text of a chunk is never taken from content other than what was indexed.
import { chunkDocument, type ChunkOptions } from "./chunker.js";
import { contentHash } from "./hash.js";
import { readDocFileSync } from "./docFile.js";
import { decodeText, looksBinary } from "./fileText.js";

interface TextSource {
  file: string;
  root: string;
  relPath: string;
  hash: string;
}

/** About 16 MB of UTF-16 text at most, whatever the number of files. */
const MAX_CACHED_CHARS = 8 * 1024 * 1024;

export class ChunkTexts {
  /** Insertion order is recency: a hit moves the file to the end. */
  private cache = new Map<TextSource, string[]>();
  private chars = 0;
  private reads = 0;

  constructor(
    private readonly chunking: ChunkOptions,
    private readonly maxFileBytes: number,
    private readonly onStale: (entry: TextSource, why: string) => void,
  ) {}

  textOf(entry: TextSource, ordinal: number): string {
    let texts = this.cache.get(entry);
    if (texts) {
      this.cache.delete(entry);
      this.cache.set(entry, texts);
    } else {
      texts = this.read(entry);
      if (!texts) return "";
      this.remember(entry, texts);
    }
    return texts[ordinal] ?? "";
  }

  remember(entry: TextSource, texts: string[]): void {
    this.forget(entry);
    let size = 0;
    for (const t of texts) size += t.length;
    this.cache.set(entry, texts);
    this.chars += size;
    for (const [other, otherTexts] of this.cache) {
      if (this.chars <= MAX_CACHED_CHARS || other === entry) break;
      this.forget(other, otherTexts);
    }
  }

  forget(entry: TextSource, texts = this.cache.get(entry)): void {
    if (!texts) return;
    this.cache.delete(entry);
    for (const t of texts) this.chars -= t.length;
  }

  stats(): { files: number; chars: number; reads: number } {
    return { files: this.cache.size, chars: this.chars, reads: this.reads };
  }

  /** Each file's staleness is reported once (the index re-indexes it, which makes a new entry). */
  private readonly reported = new WeakSet<TextSource>();

  private stale(entry: TextSource, why: string): void {
    if (this.reported.has(entry)) return;
    this.reported.add(entry);
    this.onStale(entry, why);
  }

  /** The file's chunk texts, if its content is still what was indexed. */
  private read(entry: TextSource): string[] | undefined {
    this.reads++;
    const read = readDocFileSync(entry.root, entry.file, this.maxFileBytes);
    if (!read.ok) {
      this.stale(entry, `cannot read it (${read.detail})`);
      return undefined;
    }
    const bytes = read.bytes;
    if (looksBinary(bytes) || contentHash(bytes) !== entry.hash) {
      this.stale(entry, "changed since it was indexed");
      return undefined;
    }
    return chunkDocument(decodeText(bytes).text, entry.relPath, this.chunking).chunks.map((c) => c.text);
  }
}
