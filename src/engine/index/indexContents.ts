// What the docs index holds, kept in step file by file: a BM25F full-text index, the defined-terms
// index, the spelling index, and Orama for vectors (when an embedding model is set). What a chunk
// is (file, heading path, line range) is held once per file and in typed arrays per chunk
// (chunkTable.ts); a chunk's text is not kept after indexing: it is read back from its file, whose
// content hash is known, when a caller reads `text` (ingest/chunkTexts.ts).
// Reading files in (ingest/ingester.ts), queries (search/searcher.ts) and the saved index (disk/)
// work on these contents; DocsIndex (docsIndex.ts) is the front that puts them together.
import { create, removeMultiple, type AnyOrama } from "@orama/orama";
import { Bm25Index } from "./search/bm25.js";
import type { ChunkOptions } from "./ingest/chunker.js";
import type { FileEntry } from "./fileEntry.js";
import { CorpusFilter, type CorpusOptions } from "./ingest/corpus.js";
import { contentHash } from "./ingest/hash.js";
import { TermIndex } from "./search/terms.js";
import { SpellingIndex } from "./search/spelling.js";
import type { Embedder } from "../model/modelInterface.js";
import type { ChunkRecord } from "./types.js";
import type { Logger } from "../util/logger.js";
import { ChunkTable } from "./chunkTable.js";
import { ChunkTexts } from "./ingest/chunkTexts.js";
import type { ChangeLog } from "./disk/journal.js";
import { QuantizedVectors } from "./vectors/quantizedVectors.js";
import { insertOramaVector, oramaVector } from "./vectors/oramaVectors.js";

/** Vectors whose floats share one block (insertVectors). */
const VECTOR_BATCH = 1024;

/** A chunk's vector to put in: `vector` when just embedded; without it, its codes are in the int8 store already. */
type VectorItem = { id: number; hash: string; vector?: Float32Array };
type OramaBacklog = { items: readonly VectorItem[]; next: number; error?: Error };

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

/** Orama holds the chunks' vectors (documents of an id and an embedding); without an embedder it stays empty. */
function oramaSchema(dimensions: number | undefined) {
  return dimensions ? { embedding: `vector[${dimensions}]` } : { slot: "number" };
}

export abstract class IndexContents {
  readonly roots: string[];
  readonly embedder?: Embedder;
  readonly chunking: ChunkOptions;
  readonly corpusOptions: CorpusOptions;
  /** Which files are the docs (the corpus options, compiled). */
  readonly filter: CorpusFilter;
  private readonly oramaStore: AnyOrama;
  bm25 = new Bm25Index();
  terms = new TermIndex();
  /** The docs' words, for "did you mean" (correction.ts). */
  spelling = new SpellingIndex();
  files = new Map<string, FileEntry>();
  private readonly vectorCacheStore = new Map<string, Float32Array>();
  /** A loaded index's vectors not yet in Orama (fillOramaLater), from `next` on. */
  private oramaBacklog?: OramaBacklog;
  /** Resolves once a loaded index's vectors are all in Orama. */
  private oramaFilled: Promise<void> = Promise.resolve();
  /** The vectors' int8 codes, scanned for vector search (vectors/quantizedVectors.ts); with an embedder only. */
  readonly quantized?: QuantizedVectors;
  /** Text hashes of the chunks that have a vector (the embedding cache's keys, saved with the vectors). */
  chunkHashes = new Map<number, string>();
  nextId = 0;
  /** Per chunk id: its file's slot, its place in the file, its lines and heading. */
  chunkTable = new ChunkTable();
  /** Files by slot (a removed file's slot stays empty until the next load). */
  fileSlots: (FileEntry | undefined)[] = [];
  /** Chunks in files (the persistence module sets it on load). */
  totalChunks = 0;
  /** The texts of chunks, read back from their files (the ingester hands it the texts it just chunked). */
  readonly texts: ChunkTexts;
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
    this.oramaStore = IndexContents.createOrama(options.embedder);
    if (options.embedder) this.quantized = new QuantizedVectors(options.embedder.dimensions);
    this.texts = new ChunkTexts(this.chunking, this.filter.maxFileBytes, (entry, why) => this.textWentStale(entry, why));
  }

  /** A file's text no longer has the content hash indexed (changed, gone, unreadable): it is indexed again. */
  protected abstract textWentStale(entry: { file: string; relPath: string }, why: string): void;

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

  /**
   * Orama, the store of record of the float vectors (exposed to the persistence module and tests).
   * A loaded index's vectors still waiting to go in are put in first: whoever reads it sees them all.
   */
  get orama(): AnyOrama {
    this.fillOramaNow();
    return this.oramaStore;
  }

  /**
   * Embeddings by chunk text hash: unchanged chunks are never embedded twice. Once a vector is in
   * Orama, its entry here is Orama's own Float32Array (insertVectors), not a copy. As with `orama`,
   * vectors waiting to go into Orama are put in first.
   */
  get vectorCache(): Map<string, Float32Array> {
    this.fillOramaNow();
    return this.vectorCacheStore;
  }

  /**
   * Puts a loaded index's vectors into Orama after the load, a few batches at a time with the event
   * loop free between them: searches scan the int8 codes and need nothing from Orama, and at 30x
   * (168,660 vectors of 384 dimensions) the floats took 0.7 s or more of a 1.5 s load. Whatever
   * reads Orama or the embedding cache (the journal of a changed file, the embedding of new
   * chunks, tests) puts the rest in at once first (the getters above); changes meanwhile (a file
   * removed or changed, a journal replayed) leave Orama's waiting vectors of chunks gone out. A
   * save reads the int8 store.
   */
  fillOramaLater(items: readonly { id: number; hash: string }[]): void {
    if (items.length === 0) return;
    const backlog: OramaBacklog = { items, next: 0 };
    this.oramaBacklog = backlog;
    this.oramaFilled = new Promise<void>((resolve) => {
      const step = () => {
        if (this.oramaBacklog === backlog) {
          try {
            const end = Math.min(backlog.items.length, backlog.next + VECTOR_BATCH * 4);
            this.putVectors(backlog.items, backlog.next, end);
            backlog.next = end;
            if (end < backlog.items.length) return void setImmediate(step);
            this.oramaBacklog = undefined;
          } catch (error) {
            // Thrown to the next reader of Orama. A load's vectors were all checked: a bug, not a bad file.
            backlog.error = error instanceof Error ? error : new Error(String(error));
          }
        }
        resolve();
      };
      setImmediate(step);
    });
  }

  /** Resolves once a loaded index's vectors are all in Orama (at once where none wait). */
  vectorsInOrama(): Promise<void> {
    return this.oramaFilled;
  }

  private fillOramaNow(): void {
    const backlog = this.oramaBacklog;
    if (!backlog) return;
    if (backlog.error !== undefined) throw backlog.error;
    this.putVectors(backlog.items, backlog.next, backlog.items.length);
    this.oramaBacklog = undefined;
  }

  /** A chunk's embedding, when it has one in Orama. */
  vectorOf(id: number): Float32Array | undefined {
    const hash = this.chunkHashes.get(id);
    return hash === undefined ? undefined : this.vectorCache.get(hash);
  }

  /**
   * Puts chunks' vectors into Orama and the int8 scan beside it. Orama gets the vector the int8
   * codes stand for (the index file holds only those), also for a vector just embedded: an index
   * answers the same before and after a save and load. A chunk without `vector` has its codes in
   * the scan already (a loaded index's: fillOramaLater; a load's vectors still waiting go in
   * first). The floats of a batch are written into one Float32Array and each chunk's vector is a
   * view of it, put into Orama's vector index as it is (insertOramaVector; Orama's own insert
   * would take a plain array and copy it), and the embedding cache's entry becomes that same view:
   * each float vector is held once. A block stays in memory while any of its vectors is in Orama
   * (dropFile gives a removed chunk's cached vector a buffer of its own).
   */
  insertVectors(items: readonly VectorItem[]): void {
    this.putVectors(items, 0, items.length);
  }

  private putVectors(items: readonly VectorItem[], from: number, to: number): void {
    const quantized = this.quantized;
    if (to <= from) return;
    if (!quantized) throw new Error("vectors for an index without an embedding model");
    const dims = quantized.dims;
    for (let i = from; i < to; i += VECTOR_BATCH) {
      const n = Math.min(VECTOR_BATCH, to - i);
      const block = new Float32Array(n * dims);
      for (let j = 0; j < n; j++) {
        const { id, hash, vector } = items[i + j]!;
        if (vector) quantized.add(id, vector);
        // A loaded vector whose chunk has gone since (a file removed or changed, a journal replayed).
        else if (this.chunkHashes.get(id) !== hash) continue;
        const own = block.subarray(j * dims, (j + 1) * dims);
        // Orama holds what the codes stand for, as a saved and loaded index does: the same answers before and after a restart.
        if (!quantized.vectorInto(id, own)) throw new Error(`chunk ${id} has no vector`);
        insertOramaVector(this.oramaStore, String(id), own);
        this.vectorCacheStore.set(hash, own);
      }
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

  /** Chunks waiting for their embedding; they enter Orama once they have one (saved with the index). */
  pendingEmbedding = new Map<number, ChunkRecord>();

  /** Takes a file's chunks out of every index (full text, terms, vectors) and forgets the file. */
  async dropFile(entry: FileEntry): Promise<void> {
    const inOrama: string[] = [];
    // Not the getters: a loaded index's vectors still waiting for Orama stay waiting (those of
    // these chunks are then left out: their chunks are gone), so a journal replayed at load does
    // not put them all in at once.
    const cache = this.vectorCacheStore;
    for (const id of entry.chunkIds) {
      // The full-text index needs no tokens to remove a chunk: its old text may be gone from disk.
      this.bm25.remove(id);
      this.chunkTable.clear(id);
      // A chunk still waiting for its embedding was never inserted into Orama.
      if (this.pendingEmbedding.delete(id)) continue;
      const hash = this.chunkHashes.get(id);
      if (hash === undefined) continue;
      this.chunkHashes.delete(id);
      inOrama.push(String(id));
      // The cache keeps the vector (its text may come back), as a copy of its own: a view of the
      // chunk's block in Orama would keep the whole block (1,024 vectors) in memory.
      const cached = cache.get(hash);
      if (cached && cached.byteLength !== cached.buffer.byteLength && cached === oramaVector(this.oramaStore, String(id))) cache.set(hash, cached.slice());
    }
    this.terms.removeChunks(entry.chunkIds);
    // Orama removes the first 1,000 at once and the rest on a timer; removing all now keeps
    // a save that follows consistent.
    // Only those in Orama already: Orama gives an id it is asked to remove an internal id of its own.
    const ids = this.oramaStore.internalDocumentIDStore.idToInternalId;
    const present = inOrama.filter((id) => ids.has(id));
    if (present.length) await removeMultiple(this.oramaStore, present, present.length);
    for (const id of inOrama) this.quantized?.remove(Number(id));
    this.totalChunks -= entry.chunkIds.length;
    this.fileSlots[entry.slot] = undefined;
    this.texts.forget(entry);
    this.files.delete(entry.file);
  }
}
