// Reads the next few doc files while the current one is chunked and tokenized. A full index is a
// long run of small files, each costing several file-system calls (open, fstat, realpath, read,
// close), and each of those calls waits on libuv's thread pool: read one after the other, a third
// of a big build was spent idle (measured on 9,180 files, bench/scale.mjs). Files are still
// indexed one at a time and in order; only their reads overlap.
import type { CorpusFile, DocFileRead } from "./corpus.js";

/** How many reads run ahead of the file being indexed: enough to hide the calls' latency, and at
 * most this many files (each within the size limit) held in memory before their turn. */
export const READ_AHEAD = 8;

export class ReadAhead {
  private readonly started = new Map<number, Promise<DocFileRead>>();
  private next = 0;

  /**
   * @param files the files in the order they are indexed
   * @param readFile reads one (readDocFile with the size limit); it must not reject
   * @param wanted whether a file needs reading at all (an unchanged or too-large one does not);
   *   asked once, when the window reaches it
   */
  constructor(
    private readonly files: readonly CorpusFile[],
    private readonly readFile: (file: CorpusFile) => Promise<DocFileRead>,
    private readonly wanted: (file: CorpusFile) => boolean,
    private readonly depth = READ_AHEAD,
  ) {}

  /**
   * The read of file i, started earlier when it was wanted then, otherwise now. Moves the window
   * on so that the next `depth` files are being read. A read never rejects (a failed read is a
   * result), so one started and never asked for (an update stopped early) leaks nothing.
   */
  read(i: number): Promise<DocFileRead> {
    // Files before i that were passed over (unchanged) are not read now.
    if (this.next < i) this.next = i;
    for (const until = Math.min(i + 1 + this.depth, this.files.length); this.next < until; this.next++) {
      const file = this.files[this.next]!;
      if (this.wanted(file)) this.started.set(this.next, this.readFile(file));
    }
    const early = this.started.get(i);
    this.started.delete(i);
    return early ?? this.readFile(this.files[i]!);
  }
}
