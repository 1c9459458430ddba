// The docs index: a BM25F full-text index, the defined-terms index, and Orama for vectors (when an
// embedding model is set), kept in step file by file. What a chunk is (file, heading path, line
// range) is held once per file and in typed arrays per chunk (chunkTable.ts); a chunk's text is
// not kept after indexing: it is read back from its file, whose content hash is known, when a
// caller reads `text` (chunkTexts.ts).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { create, insertMultiple, removeMultiple, searchVector, type AnyOrama } from "@orama/orama";
import { Bm25Index, termCounts, type FieldTokens, type ScoredDoc } from "./bm25.js";
import { chunkDocument, type ChunkOptions, type SectionRange } from "./chunker.js";
import {
  isGitIgnoredFile,
  linkStaysInside,
  listCorpus,
  readDocFile,
  type CorpusFile,
  type CorpusOptions,
  type DocFileRead,
  type SkippedFile,
  CorpusFilter,
} from "./corpus.js";
import { ReadAhead } from "./readAhead.js";
import { relativeInside } from "../../shared/paths.js";
import { fuseRankings } from "./fusion.js";
import { contentHash } from "./hash.js";
import { SerialQueue } from "../util/serialQueue.js";
import { extractDefinedTerms, TermIndex } from "./terms.js";
import { decodeText, looksBinary } from "./text.js";
import { identifierCandidates, tokenize, type WordSink } from "./tokenizer.js";
import { SpellingIndex } from "./spelling.js";
import { addCorrectedTerms, type QuerySpelling } from "./correction.js";
import { DocsSpelling } from "./docsSpelling.js";
import type { MatchSource } from "../../shared/answer.js";
import { type ChunkRecord, type Embedder, type SearchHit } from "./types.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { ChunkTable } from "./chunkTable.js";
import { ChunkTexts } from "./chunkTexts.js";
import { type ChangeLog, type ChunkVector, type FileChange, type JournaledChunk } from "./journal.js";

/** What an indexed document's vector is replaced with in Orama's document store (see insertVectors). */
const INDEXED_VECTOR: number[] = [];
const VECTOR_BATCH = 1024;

export interface FileEntry {
  file: string;
  root: string;
  relPath: string;
  title: string;
  hash: string;
  size: number;
  mtimeMs: number;
  chunkIds: number[];
  sections: SectionRange[];
  hadInvalidUtf8: boolean;
  /** The heading paths of its chunks, each once (the chunk table points into it). */
  headings: string[][];
  /** Where the chunk table refers to this file. */
  slot: number;
}

export interface IndexOptions {
  corpus?: CorpusOptions;
  chunking?: ChunkOptions;
  embedder?: Embedder;
  logger?: Logger;
  /**
   * Memory (MB of JavaScript heap and array buffers, where the index lives) past which an update
   * stops taking in new or changed files: the index keeps answering from what it has, and the
   * report says so. Unset: no limit. (Not resident memory: a chat model's weights, mapped into
   * the same process, must not stop indexing.)
   */
  memoryBudgetMB?: number;
}

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

export interface SearchOptions {
  /** How many hits to return (default 10). */
  k?: number;
  /** Skip the exact term lookup (for measuring ranking alone). */
  noTerms?: boolean;
  signal?: AbortSignal;
}

/** Orama holds the chunks' vectors (documents of an id and an embedding); without an embedder it stays empty. */
function oramaSchema(dimensions: number | undefined) {
  return dimensions ? { embedding: `vector[${dimensions}]` } : { slot: "number" };
}

export class DocsIndex {
  readonly roots: string[];
  readonly embedder?: Embedder;
  readonly chunking: ChunkOptions;
  readonly corpusOptions: CorpusOptions;
  private readonly filter: CorpusFilter;
  private readonly logger: Logger;
  /** Exposed to the persistence module only. */
  orama: AnyOrama;
  bm25 = new Bm25Index();
  terms = new TermIndex();
  /** The docs' words, for "did you mean" (correction.ts). */
  spelling = new SpellingIndex();
  files = new Map<string, FileEntry>();
  /** Embeddings by chunk text hash: unchanged chunks are never embedded twice. */
  vectorCache = new Map<string, Float32Array>();
  /** Text hashes of the chunks that have a vector (the embedding cache's keys, saved with the vectors). */
  chunkHashes = new Map<number, string>();
  nextId = 0;
  /** Per chunk id: its file's slot, its place in the file, its lines and heading. */
  chunkTable = new ChunkTable();
  /** Files by slot (a removed file's slot stays empty until the next load). */
  fileSlots: (FileEntry | undefined)[] = [];
  /** Chunks in files (the persistence module sets it on load). */
  totalChunks = 0;
  private readonly texts: ChunkTexts;
  private readonly memoryBudgetMB?: number;
  /**
   * Changes since the index was loaded or saved in full, for a journaled save (set by the
   * persistence module; not kept while there is no saved index, so a first build keeps nothing).
   */
  changeLog?: ChangeLog;

  constructor(roots: string[], options: IndexOptions = {}) {
    this.roots = roots;
    this.embedder = options.embedder;
    this.chunking = options.chunking ?? {};
    this.corpusOptions = options.corpus ?? {};
    this.filter = new CorpusFilter(this.corpusOptions);
    this.logger = options.logger ?? silentLogger;
    this.orama = DocsIndex.createOrama(options.embedder);
    this.memoryBudgetMB = options.memoryBudgetMB;
    this.texts = new ChunkTexts(this.chunking, this.filter.maxFileBytes, (entry, why) => {
      this.logger.warn(`${entry.relPath}: ${why}; re-indexing it`);
      void this.refreshFile(entry.file).catch(() => {});
    });
  }

  static createOrama(embedder?: Embedder): AnyOrama {
    return create({ schema: oramaSchema(embedder?.dimensions) as never }) as AnyOrama;
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** Chunks searchable by every ranking (those waiting for their embedding not counted). */
  get chunkCount(): number {
    return this.totalChunks - this.pendingEmbedding.size;
  }

  /** Every stored chunk, in file order. */
  allChunks(): ChunkRecord[] {
    const out: ChunkRecord[] = [];
    for (const entry of this.files.values())
      for (const id of entry.chunkIds) {
        const chunk = this.getChunk(id);
        if (chunk) out.push(chunk);
      }
    return out;
  }

  /** A chunk's embedding, when it has one in Orama. */
  vectorOf(id: number): Float32Array | undefined {
    const hash = this.chunkHashes.get(id);
    return hash === undefined ? undefined : this.vectorCache.get(hash);
  }

  /**
   * Puts chunks' vectors into Orama. Orama accepts a vector only as a plain array, indexes a
   * Float32Array copy of it, and keeps the document it was given: that array (8 bytes a dimension)
   * would be a third copy of every vector. Once indexed, the document's array is swapped for an
   * empty one (removal still works: Orama removes a vector by its document's id), so a vector is
   * held twice, as Float32Arrays: Orama's, and the embedding cache's that saves and journals read.
   * In batches, so that the plain arrays of a big load never exist all at once.
   */
  async insertVectors(items: readonly { id: number; vector: Float32Array }[]): Promise<void> {
    for (let i = 0; i < items.length; i += VECTOR_BATCH) {
      const docs = items.slice(i, i + VECTOR_BATCH).map(({ id, vector }) => ({ id: String(id), embedding: Array.from(vector) }));
      await insertMultiple(this.orama, docs as never);
      for (const doc of docs) doc.embedding = INDEXED_VECTOR;
    }
  }

  /** The file a chunk belongs to. */
  fileOfChunk(id: number): FileEntry | undefined {
    const slot = this.chunkTable.slotOf(id);
    return slot < 0 ? undefined : this.fileSlots[slot];
  }

  /**
   * A chunk by id. Its `text` (and `hash`) are read from the file when first asked for, by
   * re-chunking the file if its content hash is still the one indexed (see chunkTexts.ts).
   */
  getChunk(id: number): ChunkRecord | undefined {
    const pending = this.pendingEmbedding.get(id);
    if (pending) return pending;
    const entry = this.fileOfChunk(id);
    if (!entry) return undefined;
    const t = this.chunkTable;
    const ordinal = t.ordinal[id]!;
    const texts = this.texts;
    const hashes = this.chunkHashes;
    let text: string | undefined;
    let hash: string | undefined;
    // Own enumerable accessors: spreads and JSON.stringify see `text` and `hash` like plain fields.
    return {
      id,
      file: entry.file,
      root: entry.root,
      relPath: entry.relPath,
      title: entry.title,
      headingPath: [...entry.headings[t.heading[id]!]!],
      startLine: t.startLine[id]!,
      endLine: t.endLine[id]!,
      get text(): string {
        return (text ??= texts.textOf(entry, ordinal));
      },
      set text(value: string) {
        text = value;
      },
      get hash(): string {
        return (hash ??= hashes.get(id) ?? contentHash(this.text));
      },
      set hash(value: string) {
        hash = value;
      },
    };
  }

  /** The texts kept in memory for reading chunks (figures). */
  get textCacheStats(): { files: number; chars: number; reads: number } {
    return this.texts.stats();
  }

  /** Changes to the index run one at a time: two updates of one file must not interleave. */
  private readonly mutations = new SerialQueue();

  /**
   * Brings the index in line with the folders: new and changed files are chunked, gone ones removed.
   * `onProgress` hears of each file looked at (done of total), for the editor's progress.
   */
  update(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<UpdateReport> {
    return this.mutations.run(() => this.updateNow(signal, onProgress));
  }

  private async updateNow(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<UpdateReport> {
    const started = performance.now();
    const listing = await listCorpus(this.roots, this.corpusOptions);
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
      (file) => readDocFile(file.root, file.absPath, this.filter.maxFileBytes),
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
            `Indexing stopped at the memory budget (${Math.round(usedMB)} MB of ${this.memoryBudgetMB} MB): ${listing.files.length - i} files not indexed; search answers from the ${this.files.size} indexed.`,
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
    for (const file of [...this.files.keys()]) {
      if (!listed.has(file)) {
        report.removed.push(this.files.get(file)!.relPath);
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
    const root = this.roots.map((r) => path.resolve(r)).find((r) => relativeInside(r, absPath) !== undefined);
    if (!root) return "ignored";
    const relPath = relativeInside(root, absPath)!;
    if (!this.filter.matches(relPath)) return "ignored";
    if (this.filter.useGitignore && (await isGitIgnoredFile(root, relPath))) {
      if (this.files.has(absPath)) await this.removeFileNow(absPath);
      return "ignored";
    }
    let stat;
    try {
      stat = await fs.stat(absPath);
    } catch {
      if (this.files.has(absPath)) {
        await this.removeFileNow(absPath);
        return "removed";
      }
      return "ignored";
    }
    // A link that leads out of the folder is not the docs (as in the full walk).
    if (!(await linkStaysInside(root, absPath))) {
      if (this.files.has(absPath)) await this.removeFileNow(absPath);
      return "ignored";
    }
    const scratch: UpdateReport = { added: [], updated: [], removed: [], unchanged: 0, skipped: [], invalidUtf8: [], chunksAdded: 0, ms: 0 };
    const outcome = await this.indexFile({ absPath, root, relPath, size: stat.size, mtimeMs: stat.mtimeMs }, scratch);
    await this.embedPending();
    if (outcome === "skipped") {
      if (this.files.has(absPath)) await this.removeFileNow(absPath);
      return "skipped";
    }
    return outcome;
  }

  /** Whether the listing's size and time say a file is as indexed (then it is not even read). */
  private unchangedByStat(file: CorpusFile): boolean {
    const previous = this.files.get(file.absPath);
    return previous !== undefined && previous.size === file.size && previous.mtimeMs === file.mtimeMs;
  }

  /** Whether indexing a listed file reads it (not when it is unchanged by its stat or too large). */
  private needsRead(file: CorpusFile): boolean {
    return !this.unchangedByStat(file) && file.size <= this.filter.maxFileBytes;
  }

  private async indexFile(
    file: CorpusFile,
    report: UpdateReport,
    readFile: () => Promise<DocFileRead> = () => readDocFile(file.root, file.absPath, this.filter.maxFileBytes),
  ): Promise<"added" | "updated" | "unchanged" | "skipped"> {
    const previous = this.files.get(file.absPath);
    if (this.unchangedByStat(file)) return "unchanged";
    if (file.size > this.filter.maxFileBytes) {
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
      doc = chunkDocument(decoded.text, file.relPath, this.chunking);
    } catch (err) {
      // A format's parser that gives up on a file (HTML nested too deep) skips that file, never the index.
      report.skipped.push({ absPath: file.absPath, relPath: file.relPath, reason: "unreadable", detail: (err as Error).message });
      if (previous) await this.removeFileNow(file.absPath);
      return "skipped";
    }
    for (const note of doc.notes ?? []) this.logger.info(`${file.relPath}: ${note}`);
    if (previous) await this.removeFileNow(file.absPath);
    const entry: FileEntry = {
      file: file.absPath,
      root: file.root,
      relPath: file.relPath,
      title: doc.title,
      hash,
      size: read.size,
      mtimeMs: read.mtimeMs,
      chunkIds: [],
      sections: doc.sections,
      hadInvalidUtf8: decoded.hadInvalidUtf8,
      headings: [],
      slot: this.fileSlots.length,
    };
    this.fileSlots.push(entry);
    const headingIndex = new Map<string, number>();
    const records: ChunkRecord[] = doc.chunks.map((c, ordinal) => {
      const key = c.headingPath.join("\u0000");
      let h = headingIndex.get(key);
      if (h === undefined) {
        headingIndex.set(key, (h = entry.headings.length));
        entry.headings.push(c.headingPath);
      }
      const id = this.nextId++;
      this.chunkTable.set(id, entry.slot, ordinal, c.startLine, c.endLine, h);
      return {
        id,
        file: file.absPath,
        root: file.root,
        relPath: file.relPath,
        title: doc.title,
        headingPath: c.headingPath,
        text: c.text,
        startLine: c.startLine,
        endLine: c.endLine,
        hash: "",
      };
    });
    const journaled: JournaledChunk[] | undefined = this.changeLog?.tracking ? [] : undefined;
    const newWords: string[] = [];
    const words = this.wordSink(newWords);
    records.forEach((record, i) => this.addChunk(record, doc.chunks[i]!.packedHeadingPaths, journaled, words));
    entry.chunkIds = records.map((r) => r.id);
    this.files.set(file.absPath, entry);
    if (journaled) this.changeLog!.fileIndexed(entry, journaled, newWords);
    else this.changeLog?.giveUp();
    this.totalChunks += records.length;
    // The texts just chunked serve the reads that follow a change (the watcher's path).
    this.texts.remember(
      entry,
      records.map((r) => r.text),
    );
    if (this.embedder) {
      for (const r of records) {
        r.hash = contentHash(r.text);
        this.pendingEmbedding.set(r.id, r);
      }
    }
    report.chunksAdded += records.length;
    return previous ? "updated" : "added";
  }

  /** Chunks waiting for their embedding; they enter Orama once they have one (saved with the index). */
  pendingEmbedding = new Map<number, ChunkRecord>();

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
    this.bm25.addCounts(record.id, fieldLengths, counts);
    const terms = extractDefinedTerms(record);
    // A chunk packed from tiny sections also defines what its other sections' headings name.
    for (const headingPath of packedHeadingPaths) {
      for (const [term, strength] of extractDefinedTerms({ headingPath, text: "" })) if ((terms.get(term) ?? 0) < strength) terms.set(term, strength);
    }
    this.terms.add(record.id, terms);
    const t = this.chunkTable;
    journaled?.push({
      startLine: t.startLine[record.id]!,
      endLine: t.endLine[record.id]!,
      heading: t.heading[record.id]!,
      fieldLengths,
      counts,
      defined: terms,
    });
  }

  /**
   * The vectors of a file's chunks, in order, for the journal; undefined while one is still
   * waiting for its embedding (the save is then a full one, which keeps such chunks waiting).
   */
  vectorsOfFile(entry: FileEntry): ChunkVector[] | undefined {
    const vectors: ChunkVector[] = [];
    for (const id of entry.chunkIds) {
      const hash = this.chunkHashes.get(id);
      const vector = hash === undefined ? undefined : this.vectorCache.get(hash);
      if (!hash || !vector) return undefined;
      vectors.push({ hash, vector });
    }
    return vectors;
  }

  /**
   * Replays one journaled change (see journal.ts): the file's chunks, if any, are removed and its
   * recorded state, when it has one, is added under new ids, as the change did when it was made,
   * with its vectors when the index has an embedding model.
   */
  async applyJournaledChange(file: string, change: FileChange | null, words: readonly string[] = []): Promise<void> {
    const old = this.files.get(file);
    // Not removeFileNow: a replayed change is not a new one for the journal.
    if (old) await this.dropFile(old);
    this.spelling.addWords(words);
    if (!change) return;
    const entry = change.entry;
    entry.slot = this.fileSlots.length;
    entry.chunkIds = [];
    this.fileSlots.push(entry);
    change.chunks.forEach((c, ordinal) => {
      const id = this.nextId++;
      this.chunkTable.set(id, entry.slot, ordinal, c.startLine, c.endLine, c.heading);
      this.bm25.addCounts(id, c.fieldLengths, c.counts);
      this.terms.add(id, c.defined);
      entry.chunkIds.push(id);
    });
    this.files.set(file, entry);
    this.totalChunks += entry.chunkIds.length;
    if (this.embedder && change.vectors) {
      const vectors = change.vectors;
      entry.chunkIds.forEach((id, i) => {
        this.chunkHashes.set(id, vectors[i]!.hash);
        this.vectorCache.set(vectors[i]!.hash, vectors[i]!.vector);
      });
      await this.insertVectors(entry.chunkIds.map((id, i) => ({ id, vector: vectors[i]!.vector })));
    }
  }

  private async embedPending(signal?: AbortSignal): Promise<void> {
    if (!this.embedder || this.pendingEmbedding.size === 0) return;
    // Chunks leave the pending set only once they are in Orama: an embedding failure or a stop
    // leaves them pending for the next update instead of half-indexed.
    const missing = [...this.pendingEmbedding.values()].filter((r) => !this.vectorCache.has(r.hash));
    const batch = 32;
    for (let i = 0; i < missing.length; i += batch) {
      signal?.throwIfAborted();
      const slice = missing.slice(i, i + batch);
      const vectors = await this.embedder.embed(slice.map(embeddingText), signal);
      slice.forEach((r, j) => this.vectorCache.set(r.hash, vectors[j]!));
    }
    // Taken after the awaits: a file removed meanwhile has left the pending set and stays out.
    const ready = [...this.pendingEmbedding.values()].filter((r) => this.vectorCache.has(r.hash));
    await this.insertVectors(ready.map((r) => ({ id: r.id, vector: this.vectorCache.get(r.hash)! })));
    for (const r of ready) {
      this.chunkHashes.set(r.id, r.hash);
      this.pendingEmbedding.delete(r.id);
    }
  }

  private async removeFileNow(absPath: string): Promise<void> {
    const entry = this.files.get(absPath);
    if (!entry) return;
    await this.dropFile(entry);
    this.changeLog?.fileRemoved(entry);
  }

  /** Takes a file's chunks out of every index (full text, terms, vectors) and forgets the file. */
  private async dropFile(entry: FileEntry): Promise<void> {
    const inOrama: string[] = [];
    for (const id of entry.chunkIds) {
      // The full-text index needs no tokens to remove a chunk: its old text may be gone from disk.
      this.bm25.remove(id);
      this.chunkTable.clear(id);
      // A chunk still waiting for its embedding was never inserted into Orama.
      if (this.pendingEmbedding.delete(id)) continue;
      if (this.chunkHashes.delete(id)) inOrama.push(String(id));
    }
    this.terms.removeChunks(entry.chunkIds);
    // Orama removes the first 1,000 at once and the rest on a timer; removing all now keeps
    // a save that follows consistent.
    if (inOrama.length) await removeMultiple(this.orama, inOrama, inOrama.length);
    this.totalChunks -= entry.chunkIds.length;
    this.fileSlots[entry.slot] = undefined;
    this.texts.forget(entry);
    this.files.delete(entry.file);
  }

  // -------------------------------------------------------------------------------------------
  // Spelling

  /** Where the words of indexed text go: the spelling index, and `added` (for the journal) those new to it. */
  private wordSink(added?: string[]): WordSink {
    const spelling = this.spelling;
    return { epoch: spelling.epoch, add: (words) => spelling.addWords(words, added) };
  }

  /** Reads queries against the spelling index ("did you mean"; docsSpelling.ts). */
  private readonly docsSpelling = new DocsSpelling(this);

  /** Keeps only the spelling index's words still in the docs (a full save does, before writing them). */
  pruneSpelling(): void {
    this.docsSpelling.prune();
  }

  /**
   * How a query's words and names read against the docs (correction.ts): words the docs never
   * use, read as the docs' nearest words; names the docs do not define, as the nearest defined ones.
   */
  spellingOf(text: string): QuerySpelling {
    return this.docsSpelling.of(text);
  }

  // -------------------------------------------------------------------------------------------
  // Search

  /** The best full-text matches for a piece of text (question or draft), best first, its misspellings read as the docs' words. */
  textRanking(text: string, limit: number): ScoredDoc[] {
    return this.bm25.top(addCorrectedTerms(this.spellingOf(text), queryTermWeights(text)), limit);
  }

  /**
   * Chunks that define a name mentioned in the query: strongest definitions first, then the
   * chunk that opens its section, then by how well the chunk matches the rest of the query.
   * At most `limit` are returned; a widely listed name (a table row in hundreds of files)
   * only costs a sort of its definitions, not a fetch of each chunk.
   */
  exactTermHits(query: string, textScores?: Map<number, number>, limit = 10): TermHit[] {
    const backticked = new Set([...query.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.toLowerCase()));
    const defs: (TermHit & { strength: number; score: number })[] = [];
    for (const candidate of identifierCandidates(query)) {
      // Plain words are left to ranking; only identifier-like names (or quoted ones) are exact.
      if (!/[._\-/:]/.test(candidate) && !backticked.has(candidate)) continue;
      for (const def of this.terms.lookup(candidate)) {
        defs.push({ chunkId: def.chunkId, term: candidate, strength: def.strength, score: textScores?.get(def.chunkId) ?? 0 });
      }
    }
    // A name the docs do not define gets the nearest defined name's definition ("did you mean"),
    // ranked after the names the query spells right.
    for (const { from, to } of this.spellingOf(query).names) {
      for (const def of this.terms.lookup(to[0]!)) {
        defs.push({ chunkId: def.chunkId, term: to[0]!, askedAs: from, strength: def.strength - 10, score: textScores?.get(def.chunkId) ?? 0 });
      }
    }
    defs.sort((a, b) => b.strength - a.strength || b.term.length - a.term.length || b.score - a.score);
    const top = defs.slice(0, limit * 4).map((d) => ({ ...d, opensSection: this.opensSection(d.chunkId) }));
    top.sort((a, b) => b.strength - a.strength || b.term.length - a.term.length || Number(b.opensSection) - Number(a.opensSection) || b.score - a.score);
    return top.slice(0, limit);
  }

  /** The section (heading to next heading) that holds the chunk. */
  sectionOf(chunk: ChunkRecord): { startLine: number; endLine: number } | undefined {
    const section = this.files.get(chunk.file)?.sections.find((s) => s.startLine <= chunk.startLine && chunk.endLine <= s.endLine);
    return section && { startLine: section.startLine, endLine: section.endLine };
  }

  /** Whether the chunk starts where its section starts (the one with the heading line). */
  private opensSection(chunkId: number): boolean {
    const entry = this.fileOfChunk(chunkId);
    if (!entry) return false;
    const startLine = this.chunkTable.startLine[chunkId]!;
    return entry.sections.some((s) => s.startLine === startLine);
  }

  async vectorRanking(text: string, limit: number, signal?: AbortSignal): Promise<number[]> {
    if (!this.embedder || this.files.size === 0) return [];
    let vector: Float32Array | undefined;
    try {
      [vector] = await this.embedder.embed([text], signal);
    } catch (err) {
      // An embedding model that fails now (a model server that went away) costs the vectors of
      // this query, not the search: full text still answers.
      if (signal?.aborted) throw err;
      this.logger.warn(`Vector search skipped, the embedding model failed: ${(err as Error).message}`);
      return [];
    }
    const result = await searchVector(this.orama, {
      mode: "vector",
      vector: { value: [...vector!], property: "embedding" },
      similarity: 0.0001,
      limit,
    } as never);
    return (result as { hits: { id: string }[] }).hits.map((h) => Number(h.id));
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const depth = Math.max(50, (options.k ?? 10) * 3);
    return this.rankedHits(query, this.textRanking(query, depth), options);
  }

  /**
   * Turns a full-text ranking into hits: chunks defining a name the query mentions come first,
   * then the ranking, fused by reciprocal rank with vector rankings when an embedder is set.
   */
  async rankedHits(
    query: string,
    textRanking: ScoredDoc[],
    options: SearchOptions & { vectorQueries?: string[]; termHits?: TermHit[] } = {},
  ): Promise<SearchHit[]> {
    const k = options.k ?? 10;
    const depth = Math.max(50, k * 3);
    const matched = new Map<number, Set<MatchSource>>();
    const mark = (id: number, how: MatchSource) => {
      let s = matched.get(id);
      if (!s) matched.set(id, (s = new Set()));
      s.add(how);
    };
    const textRanked = textRanking.map((d) => d.id);
    textRanked.forEach((id) => mark(id, "text"));
    const vectorLists: number[][] = [];
    for (const text of options.vectorQueries ?? [query]) {
      const ids = await this.vectorRanking(text, depth, options.signal);
      ids.forEach((id) => mark(id, "vector"));
      if (ids.length) vectorLists.push(ids);
    }
    const ranked = vectorLists.length
      ? fuseRankings([{ ids: textRanked }, ...vectorLists.map((ids) => ({ ids, weight: 1 / vectorLists.length }))])
      : textRanking;
    const hits: SearchHit[] = [];
    const taken = new Set<number>();
    if (!options.noTerms) {
      const textScores = new Map(textRanking.map((d) => [d.id, d.score]));
      for (const { chunkId, term, askedAs } of options.termHits ?? this.exactTermHits(query, textScores, k)) {
        if (taken.has(chunkId)) continue;
        taken.add(chunkId);
        mark(chunkId, "term");
        const chunk = this.getChunk(chunkId);
        if (!chunk) continue;
        hits.push({ chunk, score: 1, matchedBy: [...matched.get(chunkId)!], term, ...(askedAs ? { askedAs } : {}), section: this.sectionOf(chunk) });
      }
    }
    for (const { id, score } of ranked) {
      if (hits.length >= k) break;
      if (taken.has(id)) continue;
      const chunk = this.getChunk(id);
      if (!chunk) continue;
      taken.add(id);
      hits.push({ chunk, score, matchedBy: [...matched.get(id)!], section: this.sectionOf(chunk) });
    }
    return hits;
  }
}

/** What the index's memory budget is measured against: the JavaScript heap in use and array buffers, in MB. */
export function indexMemoryMB(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / (1024 * 1024);
}

/** The title field: the file's title and its path words (docs trees name files after what they explain). */
function titleTokens(record: Pick<ChunkRecord, "title" | "relPath">, words?: WordSink): string[] {
  return tokenize(record.title + " " + record.relPath.replace(/\.[^./]+$/, ""), [], words);
}

/**
 * A chunk's tokens by field; `title` may be passed when already worked out (the file's, shared:
 * read only). `words` hears the words seen, for the spelling index.
 */
export function chunkFieldTokens(
  record: Pick<ChunkRecord, "title" | "relPath" | "headingPath" | "text">,
  title = titleTokens(record),
  words?: WordSink,
): FieldTokens {
  return {
    title,
    heading: tokenize(record.headingPath.join(" \n "), [], words),
    text: tokenize(record.text, [], words),
  };
}

/** A chunk that defines a name the query gives; `askedAs` when the query misspelt the name. */
export interface TermHit {
  chunkId: number;
  term: string;
  askedAs?: string;
}

export function queryTermWeights(text: string, weight = 1, into = new Map<string, number>()): Map<string, number> {
  for (const t of tokenize(text)) into.set(t, (into.get(t) ?? 0) + weight);
  return into;
}

function embeddingText(record: ChunkRecord): string {
  return `${record.headingPath.join(" > ") || record.title}\n${record.text}`;
}
