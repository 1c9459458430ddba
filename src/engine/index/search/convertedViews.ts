// The Markdown views of converted files (HTML, AsciiDoc, reStructuredText, MDX, notebooks, API specs),
// kept across answers and hovers: each answer and each hover reads its files anew (DocLines), and
// converting a 200 KB page again each time cost more than the rest of the read. A view is kept per
// path with the size and modification time it was read at, and the text it was made from, which a
// read must match to be given the view (a file rewritten within the same clock tick at the same size
// is converted again, never shown stale). Bounded by characters, least recently used dropped first.
import { isConvertedFormat, markdownViewOf } from "../ingest/formats/formats.js";

/** A file as read: its text and lines, and the size and modification time of the file read. */
export interface ReadText {
  text: string;
  lines: string[];
  size: number;
  mtimeMs: number;
}

interface Kept {
  size: number;
  mtimeMs: number;
  text: string;
  view: string[];
  chars: number;
}

/** About 64 MB of UTF-16 text (views and the texts they were made from) at most. */
export const MAX_VIEW_CHARS = 32 * 1024 * 1024;

export class ConvertedViews {
  /** Insertion order is recency: a hit moves the file to the end. */
  private readonly kept = new Map<string, Kept>();
  private chars = 0;
  /** How many times a file was converted (what the cache saves; the tests count it). */
  conversions = 0;

  constructor(private readonly maxChars = MAX_VIEW_CHARS) {}

  /** The lines a reader of `file` sees: its Markdown view for a converted format, else its lines. */
  linesOf(file: string, read: ReadText): string[] {
    if (!isConvertedFormat(file)) return read.lines;
    const kept = this.kept.get(file);
    if (kept && kept.size === read.size && kept.mtimeMs === read.mtimeMs && kept.text === read.text) {
      this.kept.delete(file);
      this.kept.set(file, kept);
      return kept.view;
    }
    this.conversions++;
    // Frozen: every reader shares it (they slice it; one that wrote to it would throw, not corrupt the others).
    const view = Object.freeze(markdownViewOf(read.text, read.lines, file) ?? read.lines) as string[];
    this.remember(file, { size: read.size, mtimeMs: read.mtimeMs, text: read.text, view, chars: read.text.length + charsOf(view) });
    return view;
  }

  stats(): { files: number; chars: number; conversions: number } {
    return { files: this.kept.size, chars: this.chars, conversions: this.conversions };
  }

  private remember(file: string, entry: Kept): void {
    this.forget(file);
    // A view larger than the whole budget is used once and not kept.
    if (entry.chars > this.maxChars) return;
    this.kept.set(file, entry);
    this.chars += entry.chars;
    for (const [other] of this.kept) {
      if (this.chars <= this.maxChars) break;
      this.forget(other);
    }
  }

  private forget(file: string): void {
    const entry = this.kept.get(file);
    if (!entry) return;
    this.kept.delete(file);
    this.chars -= entry.chars;
  }
}

function charsOf(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += line.length + 1;
  return n;
}

/** The engine's one cache: every DocLines (one per answer, hover or card) reads through it. */
export const convertedViews = new ConvertedViews();
