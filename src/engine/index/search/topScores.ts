// The best-scoring docs of a query, kept in a bounded heap (bm25.ts ranks with it).

export interface ScoredDoc {
  id: number;
  score: number;
}

/** Keeps the `capacity` highest-scoring entries seen, in reused arrays. Ties go to the lower id, for stable results. */
export class MinHeap {
  private ids = new Int32Array(64);
  private scores = new Float64Array(64);
  private size = 0;
  private capacity = 0;

  reset(capacity: number): void {
    this.capacity = Math.max(0, capacity);
    this.size = 0;
    if (this.ids.length < this.capacity) {
      this.ids = new Int32Array(this.capacity);
      this.scores = new Float64Array(this.capacity);
    }
  }

  /** Whether it holds `capacity` entries (then only a better one gets in). */
  get full(): boolean {
    return this.size >= this.capacity && this.capacity > 0;
  }

  /** The score an entry must reach to be offered at all: the lowest held once full, else -Infinity. */
  get threshold(): number {
    return this.full ? this.scores[0]! : -Infinity;
  }

  /** The lowest score held (the one an entry must beat once full). */
  get minScore(): number {
    return this.size > 0 ? this.scores[0]! : -Infinity;
  }

  private less(i: number, j: number): boolean {
    const a = this.scores[i]!,
      b = this.scores[j]!;
    return a < b || (a === b && this.ids[i]! > this.ids[j]!);
  }

  private swap(i: number, j: number): void {
    const id = this.ids[i]!,
      score = this.scores[i]!;
    this.ids[i] = this.ids[j]!;
    this.scores[i] = this.scores[j]!;
    this.ids[j] = id;
    this.scores[j] = score;
  }

  offer(id: number, score: number): void {
    if (this.capacity <= 0) return;
    if (this.size < this.capacity) {
      this.ids[this.size] = id;
      this.scores[this.size] = score;
      let i = this.size++;
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
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  drainDescending(): ScoredDoc[] {
    const out: ScoredDoc[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = { id: this.ids[i]!, score: this.scores[i]! };
    this.size = 0;
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
