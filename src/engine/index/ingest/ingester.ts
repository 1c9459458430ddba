// Reading files into the index: new and changed files are read, chunked, tokenized and added to
// every structure (full text, defined terms, spelling, vectors once embedded), gone ones removed,
// one change at a time; each change is also recorded for the journal (disk/journal.ts).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { termCounts } from "../search/bm25.js";
import { chunkDocument } from "./chunker.js";
import { chunkFieldTokens, titleTokens } from "./chunkFields.js";
import { isGitIgnoredFile, linkStaysInside, listCorpus, readDocFile, type CorpusFile, type DocFileRead, type SkippedFile } from "./corpus.js";
import { decodeText, looksBinary } from "./fileText.js";
import { contentHash } from "./hash.js";
import { ReadAhead } from "./readAhead.js";
import { extractDefinedTerms } from "../search/terms.js";
import type { WordSink } from "../search/tokenizer.js";
import type { JournaledChunk } from "../disk/journal.js";
import type { FileEntry } from "../fileEntry.js";
import type { IndexContents } from "../indexContents.js";
import type { ChunkRecord } from "../types.js";
import { relativeInside } from "../../../shared/node/paths.js";
import type { Logger } from "../../util/logger.js";
import { SerialQueue } from "../../util/serialQueue.js";
import { StringOwner } from "../../util/ownString.js";

export interface UpdateReport {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  skipped: SkippedFile[];
  invalidUtf8: string[];
  chunksAdded: number;
  ms: number;
  /** Set when the memory budget stopped the update before every file was indexed. */
  overBudget?: { usedMB: number; budgetMB: number; filesLeft: number };
}

/** Whether an update added, changed or removed anything (and the saved index is out of date). */
export function hasChanges(report: Pick<UpdateReport, "added" | "updated" | "removed">): boolean {
  return report.added.length + report.updated.length + report.removed.length > 0;
}

export class Ingester {
  /** Changes to the index run one at a time: two updates of one file must not interleave. */
  private readonly mutations = new SerialQueue();

  constructor(
    private readonly index: IndexContents,
    private readonly logger: Logger,
    private readonly memoryBudgetMB?: number,
  ) {}

  /**
   * Brings the index in line with the folders: new and changed files are chunked, gone ones removed.
   * `onProgress` hears of each file looked at (done of total), for the editor's progress.
   */
  update(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<UpdateReport> {
    return this.mutations.run(() => this.updateNow(signal, onProgress));
  }

  private async updateNow(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<UpdateReport> {
    const started = performance.now();
    const listing = await listCorpus(this.index.roots, this.index.corpusOptions);
    const report: UpdateReport = {
      added: [],
      updated: [],
      removed: [],
      unchanged: 0,
      skipped: [...listing.skipped],
      invalidUtf8: [],
      chunksAdded: 0,
      ms: 0,
    };
    const listed = new Set(listing.files.map((f) => f.absPath));
    const total = listing.files.length;
    const reads = new ReadAhead(
      listing.files,
      (file) => readDocFile(file.root, file.absPath, this.index.filter.maxFileBytes),
      (file) => this.needsRead(file),
    );
    onProgress?.(0, total);
    for (let i = 0; i < total; i++) {
      const file = listing.files[i]!;
      signal?.throwIfAborted();
      if (this.memoryBudgetMB && i % 16 === 0) {
        const usedMB = indexMemoryMB();
        if (usedMB > this.memoryBudgetMB) {
          report.overBudget = { usedMB: Math.round(usedMB), budgetMB: this.memoryBudgetMB, filesLeft: listing.files.length - i };
          this.logger.warn(
            `Indexing stopped at the memory budget (${Math.round(usedMB)} MB of ${this.memoryBudgetMB} MB): ${listing.files.length - i} files not indexed; search answers from the ${this.index.files.size} indexed.`,
          );
          break;
        }
      }
      const outcome = await this.indexFile(file, report, () => reads.read(i));
      if (outcome === "added") report.added.push(file.relPath);
      else if (outcome === "updated") report.updated.push(file.relPath);
      else if (outcome === "unchanged") report.unchanged++;
      onProgress?.(i + 1, total);
    }
    for (const file of [...this.index.files.keys()]) {
      if (!listed.has(file)) {
        report.removed.push(this.index.files.get(file)!.relPath);
        await this.removeFileNow(file);
      }
    }
    await this.embedPending(signal);
    report.ms = performance.now() - started;
    return report;
  }

  /** Re-indexes one file after a change on disk (watchers call this). Returns what happened. */
  refreshFile(absPath: string): Promise<"added" | "updated" | "unchanged" | "removed" | "skipped" | "ignored"> {
    return this.mutations.run(() => this.refreshFileNow(absPath));
  }

  private async refreshFileNow(absPath: string): Promise<"added" | "updated" | "unchanged" | "removed" | "skipped" | "ignored"> {
    // The root that holds the file.
    const root = this.index.roots.map((r) => path.resolve(r)).find((r) => relativeInside(r, absPath) !== undefined);
    if (!root) return "ignored";
    const relPath = relativeInside(root, absPath)!;
    if (!this.index.filter.matches(relPath)) return "ignored";
    if (this.index.filter.useGitignore && (await isGitIgnoredFile(root, relPath))) {
      if (this.index.files.has(absPath)) await this.removeFileNow(absPath);
      return "ignored";
    }
    let stat;
    try {
      stat = await fs.stat(absPath);
    } catch {
      if (this.index.files.has(absPath)) {
        await this.removeFileNow(absPath);
        return "removed";
      }
      return "ignored";
    }
    // A link that leads out of the folder is not the docs (as in the full walk).
    if (!(await linkStaysInside(root, absPath))) {
      if (this.index.files.has(absPath)) await this.removeFileNow(absPath);
      return "ignored";
    }
    const scratch: UpdateReport = { added: [], updated: [], removed: [], unchanged: 0, skipped: [], invalidUtf8: [], chunksAdded: 0, ms: 0 };
    const outcome = await this.indexFile({ absPath, root, relPath, size: stat.size, mtimeMs: stat.mtimeMs }, scratch);
    await this.embedPending();
    if (outcome === "skipped") {
      if (this.index.files.has(absPath)) await this.removeFileNow(absPath);
      return "skipped";
    }
    return outcome;
  }

  /** Whether the listing's size and time say a file is as indexed (then it is not even read). */
  private unchangedByStat(file: CorpusFile): boolean {
    const previous = this.index.files.get(file.absPath);
    return previous !== undefined && previous.size === file.size && previous.mtimeMs === file.mtimeMs;
  }

  /** Whether indexing a listed file reads it (not when it is unchanged by its stat or too large). */
  private needsRead(file: CorpusFile): boolean {
    return !this.unchangedByStat(file) && file.size <= this.index.filter.maxFileBytes;
  }

  private async indexFile(
    file: CorpusFile,
    report: UpdateReport,
    readFile: () => Promise<DocFileRead> = () => readDocFile(file.root, file.absPath, this.index.filter.maxFileBytes),
  ): Promise<"added" | "updated" | "unchanged" | "skipped"> {
    const previous = this.index.files.get(file.absPath);
    if (this.unchangedByStat(file)) return "unchanged";
    if (file.size > this.index.filter.maxFileBytes) {
      report.skipped.push({ absPath: file.absPath, relPath: file.relPath, reason: "too-large", detail: `${file.size} bytes` });
      if (previous) await this.removeFileNow(file.absPath);
      return "skipped";
    }
    // The file opened is checked (regular, inside the root, within the size limit), not the path
    // listed earlier: it may have been swapped for a link leading out of the folder since.
    const read = await readFile();
    if (!read.ok) {
      report.skipped.push({ absPath: file.absPath, relPath: file.relPath, reason: read.reason, detail: read.detail });
      // A file that could not be read for a passing reason keeps its entry, as it always did.
      if (previous && !read.transient) await this.removeFileNow(file.absPath);
      return "skipped";
    }
    const bytes = read.bytes;
    if (looksBinary(bytes)) {
      report.skipped.push({ absPath: file.absPath, relPath: file.relPath, reason: "binary", detail: "contains NUL bytes" });
      if (previous) await this.removeFileNow(file.absPath);
      return "skipped";
    }
    const hash = contentHash(bytes);
    if (previous && previous.hash === hash) {
      previous.size = read.size;
      previous.mtimeMs = read.mtimeMs;
      return "unchanged";
    }
    const decoded = decodeText(bytes);
    if (decoded.hadInvalidUtf8) {
      report.invalidUtf8.push(file.relPath);
      this.logger.warn(`${file.relPath}: invalid UTF-8 replaced with U+FFFD`);
    }
    let doc: ReturnType<typeof chunkDocument>;
    try {
      doc = chunkDocument(decoded.text, file.relPath, this.index.chunking);
    } catch (err) {
      // A format's parser that gives up on a file (HTML nested too deep) skips that file, never the index.
      report.skipped.push({ absPath: file.absPath, relPath: file.relPath, reason: "unreadable", detail: (err as Error).message });
      if (previous) await this.removeFileNow(file.absPath);
      return "skipped";
    }
    for (const note of doc.notes ?? []) this.logger.info(`${file.relPath}: ${note}`);
    if (previous) await this.removeFileNow(file.absPath);
    // What the entry keeps of the text (title, headings) is copied out of it: slices of the file's
    // text would keep the whole text alive for as long as the index (see util/ownString.ts).
    const owner = new StringOwner();
    const entry: FileEntry = {
      file: file.absPath,
      root: file.root,
      relPath: file.relPath,
      title: owner.string(doc.title),
      hash,
      size: read.size,
      mtimeMs: read.mtimeMs,
      chunkIds: [],
      sections: doc.sections.map((section) => ({ ...section, headingPath: owner.path(section.headingPath) })),
      hadInvalidUtf8: decoded.hadInvalidUtf8,
      headings: [],
      slot: this.index.fileSlots.length,
    };
    this.index.fileSlots.push(entry);
    const headingIndex = new Map<string, number>();
    const records: ChunkRecord[] = doc.chunks.map((c, ordinal) => {
      const key = c.headingPath.join("\u0000");
      let h = headingIndex.get(key);
      if (h === undefined) {
        headingIndex.set(key, (h = entry.headings.length));
        entry.headings.push(owner.path(c.headingPath));
      }
      const id = this.index.nextId++;
      this.index.chunkTable.set(id, entry.slot, ordinal, c.startLine, c.endLine, h);
      return {
        id,
        file: file.absPath,
        root: file.root,
        relPath: file.relPath,
        title: entry.title,
        headingPath: c.headingPath,
        text: c.text,
        startLine: c.startLine,
        endLine: c.endLine,
        hash: "",
      };
    });
    const journaled: JournaledChunk[] | undefined = this.index.changeLog?.tracking ? [] : undefined;
    const newWords: string[] = [];
    const words = this.wordSink(newWords);
    records.forEach((record, i) => this.addChunk(record, doc.chunks[i]!.packedHeadingPaths, journaled, words));
    entry.chunkIds = records.map((r) => r.id);
    this.index.files.set(file.absPath, entry);
    if (journaled) this.index.changeLog!.fileIndexed(entry, journaled, newWords);
    else this.index.changeLog?.giveUp();
    this.index.totalChunks += records.length;
    // The texts just chunked serve the reads that follow a change (the watcher's path).
    this.index.texts.remember(
      entry,
      records.map((r) => r.text),
    );
    if (this.index.embedder) {
      for (const r of records) {
        r.hash = contentHash(r.text);
        this.index.pendingEmbedding.set(r.id, r);
      }
    }
    report.chunksAdded += records.length;
    return previous ? "updated" : "added";
  }

  /** The title field's tokens of the last file: a file's chunks come in a row and share them. */
  private lastTitle: { title: string; relPath: string; tokens: string[] } | undefined;

  private titleTokensOf(record: Pick<ChunkRecord, "title" | "relPath">, words?: WordSink): string[] {
    const last = this.lastTitle;
    if (last && last.title === record.title && last.relPath === record.relPath) return last.tokens;
    const tokens = titleTokens(record, words);
    this.lastTitle = { title: record.title, relPath: record.relPath, tokens };
    return tokens;
  }

  /** Adds a chunk to the full-text and term indexes (Orama insertion happens in batches). */
  addChunk(record: ChunkRecord, packedHeadingPaths: string[][] = [], journaled?: JournaledChunk[], words = this.wordSink()): void {
    const fields = chunkFieldTokens(record, this.titleTokensOf(record, words), words);
    const fieldLengths = [fields.title.length, fields.heading.length, fields.text.length];
    const counts = termCounts(fields);
    this.index.bm25.addCounts(record.id, fieldLengths, counts);
    const terms = extractDefinedTerms(record);
    // A chunk packed from tiny sections also defines what its other sections' headings name.
    for (const headingPath of packedHeadingPaths) {
      for (const [term, strength] of extractDefinedTerms({ headingPath, text: "" })) if ((terms.get(term) ?? 0) < strength) terms.set(term, strength);
    }
    this.index.terms.add(record.id, terms);
    const t = this.index.chunkTable;
    journaled?.push({
      startLine: t.startLine[record.id]!,
      endLine: t.endLine[record.id]!,
      heading: t.heading[record.id]!,
      fieldLengths,
      counts,
      defined: terms,
    });
  }

  private async embedPending(signal?: AbortSignal): Promise<void> {
    if (!this.index.embedder || this.index.pendingEmbedding.size === 0) return;
    // Chunks leave the pending set only once they are in Orama: an embedding failure or a stop
    // leaves them pending for the next update instead of half-indexed.
    const missing = [...this.index.pendingEmbedding.values()].filter((r) => !this.index.vectorCache.has(r.hash));
    const batch = 32;
    for (let i = 0; i < missing.length; i += batch) {
      signal?.throwIfAborted();
      const slice = missing.slice(i, i + batch);
      const vectors = await this.index.embedder.embed(slice.map(embeddingText), signal);
      slice.forEach((r, j) => this.index.vectorCache.set(r.hash, vectors[j]!));
    }
    // Taken after the awaits: a file removed meanwhile has left the pending set and stays out.
    const ready = [...this.index.pendingEmbedding.values()].filter((r) => this.index.vectorCache.has(r.hash));
    this.index.insertVectors(ready.map((r) => ({ id: r.id, hash: r.hash, vector: this.index.vectorCache.get(r.hash)! })));
    for (const r of ready) {
      this.index.chunkHashes.set(r.id, r.hash);
      this.index.pendingEmbedding.delete(r.id);
    }
  }

  private async removeFileNow(absPath: string): Promise<void> {
    const entry = this.index.files.get(absPath);
    if (!entry) return;
    await this.index.dropFile(entry);
    this.index.changeLog?.fileRemoved(entry);
  }

  /** Where the words of indexed text go: the spelling index, and `added` (for the journal) those new to it. */
  private wordSink(added?: string[]): WordSink {
    const spelling = this.index.spelling;
    return { epoch: spelling.epoch, add: (words) => spelling.addWords(words, added) };
  }
}

/** What the index's memory budget is measured against: the JavaScript heap in use and array buffers, in MB. */
export function indexMemoryMB(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / (1024 * 1024);
}

function embeddingText(record: ChunkRecord): string {
  return `${record.headingPath.join(" > ") || record.title}\n${record.text}`;
}
