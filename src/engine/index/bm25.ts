// A BM25F full-text index over chunks, with raw term frequencies and per-field length
// normalisation. Orama's own full-text scoring is not used for ranking: see docs/retrieval.md
// for why (deduplicated tokens, double length normalisation, prefix expansion).
// Postings live in typed arrays: compact in memory and saved to disk as raw bytes.

export const FIELDS = ["title", "heading", "text"] as const;
export type Field = (typeof FIELDS)[number];
const FIELD_COUNT = FIELDS.length;
const MAX_TF = 0xffff;

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

export type FieldTokens = Record<Field, string[]>;

export interface ScoredDoc {
  id: number;
  score: number;
}

/** Doc ids and, per doc, its term frequency in each field. Grows by doubling. */
class PostingList {
  constructor(
    public ids: Int32Array = new Int32Array(4) as Int32Array,
    public tfs: Uint16Array = new Uint16Array(4 * FIELD_COUNT),
    public length = 0,
  ) {}

  push(id: number, tf: number[]): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(Math.max(4, this.length * 2));
      ids.set(this.ids);
      const tfs = new Uint16Array(ids.length * FIELD_COUNT);
      tfs.set(this.tfs);
      this.ids = ids;
      this.tfs = tfs;
    }
    this.ids[this.length] = id;
    for (let f = 0; f < FIELD_COUNT; f++) this.tfs[this.length * FIELD_COUNT + f] = Math.min(tf[f]!, MAX_TF);
    this.length++;
  }

  /** Drops the postings of dead docs, in place. */
  compact(alive: Uint8Array): void {
    let w = 0;
    for (let r = 0; r < this.length; r++) {
      if (!alive[this.ids[r]!]) continue;
      this.ids[w] = this.ids[r]!;
      for (let f = 0; f < FIELD_COUNT; f++) this.tfs[w * FIELD_COUNT + f] = this.tfs[r * FIELD_COUNT + f]!;
      w++;
    }
    this.length = w;
  }
}

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

export class Bm25Index {
  private postings = new Map<string, PostingList>();
  /** Live documents containing each term (postings may still hold dead ones until compaction). */
  private docFreq = new Map<string, number>();
  private lengths: Uint32Array = new Uint32Array(1024 * FIELD_COUNT);
  private alive: Uint8Array = new Uint8Array(1024);
  private liveCount = 0;
  private lengthSums = new Float64Array(FIELD_COUNT);
  private deadPostings = 0;
  private totalPostings = 0;
  /** Reused score accumulator, indexed by doc id. */
  private scratch = new Float64Array(1024);

  constructor(readonly params: Bm25Params = DEFAULT_BM25) {}

  get size(): number {
    return this.liveCount;
  }

  has(id: number): boolean {
    return this.alive[id] === 1;
  }

  private ensureCapacity(id: number): void {
    if (id < this.alive.length) return;
    let n = this.alive.length;
    while (n <= id) n *= 2;
    const alive = new Uint8Array(n);
    alive.set(this.alive);
    const lengths = new Uint32Array(n * FIELD_COUNT);
    lengths.set(this.lengths);
    this.alive = alive;
    this.lengths = lengths;
  }

  add(id: number, fields: FieldTokens): void {
    if (this.alive[id]) throw new Error(`document ${id} is already indexed`);
    this.ensureCapacity(id);
    const counts = termCounts(fields);
    FIELDS.forEach((field, f) => {
      this.lengths[id * FIELD_COUNT + f] = fields[field].length;
      this.lengthSums[f]! += fields[field].length;
    });
    for (const [term, c] of counts) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = new PostingList()));
      list.push(id, c);
      this.docFreq.set(term, (this.docFreq.get(term) ?? 0) + 1);
    }
    this.totalPostings += counts.size;
    this.alive[id] = 1;
    this.liveCount++;
  }

  /**
   * Marks a document dead. `fields` must be the tokens it was added with (re-tokenised from the
   * stored chunk), so that document frequencies stay exact without keeping a term list per doc.
   */
  remove(id: number, fields: FieldTokens): void {
    if (!this.alive[id]) return;
    this.alive[id] = 0;
    this.liveCount--;
    for (let f = 0; f < FIELD_COUNT; f++) this.lengthSums[f]! -= this.lengths[id * FIELD_COUNT + f]!;
    for (const term of termCounts(fields).keys()) {
      const df = (this.docFreq.get(term) ?? 1) - 1;
      if (df <= 0) {
        // The whole list goes: its earlier dead postings leave the dead count with it.
        const length = this.postings.get(term)?.length ?? 0;
        this.docFreq.delete(term);
        this.totalPostings -= length;
        this.deadPostings -= length - 1;
        this.postings.delete(term);
      } else {
        this.docFreq.set(term, df);
        this.deadPostings++;
      }
    }
    if (this.deadPostings > 50_000 && this.deadPostings > this.totalPostings / 4) this.compact();
  }

  docFrequency(term: string): number {
    return this.docFreq.get(term) ?? 0;
  }

  /** BM25's inverse document frequency; a term found nowhere gets the highest value. */
  idf(term: string): number {
    const df = this.docFreq.get(term) ?? 0;
    return Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5));
  }

  /**
   * The `limit` best-scoring live docs for a query (`query` maps a term to its weight), best
   * first. Selection keeps a small heap, so a query matching most of a large index stays cheap.
   */
  top(query: Map<string, number>, limit: number): ScoredDoc[] {
    const { k1, b, weight } = this.params;
    const n = this.liveCount;
    const avg = FIELDS.map((_, f) => (n > 0 ? this.lengthSums[f]! / n : 0) || 1);
    const wf = FIELDS.map((field) => weight[field]);
    const bf = FIELDS.map((field) => b[field]);
    if (this.scratch.length < this.alive.length) this.scratch = new Float64Array(this.alive.length);
    const acc = this.scratch;
    const touched: number[] = [];
    for (const [term, qWeight] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      const { ids, tfs } = list;
      for (let i = 0; i < list.length; i++) {
        const id = ids[i]!;
        if (!this.alive[id]) continue;
        let tf = 0;
        for (let f = 0; f < FIELD_COUNT; f++) {
          const raw = tfs[i * FIELD_COUNT + f]!;
          if (raw === 0) continue;
          tf += (wf[f]! * raw) / (1 - bf[f]! + (bf[f]! * this.lengths[id * FIELD_COUNT + f]!) / avg[f]!);
        }
        if (acc[id] === 0) touched.push(id);
        acc[id]! += qWeight * idf * ((tf * (k1 + 1)) / (tf + k1));
      }
    }
    const heap = new MinHeap(limit);
    for (const id of touched) {
      heap.offer(id, acc[id]!);
      acc[id] = 0;
    }
    return heap.drainDescending();
  }

  private compact(): void {
    for (const list of this.postings.values()) list.compact(this.alive);
    this.totalPostings -= this.deadPostings;
    this.deadPostings = 0;
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
      const list = this.postings.get(t)!;
      ids.set(list.ids.subarray(0, list.length), at);
      tfs.set(list.tfs.subarray(0, list.length * FIELD_COUNT), at * FIELD_COUNT);
      at += list.length;
    }
    return { terms, counts, ids, tfs, lengths: this.lengths, alive: this.alive };
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
      index.docFreq.set(term, n);
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

function termCounts(fields: FieldTokens): Map<string, number[]> {
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

/** Keeps the `capacity` highest-scoring entries seen. Ties go to the lower id, for stable results. */
class MinHeap {
  private ids: number[] = [];
  private scores: number[] = [];
  constructor(private readonly capacity: number) {}

  private less(i: number, j: number): boolean {
    const a = this.scores[i]!,
      b = this.scores[j]!;
    return a < b || (a === b && this.ids[i]! > this.ids[j]!);
  }

  private swap(i: number, j: number): void {
    [this.ids[i], this.ids[j]] = [this.ids[j]!, this.ids[i]!];
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
  }

  offer(id: number, score: number): void {
    if (this.capacity <= 0) return;
    if (this.ids.length < this.capacity) {
      this.ids.push(id);
      this.scores.push(score);
      let i = this.ids.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.less(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    if (score < this.scores[0]! || (score === this.scores[0]! && id > this.ids[0]!)) return;
    this.ids[0] = id;
    this.scores[0] = score;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < this.ids.length && this.less(l, m)) m = l;
      if (r < this.ids.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  drainDescending(): ScoredDoc[] {
    const out = this.ids.map((id, i) => ({ id, score: this.scores[i]! }));
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
