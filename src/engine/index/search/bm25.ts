// A BM25F full-text index over chunks, with raw term frequencies and per-field length
// normalisation. Orama's own full-text scoring is not used for ranking: see docs/retrieval.md
// for why (deduplicated tokens, double length normalisation, prefix expansion).
// Postings live in typed arrays (postingList.ts): compact in memory and saved to disk as raw bytes.
import { FIELD_COUNT, FIELDS, type Field, type FieldTokens } from "./bm25Fields.js";
import { PostingList, type EncodedPostings } from "./postingList.js";
import { maxSaturated, prunedTop, type QueryList } from "./prunedTop.js";
import { PostingArena } from "./sealedPostings.js";
import { MinHeap, type ScoredDoc } from "./topScores.js";
import { grownTo } from "../../util/typedArrays.js";

/** Queries of more terms than this score every posting (see queryLists). */
const MAX_PRUNED_TERMS = 32;
/** Queries whose lists hold fewer postings than this score every posting (see queryLists). */
const MIN_PRUNED_POSTINGS = 20_000;

export { FIELDS, type Field, type FieldTokens } from "./bm25Fields.js";
export type { ScoredDoc } from "./topScores.js";

export interface Bm25Params {
  k1: number;
  /** Length normalisation per field. */
  b: Record<Field, number>;
  /** Field weights. */
  weight: Record<Field, number>;
}

export const DEFAULT_BM25: Bm25Params = {
  k1: 1.2,
  b: { title: 0.5, heading: 0.5, text: 0.75 },
  weight: { title: 1.5, heading: 2, text: 1 },
};

/** The index as flat arrays, for the binary part of the saved index file. */
export interface Bm25Snapshot {
  terms: string[];
  /** Postings per term, in the order of `terms`. */
  counts: Uint32Array;
  ids: Int32Array;
  tfs: Uint16Array;
  /** lengths[id * 3 + field] */
  lengths: Uint32Array;
  alive: Uint8Array;
}

/**
 * Postings a build adds before the index seals its lists (sealedPostings.ts): held decoded they
 * take 10-20 bytes each (20-40 MB here), sealed about 4.
 */
export const SEAL_AFTER_POSTINGS = 1 << 21;

export class Bm25Index {
  private postings = new Map<string, PostingList>();
  /** Postings added since the lists were last sealed, and how many to add before sealing them again. */
  private unsealed = 0;
  sealAfter = SEAL_AFTER_POSTINGS;
  private arena?: PostingArena;
  private lengths: Uint32Array = new Uint32Array(1024 * FIELD_COUNT);
  private alive: Uint8Array = new Uint8Array(1024);
  private liveCount = 0;
  private lengthSums = new Float64Array(FIELD_COUNT);
  /** Documents removed since the last compaction (their postings are still in the lists). */
  private deadDocs = 0;
  private totalPostings = 0;
  /**
   * Document frequencies of terms whose lists hold dead postings, counted when first needed and
   * forgotten at the next change. Removal needs no token list (the removed text may be gone from
   * disk), and with no dead postings a term's frequency is its list's length.
   */
  private dfCache = new Map<string, number>();
  /** Reused per query, indexed by doc id: score accumulator and the ids touched. */
  private scratch = new Float64Array(1024);
  private touched = new Int32Array(1024);
  private readonly heap = new MinHeap();
  /** Changes to the documents (adds, removals): the length normalisations follow it. */
  private generation = 0;
  private normFor = -1;
  private norms = new Float64Array(0);
  /** Per term, the highest saturated term frequency of its postings (prunedTop.ts), for the state `boundsFor`; -1 once queried. */
  private bounds = new Map<string, number>();
  private boundsFor = -1;

  constructor(readonly params: Bm25Params = DEFAULT_BM25) {}

  get size(): number {
    return this.liveCount;
  }

  has(id: number): boolean {
    return this.alive[id] === 1;
  }

  /** Whether the term has a posting list (whose postings may all be of removed chunks until the next compaction). */
  hasTerm(term: string): boolean {
    return this.postings.has(term);
  }

  private ensureCapacity(id: number): void {
    if (id < this.alive.length) return;
    let n = this.alive.length;
    while (n <= id) n *= 2;
    this.alive = grownTo(this.alive, n);
    this.lengths = grownTo(this.lengths, n * FIELD_COUNT);
  }

  add(id: number, fields: FieldTokens): void {
    this.addCounts(id, [fields.title.length, fields.heading.length, fields.text.length], termCounts(fields));
  }

  /**
   * Adds a document by its field lengths and per-term field counts (what `add` works out from the
   * tokens; the index's journal stores them, so that a journaled change is replayed exactly).
   */
  addCounts(id: number, fieldLengths: readonly number[], counts: Map<string, number[]>): void {
    if (this.alive[id]) throw new Error(`document ${id} is already indexed`);
    this.ensureCapacity(id);
    for (let f = 0; f < FIELD_COUNT; f++) {
      this.lengths[id * FIELD_COUNT + f] = fieldLengths[f]!;
      this.lengthSums[f]! += fieldLengths[f]!;
    }
    for (const [term, c] of counts) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = new PostingList()));
      list.push(id, c);
    }
    if (this.dfCache.size) this.dfCache.clear();
    this.generation++;
    this.totalPostings += counts.size;
    this.alive[id] = 1;
    this.liveCount++;
    this.unsealed += counts.size;
    if (this.unsealed >= this.sealAfter) this.seal();
  }

  /**
   * Encodes every list's decoded postings into the index's arena (a build calls it as it goes,
   * through addCounts): what a build holds decoded stays within `sealAfter` postings.
   */
  seal(): void {
    const arena = (this.arena ??= new PostingArena());
    for (const list of this.postings.values()) list.seal(arena);
    this.unsealed = 0;
  }

  /** Bytes of the sealed lists' blocks (for tests and figures). */
  get sealedBytes(): number {
    return this.arena?.bytes ?? 0;
  }

  /**
   * Marks a document dead. Its postings stay until compaction; document frequencies count only
   * live documents, so scores are exactly those of an index built without it. (`_fields` is
   * accepted for callers of the earlier signature and not needed.)
   */
  remove(id: number, _fields?: FieldTokens): void {
    if (!this.alive[id]) return;
    this.alive[id] = 0;
    this.liveCount--;
    this.deadDocs++;
    for (let f = 0; f < FIELD_COUNT; f++) this.lengthSums[f]! -= this.lengths[id * FIELD_COUNT + f]!;
    if (this.dfCache.size) this.dfCache.clear();
    this.generation++;
    // Compaction costs one pass over every posting: worth it once a quarter of the docs are dead.
    if (this.deadDocs > 2_000 && this.deadDocs > this.liveCount / 4) this.compact();
  }

  docFrequency(term: string): number {
    const list = this.postings.get(term);
    if (!list) return 0;
    if (this.deadDocs === 0) return list.length;
    let df = this.dfCache.get(term);
    if (df === undefined) {
      df = 0;
      const { ids, length } = list.ready();
      for (let i = 0; i < length; i++) df += this.alive[ids[i]!]!;
      this.dfCache.set(term, df);
    }
    return df;
  }

  /** BM25's inverse document frequency; a term found nowhere gets the highest value. */
  idf(term: string): number {
    const df = this.docFrequency(term);
    return Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5));
  }

  /**
   * The `limit` best-scoring live docs for a query (`query` maps a term to its weight), best
   * first. Selection keeps a small heap, so a query matching most of a large index stays cheap.
   * The accumulators are reused typed arrays: a query allocates little beyond its result.
   * Queries of several terms skip what cannot reach the top (prunedTop.ts) with the same result;
   * `pruning` "never" scores every posting, "always" prunes even short lists (for tests and figures).
   */
  top(query: Map<string, number>, limit: number, options: { pruning?: "auto" | "always" | "never" } = {}): ScoredDoc[] {
    const { k1, b, weight } = this.params;
    const n = this.liveCount;
    const avg0 = (n > 0 ? this.lengthSums[0]! / n : 0) || 1;
    const avg1 = (n > 0 ? this.lengthSums[1]! / n : 0) || 1;
    const avg2 = (n > 0 ? this.lengthSums[2]! / n : 0) || 1;
    const w0 = weight.title,
      w1 = weight.heading,
      w2 = weight.text;
    const b0 = b.title,
      b1 = b.heading,
      b2 = b.text;
    if (this.scratch.length < this.alive.length) {
      this.scratch = new Float64Array(this.alive.length);
      this.touched = new Int32Array(this.alive.length);
    }
    // Each document's length normalisation per field, `1 - b + b * length / average`, computed
    // once per state of the index (the same doubles as computing it per posting).
    if (this.normFor !== this.generation || this.norms.length < this.lengths.length) {
      if (this.norms.length < this.lengths.length) this.norms = new Float64Array(this.lengths.length);
      const lengths = this.lengths;
      const norms = this.norms;
      for (let id = 0, end = this.alive.length; id < end; id++) {
        const at = id * FIELD_COUNT;
        norms[at] = 1 - b0 + (b0 * lengths[at]!) / avg0;
        norms[at + 1] = 1 - b1 + (b1 * lengths[at + 1]!) / avg1;
        norms[at + 2] = 1 - b2 + (b2 * lengths[at + 2]!) / avg2;
      }
      this.normFor = this.generation;
    }
    const norms = this.norms;
    const acc = this.scratch;
    const touched = this.touched;
    const alive = this.alive;
    const anyDead = this.deadDocs > 0;
    const k1Plus1 = k1 + 1;
    const pruning = options.pruning ?? "auto";
    const lists = pruning === "never" ? undefined : this.queryLists(query, { k1, w0, w1, w2, norms }, pruning === "always");
    if (lists) return prunedTop(lists, limit, { k1, w0, w1, w2, norms, alive, anyDead }, this.heap);
    let touchedCount = 0;
    for (const [term, qWeight] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const qIdf = qWeight * this.idf(term);
      const { ids, tfs } = list.ready();
      for (let i = 0, n = list.length; i < n; i++) {
        const id = ids[i]!;
        // With no removals since the last compaction every posting is live.
        if (anyDead && !alive[id]) continue;
        // The fields unrolled, in the order FIELDS names them (the same sums as a loop over fields).
        let tf = 0;
        const t = i * FIELD_COUNT;
        const at = id * FIELD_COUNT;
        const r0 = tfs[t]!,
          r1 = tfs[t + 1]!,
          r2 = tfs[t + 2]!;
        if (r0 !== 0) tf += (w0 * r0) / norms[at]!;
        if (r1 !== 0) tf += (w1 * r1) / norms[at + 1]!;
        if (r2 !== 0) tf += (w2 * r2) / norms[at + 2]!;
        if (acc[id] === 0) touched[touchedCount++] = id;
        acc[id]! += qIdf * ((tf * k1Plus1) / (tf + k1));
      }
    }
    const heap = this.heap;
    heap.reset(limit);
    for (let i = 0; i < touchedCount; i++) {
      const id = touched[i]!;
      heap.offer(id, acc[id]!);
      acc[id] = 0;
    }
    return heap.drainDescending();
  }

  /**
   * The query's lists for the pruned top-k (prunedTop.ts), or undefined where scoring every
   * posting is as cheap: one term (nothing to prune against), or so many (a long draft) that
   * finding each next doc among them costs more than it saves.
   */
  private queryLists(query: Map<string, number>, scoring: Parameters<typeof maxSaturated>[1], evenShort = false): QueryList[] | undefined {
    if (query.size < 2 || query.size > MAX_PRUNED_TERMS) return undefined;
    if (this.boundsFor !== this.generation) {
      this.bounds.clear();
      this.boundsFor = this.generation;
    }
    const lists: QueryList[] = [];
    for (const [term, qWeight] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const qIdf = qWeight * this.idf(term);
      // Bounds hold for positive weights only.
      if (!(qIdf > 0 && qIdf < Infinity)) return undefined;
      const { ids, tfs, length } = list.ready();
      // A term's first query uses k1 + 1 (above any posting's); from its second, the highest of
      // its postings, found in one pass (a term queried once would pay that pass for nothing).
      let bound = this.bounds.get(term);
      if (bound === undefined) this.bounds.set(term, (bound = -1));
      else if (bound < 0) this.bounds.set(term, (bound = maxSaturated(list, scoring)));
      if (bound < 0) bound = scoring.k1 + 1;
      lists.push({ ids, tfs, length, qIdf, maxSaturated: bound });
    }
    if (lists.length < 2) return undefined;
    // Short lists: a pass over every posting costs less than stepping from doc to doc (on the
    // 232 eval files a question's lists hold some thousands of postings).
    let postings = 0;
    for (const l of lists) postings += l.length;
    return evenShort || postings >= MIN_PRUNED_POSTINGS ? lists : undefined;
  }

  private compact(): void {
    if (this.deadDocs === 0) return;
    for (const [term, list] of this.postings) {
      list.compact(this.alive);
      if (list.length === 0) this.postings.delete(term);
    }
    let total = 0;
    for (const list of this.postings.values()) total += list.length;
    this.totalPostings = total;
    this.deadDocs = 0;
    this.dfCache.clear();
  }

  /** Postings held, dead ones included (for figures). */
  get postingCount(): number {
    return this.totalPostings;
  }

  /** Length of each field of a document (title, heading, text). */
  fieldLengths(id: number): [number, number, number] {
    return [this.lengths[id * FIELD_COUNT]!, this.lengths[id * FIELD_COUNT + 1]!, this.lengths[id * FIELD_COUNT + 2]!];
  }

  /** Calls `visit` for each term with its postings (compacted first, so all are live). */
  forEachTerm(visit: (term: string, ids: Int32Array, tfs: Uint16Array, length: number) => void): void {
    this.compact();
    for (const [term, list] of this.postings) {
      list.ready();
      visit(term, list.ids, list.tfs, list.length);
    }
  }

  /**
   * Each term with its live postings, without decoding lists into the index: a
   * list still in its saved form is decoded into reused scratch arrays (valid until the next
   * step), and dead postings are left out. Terms with no live posting are skipped. A save after a
   * load thus keeps the unused lists encoded (they would take some 10 bytes a posting decoded).
   */
  *liveLists(): Generator<[term: string, ids: Int32Array, tfs: Uint16Array, length: number]> {
    const alive = this.alive;
    const anyDead = this.deadDocs > 0;
    for (const [term, list] of this.postings) {
      let { ids, tfs, length } = list.view(this.saveScratch);
      if (anyDead) {
        // Filtered into the scratch arrays (a decoded list's own arrays are never written here).
        const outIds = this.saveScratch.ids.length >= length ? this.saveScratch.ids : (this.saveScratch.ids = new Int32Array(length));
        if (this.saveScratch.tfs.length < length * FIELD_COUNT) this.saveScratch.tfs = new Uint16Array(length * FIELD_COUNT);
        const outTfs = this.saveScratch.tfs;
        let w = 0;
        for (let r = 0; r < length; r++) {
          if (!alive[ids[r]!]) continue;
          outIds[w] = ids[r]!;
          outTfs[w * FIELD_COUNT] = tfs[r * FIELD_COUNT]!;
          outTfs[w * FIELD_COUNT + 1] = tfs[r * FIELD_COUNT + 1]!;
          outTfs[w * FIELD_COUNT + 2] = tfs[r * FIELD_COUNT + 2]!;
          w++;
        }
        ids = outIds;
        tfs = outTfs;
        length = w;
      }
      if (length > 0) yield [term, ids, tfs, length];
    }
  }

  /** Terms with live postings, and those postings (for a save's counts). */
  liveListStats(): { terms: number; postings: number } {
    if (this.deadDocs === 0) return { terms: this.postings.size, postings: this.totalPostings };
    let terms = 0;
    let postings = 0;
    for (const [, , , n] of this.liveLists()) {
      terms++;
      postings += n;
    }
    return { terms, postings };
  }

  private saveScratch = { ids: new Int32Array(0), tfs: new Uint16Array(0) };

  /** Posting lists held decoded (the others are still in their saved form): for tests and figures. */
  get decodedListCount(): number {
    let n = 0;
    for (const list of this.postings.values()) if (!list.isEncoded) n++;
    return n;
  }

  get termCount(): number {
    return this.postings.size;
  }

  snapshot(): Bm25Snapshot {
    this.compact();
    const terms = [...this.postings.keys()];
    const counts = new Uint32Array(terms.length);
    let total = 0;
    terms.forEach((t, i) => (total += counts[i] = this.postings.get(t)!.length));
    const ids = new Int32Array(total);
    const tfs = new Uint16Array(total * FIELD_COUNT);
    let at = 0;
    for (const t of terms) {
      const list = this.postings.get(t)!.ready();
      ids.set(list.ids.subarray(0, list.length), at);
      tfs.set(list.tfs.subarray(0, list.length * FIELD_COUNT), at * FIELD_COUNT);
      at += list.length;
    }
    return { terms, counts, ids, tfs, lengths: this.lengths, alive: this.alive };
  }

  /**
   * An index over loaded data whose posting lists stay encoded until used: `counts[i]` postings
   * of `terms[i]`, decoded by `encoded[i]`. All documents below `alive.length` marked alive count.
   */
  static fromEncoded(
    terms: string[],
    counts: Uint32Array,
    encoded: EncodedPostings[],
    lengths: Uint32Array,
    alive: Uint8Array,
    params: Bm25Params = DEFAULT_BM25,
  ): Bm25Index {
    const index = new Bm25Index(params);
    index.alive = alive;
    index.lengths = lengths;
    const empty32 = new Int32Array(0);
    const empty16 = new Uint16Array(0);
    let total = 0;
    terms.forEach((term, i) => {
      index.postings.set(term, new PostingList(empty32, empty16, counts[i]!, encoded[i]!));
      total += counts[i]!;
    });
    index.totalPostings = total;
    index.countLive();
    return index;
  }

  private countLive(): void {
    for (let id = 0; id < this.alive.length; id++) {
      if (!this.alive[id]) continue;
      this.liveCount++;
      for (let f = 0; f < FIELD_COUNT; f++) this.lengthSums[f]! += this.lengths[id * FIELD_COUNT + f]!;
    }
  }

  static fromSnapshot(snap: Bm25Snapshot, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const index = new Bm25Index(params);
    index.alive = snap.alive;
    index.lengths = snap.lengths;
    let at = 0;
    snap.terms.forEach((term, i) => {
      const n = snap.counts[i]!;
      // Views into the loaded buffer: a list is copied only when it first grows.
      index.postings.set(term, new PostingList(snap.ids.subarray(at, at + n), snap.tfs.subarray(at * FIELD_COUNT, (at + n) * FIELD_COUNT), n));
      at += n;
    });
    index.totalPostings = at;
    for (let id = 0; id < index.alive.length; id++) {
      if (!index.alive[id]) continue;
      index.liveCount++;
      for (let f = 0; f < FIELD_COUNT; f++) index.lengthSums[f]! += index.lengths[id * FIELD_COUNT + f]!;
    }
    return index;
  }
}

export function termCounts(fields: FieldTokens): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  FIELDS.forEach((field, f) => {
    for (const t of fields[field]) {
      let c = counts.get(t);
      if (!c) counts.set(t, (c = [0, 0, 0]));
      c[f]++;
    }
  });
  return counts;
}
