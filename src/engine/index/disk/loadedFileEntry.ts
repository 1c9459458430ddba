// A file's entry as loaded from a saved index: what every scan needs (its place, size, time and
// chunk ids) is read at load; its title, content hash, heading paths and sections stay in the
// loaded bytes until first asked for (a search reads them for its hits only). At 30x the sample
// docs this saves some 200,000 strings, arrays and objects at load, most of the load's time.
import { ByteReader, CorruptIndex } from "./binaryFormat.js";
import { HASH_BYTES, readHeadings } from "./fileFields.js";
import type { FileEntry } from "../fileEntry.js";
import type { SectionRange } from "../ingest/chunker.js";

interface Details {
  title: string;
  hash: string;
  headings: string[][];
  sections: SectionRange[];
}

export class LoadedFileEntry implements FileEntry {
  chunkIds: number[] = [];
  private details?: Details;

  constructor(
    public file: string,
    public root: string,
    public relPath: string,
    public size: number,
    public mtimeMs: number,
    public hadInvalidUtf8: boolean,
    public slot: number,
    /** The saved bytes, `start` to `end`: from the file's title to the end of its sections (checked when loaded). */
    private readonly source: { bytes: Buffer },
    private readonly start: number,
    private readonly end: number,
  ) {}

  private decoded(): Details {
    if (this.details) return this.details;
    const r = new ByteReader(this.source.bytes, this.start, this.end);
    const title = r.str();
    const hash = r.bytes(HASH_BYTES).toString("hex");
    r.varuint();
    r.f64();
    r.u8();
    const headings = readHeadings(r);
    const sections: SectionRange[] = new Array(r.varuint());
    for (let s = 0; s < sections.length; s++) {
      const headingPath = headings[r.varuint()]!;
      const startLine = r.varuint();
      sections[s] = { headingPath, startLine, endLine: startLine + r.varuint() };
    }
    return (this.details = { title, hash, headings, sections });
  }

  get title(): string {
    return this.decoded().title;
  }
  set title(value: string) {
    this.decoded().title = value;
  }
  get hash(): string {
    return this.decoded().hash;
  }
  set hash(value: string) {
    this.decoded().hash = value;
  }
  get headings(): string[][] {
    return this.decoded().headings;
  }
  set headings(value: string[][]) {
    this.decoded().headings = value;
  }
  get sections(): SectionRange[] {
    return this.decoded().sections;
  }
  set sections(value: SectionRange[]) {
    this.decoded().sections = value;
  }
}

/** Steps over a string, checking only that its bytes are there. */
function skipString(r: ByteReader): void {
  r.skip(r.varuint());
}

/**
 * Steps over a file's facts, heading paths and sections as the index file holds them (see
 * fileFields.ts and writeIndex.ts), checking their extents and the sections' heading numbers, and
 * returns what a load needs at once; `LoadedFileEntry` decodes the rest from the same bytes.
 */
export function skimFileEntry(r: ByteReader): { size: number; mtimeMs: number; hadInvalidUtf8: boolean; headingCount: number } {
  skipString(r);
  r.skip(HASH_BYTES);
  const size = r.varuint();
  const mtimeMs = r.f64();
  const hadInvalidUtf8 = r.u8() === 1;
  const headingCount = r.count();
  for (let h = 0; h < headingCount; h++) {
    const parts = r.count();
    for (let p = 0; p < parts; p++) skipString(r);
  }
  const sectionCount = r.count(3);
  for (let s = 0; s < sectionCount; s++) {
    if (r.varuint() >= headingCount) throw new CorruptIndex("corrupt contents (a section's heading)");
    r.varuint();
    r.varuint();
  }
  return { size, mtimeMs, hadInvalidUtf8, headingCount };
}
