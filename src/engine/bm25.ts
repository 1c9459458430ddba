// A BM25F full-text index over chunks, with raw term frequencies and per-field length
// normalisation. Orama's own full-text scoring is not used for ranking: see docs/retrieval.md
// for why (deduplicated tokens, double length normalisation, prefix expansion).

export const FIELDS = ["title", "heading", "text"] as const;
export type Field = (typeof FIELDS)[number];
const FIELD_COUNT = FIELDS.length;
/** Each posting is [docId, tf(title), tf(heading), tf(text)]. */
const STRIDE = 1 + FIELD_COUNT;

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

/** What goes to disk: plain arrays, so JSON.parse rebuilds it quickly. */
export interface Bm25Snapshot {
  lengths: number[];
  alive: number[];
  terms: Record<string, number[]>;
  docTerms: number[][];
  termList: string[];
}

export class Bm25Index {
  private postings = new Map<string, number[]>();
  private docFreq = new Map<string, number>();
  /** lengths[id * FIELD_COUNT + f] */
  private lengths: number[] = [];
  private alive: boolean[] = [];
  /** Unique terms of each live doc, so removal can fix document frequencies. */
  private docTerms: (string[] | undefined)[] = [];
  private liveCount = 0;
  private lengthSums = new Float64Array(FIELD_COUNT);
  private deadPostings = 0;
  private totalPostings = 0;

  constructor(readonly params: Bm25Params = DEFAULT_BM25) {}

  get size(): number {
    return this.liveCount;
  }

  add(id: number, fields: FieldTokens): void {
    if (this.alive[id]) this.remove(id);
    const counts = new Map<string, number[]>();
    FIELDS.forEach((field, f) => {
      const tokens = fields[field];
      this.lengths[id * FIELD_COUNT + f] = tokens.length;
      this.lengthSums[f]! += tokens.length;
      for (const t of tokens) {
        let c = counts.get(t);
        if (!c) counts.set(t, (c = new Array(FIELD_COUNT).fill(0)));
        c[f]++;
      }
    });
    for (const [term, c] of counts) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = []));
      list.push(id, ...c);
      this.docFreq.set(term, (this.docFreq.get(term) ?? 0) + 1);
    }
    this.totalPostings += counts.size;
    this.docTerms[id] = [...counts.keys()];
    this.alive[id] = true;
    this.liveCount++;
  }

  /** Marks a document dead; its postings are skipped and compacted away later. */
  remove(id: number): void {
    if (!this.alive[id]) return;
    this.alive[id] = false;
    this.liveCount--;
    for (let f = 0; f < FIELD_COUNT; f++) this.lengthSums[f]! -= this.lengths[id * FIELD_COUNT + f] ?? 0;
    const terms = this.docTerms[id] ?? [];
    for (const term of terms) {
      const df = (this.docFreq.get(term) ?? 1) - 1;
      if (df <= 0) {
        this.docFreq.delete(term);
        this.postings.delete(term);
        this.totalPostings -= 1;
      } else {
        this.docFreq.set(term, df);
        this.deadPostings++;
      }
    }
    this.docTerms[id] = undefined;
    if (this.deadPostings > 50_000 && this.deadPostings > this.totalPostings / 4) this.compact();
  }

  docFrequency(term: string): number {
    return this.docFreq.get(term) ?? 0;
  }

  /**
   * Scores every live doc that contains a query term. `query` maps a term to its weight in the
   * query (usually its count). `filter`, when given, limits which docs may score.
   */
  score(query: Map<string, number>, filter?: (id: number) => boolean): Map<number, number> {
    const { k1, b, weight } = this.params;
    const n = this.liveCount;
    const avg = FIELDS.map((_, f) => (n > 0 ? this.lengthSums[f]! / n : 0) || 1);
    const wf = FIELDS.map((field) => weight[field]);
    const bf = FIELDS.map((field) => b[field]);
    const scores = new Map<number, number>();
    for (const [term, qWeight] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const df = this.docFreq.get(term) ?? 0;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += STRIDE) {
        const id = list[i]!;
        if (!this.alive[id] || (filter && !filter(id))) continue;
        let tf = 0;
        for (let f = 0; f < FIELD_COUNT; f++) {
          const raw = list[i + 1 + f]!;
          if (raw === 0) continue;
          const len = this.lengths[id * FIELD_COUNT + f]!;
          tf += (wf[f]! * raw) / (1 - bf[f]! + (bf[f]! * len) / avg[f]!);
        }
        const s = qWeight * idf * ((tf * (k1 + 1)) / (tf + k1));
        scores.set(id, (scores.get(id) ?? 0) + s);
      }
    }
    return scores;
  }

  private compact(): void {
    for (const [term, list] of this.postings) {
      const kept: number[] = [];
      for (let i = 0; i < list.length; i += STRIDE) {
        if (this.alive[list[i]!]) for (let j = 0; j < STRIDE; j++) kept.push(list[i + j]!);
      }
      this.postings.set(term, kept);
    }
    this.totalPostings -= this.deadPostings;
    this.deadPostings = 0;
  }

  snapshot(): Bm25Snapshot {
    this.compact();
    const termList = [...this.postings.keys()];
    const termIndex = new Map(termList.map((t, i) => [t, i]));
    const terms: Record<string, number[]> = {};
    for (const [t, list] of this.postings) terms[t] = list;
    return {
      lengths: this.lengths.map((x) => x ?? 0),
      alive: this.alive.map((a) => (a ? 1 : 0)),
      terms,
      termList,
      docTerms: this.docTerms.map((ts) => (ts ? ts.map((t) => termIndex.get(t)!) : [])),
    };
  }

  static fromSnapshot(snap: Bm25Snapshot, params: Bm25Params = DEFAULT_BM25): Bm25Index {
    const index = new Bm25Index(params);
    index.lengths = snap.lengths;
    index.alive = snap.alive.map((a) => a === 1);
    for (const term of snap.termList) {
      const list = snap.terms[term]!;
      index.postings.set(term, list);
      index.docFreq.set(term, list.length / STRIDE);
      index.totalPostings += list.length / STRIDE;
    }
    index.docTerms = snap.docTerms.map((ids, id) => (index.alive[id] ? ids.map((i) => snap.termList[i]!) : undefined));
    for (let id = 0; id < index.alive.length; id++) {
      if (!index.alive[id]) continue;
      index.liveCount++;
      for (let f = 0; f < FIELD_COUNT; f++) index.lengthSums[f]! += index.lengths[id * FIELD_COUNT + f] ?? 0;
    }
    return index;
  }
}
