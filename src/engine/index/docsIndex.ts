// The docs index: a BM25F full-text index, the defined-terms index, and Orama for vectors (when an
// embedding model is set), kept in step file by file. A thin front over its three jobs: what it
// holds (indexContents.ts), reading files in (ingest/ingester.ts), queries (search/searcher.ts),
// and the journal's view of it (disk/journalReplay.ts; saving and loading: disk/persistence.ts).
import type { ChunkVector, FileChange, JournaledChunk } from "./disk/journal.js";
import { applyJournaledChange, vectorsOfFile } from "./disk/journalReplay.js";
import type { FileEntry } from "./fileEntry.js";
import { IndexContents, type IndexOptions } from "./indexContents.js";
import { Ingester, type UpdateReport } from "./ingest/ingester.js";
import type { ScoredDoc } from "./search/bm25.js";
import type { QuerySpelling } from "./search/correction.js";
import { Searcher, type SearchOptions, type TermHit } from "./search/searcher.js";
import type { WordSink } from "./search/tokenizer.js";
import type { ChunkRecord, SearchHit } from "./types.js";
import { silentLogger, type Logger } from "../util/logger.js";

export type { IndexOptions } from "./indexContents.js";
export { hasChanges, type UpdateReport } from "./ingest/ingester.js";
export type { SearchOptions, TermHit } from "./search/searcher.js";

export class DocsIndex extends IndexContents {
  private readonly logger: Logger;
  private readonly ingester: Ingester;
  private readonly searcher: Searcher;

  constructor(roots: string[], options: IndexOptions = {}) {
    super(roots, options);
    this.logger = options.logger ?? silentLogger;
    this.ingester = new Ingester(this, this.logger, options.memoryBudgetMB);
    this.searcher = new Searcher(this, this.logger);
  }

  protected textWentStale(entry: { file: string; relPath: string }, why: string): void {
    this.logger.warn(`${entry.relPath}: ${why}; re-indexing it`);
    void this.refreshFile(entry.file).catch(() => {});
  }

  // -------------------------------------------------------------------------------------------
  // Ingest

  /**
   * Brings the index in line with the folders: new and changed files are chunked, gone ones removed.
   * `onProgress` hears of each file looked at (done of total), for the editor's progress.
   */
  update(signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<UpdateReport> {
    return this.ingester.update(signal, onProgress);
  }

  /** Re-indexes one file after a change on disk (watchers call this). Returns what happened. */
  refreshFile(absPath: string): Promise<"added" | "updated" | "unchanged" | "removed" | "skipped" | "ignored"> {
    return this.ingester.refreshFile(absPath);
  }

  /** Adds a chunk to the full-text and term indexes (Orama insertion happens in batches). */
  addChunk(record: ChunkRecord, packedHeadingPaths: string[][] = [], journaled?: JournaledChunk[], words?: WordSink): void {
    this.ingester.addChunk(record, packedHeadingPaths, journaled, words);
  }

  // -------------------------------------------------------------------------------------------
  // Disk (the journal; saving and loading are disk/persistence.ts)

  /**
   * The vectors of a file's chunks, in order, for the journal; undefined while one is still
   * waiting for its embedding (the save is then a full one, which keeps such chunks waiting).
   */
  vectorsOfFile(entry: FileEntry): ChunkVector[] | undefined {
    return vectorsOfFile(this, entry);
  }

  /** Replays one journaled change (see disk/journalReplay.ts). */
  applyJournaledChange(file: string, change: FileChange | null, words: readonly string[] = []): Promise<void> {
    return applyJournaledChange(this, file, change, words);
  }

  // -------------------------------------------------------------------------------------------
  // Search

  /** Keeps only the spelling index's words still in the docs (a full save does, before writing them). */
  pruneSpelling(): void {
    this.searcher.pruneSpelling();
  }

  /**
   * How a query's words and names read against the docs (correction.ts): words the docs never
   * use, read as the docs' nearest words; names the docs do not define, as the nearest defined ones.
   */
  spellingOf(text: string): QuerySpelling {
    return this.searcher.spellingOf(text);
  }

  /** The best full-text matches for a piece of text (question or draft), best first, its misspellings read as the docs' words. */
  textRanking(text: string, limit: number): ScoredDoc[] {
    return this.searcher.textRanking(text, limit);
  }

  /** Chunks that define a name mentioned in the query, strongest definitions first (search/searcher.ts). */
  exactTermHits(query: string, textScores?: Map<number, number>, limit = 10): TermHit[] {
    return this.searcher.exactTermHits(query, textScores, limit);
  }

  /** The section (heading to next heading) that holds the chunk. */
  sectionOf(chunk: ChunkRecord): { startLine: number; endLine: number } | undefined {
    return this.searcher.sectionOf(chunk);
  }

  vectorRanking(text: string, limit: number, signal?: AbortSignal): Promise<number[]> {
    return this.searcher.vectorRanking(text, limit, signal);
  }

  search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return this.searcher.search(query, options);
  }

  /**
   * Turns a full-text ranking into hits: chunks defining a name the query mentions come first,
   * then the ranking, fused by reciprocal rank with vector rankings when an embedder is set.
   */
  rankedHits(query: string, textRanking: ScoredDoc[], options: SearchOptions & { vectorQueries?: string[]; termHits?: TermHit[] } = {}): Promise<SearchHit[]> {
    return this.searcher.rankedHits(query, textRanking, options);
  }
}
