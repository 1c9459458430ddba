// The vector scan beside Orama: every chunk's vector as int8 codes in one block of WebAssembly
// memory, scanned whole by a SIMD kernel (dotKernel.ts) for each query against the query's own
// int8 codes; the best candidates are then rescored in floats, the query as it was embedded
// against the vectors the codes stand for (which is what Orama, the store of record, holds too).
// Orama's own vector search is a linear float scan over a Map. In a large store the int8 scan
// itself is the cost (it reads every code: 65 MB a query at 168,000 vectors of 384 dimensions),
// so there a first pass over one bit a dimension (binaryCodes.ts, an eighth of the bytes) picks
// the vectors the int8 codes score.
import { BinaryCodes } from "./binaryCodes.js";
import { bestSlots } from "./bestSlots.js";
import { MinHeap } from "../search/topScores.js";
import { createDotKernel, WASM_PAGE_BYTES, type DotKernel } from "./dotKernel.js";
import { dequantize, quantizeInto, quantizeSymmetric, type Int8Mapping } from "./int8.js";
import { grownTo } from "../../util/typedArrays.js";

export interface VectorHit {
  id: number;
  /** Cosine similarity of the query and the vector the codes stand for. */
  score: number;
}

export interface VectorSearchOptions {
  /** How many of the scan's best are rescored (default: twice the limit, at least limit + 32). */
  candidates?: number;
  /** Hits below this cosine similarity are left out (Orama's search took 0.0001). */
  minSimilarity?: number;
}

/** From this many vectors on, a binary first pass picks the vectors the int8 codes score. */
export const BINARY_FIRST_PASS_FROM = 20_000;
/** How many vectors the binary first pass keeps for the int8 scoring. */
export const BINARY_CANDIDATES = 2000;

export class QuantizedVectors {
  /** Bytes a vector takes in the scan: its dimensions, padded to the kernel's 32. */
  readonly stride: number;
  private readonly kernel: DotKernel;
  private count = 0;
  private capacity = 0;
  /** Per slot: the chunk id, the scale and offset that map its codes back, and 1 / |vector| (for the cosine). */
  private ids = new Int32Array(0);
  private scales = new Float32Array(0);
  private offsets = new Float32Array(0);
  private invNorms = new Float32Array(0);
  private readonly slots = new Map<number, number>();
  /** From this many vectors on the binary first pass runs (Infinity: never; the bench compares both). */
  binaryFrom: number;
  /** How many vectors the binary first pass keeps. */
  binaryCandidates: number;
  /** False: the int8 scan of every vector even in a large store, its bits kept (the bench compares both). */
  binaryFirstPass = true;
  /** The vectors' bits, taken at the first search of a store large enough, then kept up to date. */
  private binary?: BinaryCodes;
  /** A build of the bits under way in the background (`prepareFirstPass`). */
  private building?: Promise<void>;
  /** Counts adds, replacements and removals: a background build that sees it move starts again. */
  private mutations = 0;

  constructor(
    readonly dims: number,
    options: { simd?: boolean; binaryFrom?: number; binaryCandidates?: number } = {},
  ) {
    this.stride = Math.ceil(dims / 32) * 32;
    this.kernel = createDotKernel(options);
    this.binaryFrom = options.binaryFrom ?? BINARY_FIRST_PASS_FROM;
    this.binaryCandidates = options.binaryCandidates ?? BINARY_CANDIDATES;
  }

  get size(): number {
    return this.count;
  }

  /** Whether the scan runs in WebAssembly SIMD (else in JavaScript). */
  get simd(): boolean {
    return this.kernel.simd;
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  /** Adds (or replaces) a chunk's vector, quantized. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dims) throw new Error(`a vector of ${vector.length} dimensions, not ${this.dims}`);
    const slot = this.slotFor(id);
    const codes = this.codesAt(slot);
    this.setSlot(slot, id, quantizeInto(vector, codes));
  }

  /**
   * Takes the bits of the binary first pass in the background, a slice of vectors at a time, where
   * the store is large enough and has none (or a quarter of its vectors changed since): searches
   * meanwhile scan the int8 codes (or use the bits as they are). Taking them all at once held the
   * first search of 168,660 vectors for 4-6 s. Resolves when they are taken, or given up after the
   * vectors changed under three tries (the next call tries again).
   */
  prepareFirstPass(): Promise<void> {
    const n = this.count;
    if (this.building || !this.binaryFirstPass || n < this.binaryFrom || (this.binary && this.binary.changes <= n / 4))
      return this.building ?? Promise.resolve();
    this.building = (async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const codes = new BinaryCodes(this.dims);
        const seen = this.mutations;
        if (
          await codes.buildInSlices(
            this.count,
            (slot, out) => this.dequantizeInto(slot, out),
            () => this.mutations !== seen,
          )
        ) {
          this.binary = codes;
          return;
        }
      }
    })().finally(() => (this.building = undefined));
    return this.building;
  }

  /** Whether a search now runs the binary first pass (its bits are taken by the first such search). */
  get binaryInUse(): boolean {
    return this.binary !== undefined && this.binaryFirstPass && this.count >= this.binaryFrom;
  }

  /** Adds a chunk's vector as saved: its `dims` int8 codes and their mapping (a loaded index's). */
  addCodes(id: number, codes: Int8Array, mapping: Int8Mapping): void {
    if (codes.length !== this.dims) throw new Error(`${codes.length} codes, not ${this.dims}`);
    const slot = this.slotFor(id);
    this.codesAt(slot).set(codes);
    this.setSlot(slot, id, mapping);
  }

  /** A chunk's codes (a copy) and their mapping, as saved. */
  codesOf(id: number): { codes: Int8Array; mapping: Int8Mapping } | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    return { codes: this.codesAt(slot).slice(0, this.dims), mapping: this.mappingAt(slot) };
  }

  /** The float vector a chunk's codes stand for. */
  vectorOf(id: number): Float32Array | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : dequantize(this.codesAt(slot), this.mappingAt(slot), this.dims);
  }

  /** Writes the float vector a chunk's codes stand for into `out` (no allocation); false if the chunk has none. */
  vectorInto(id: number, out: Float32Array): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.dequantizeInto(slot, out);
    return true;
  }

  /** Takes a chunk's vector out: the last slot moves into its place, so the scan stays dense. */
  remove(id: number): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    const last = --this.count;
    if (slot !== last) {
      const bytes = new Uint8Array(this.kernel.memory.buffer);
      bytes.copyWithin(slot * this.stride, last * this.stride, (last + 1) * this.stride);
      const movedId = this.ids[last]!;
      this.ids[slot] = movedId;
      this.scales[slot] = this.scales[last]!;
      this.offsets[slot] = this.offsets[last]!;
      this.invNorms[slot] = this.invNorms[last]!;
      this.slots.set(movedId, slot);
      this.binary?.move(last, slot);
    }
    if (this.binary) this.binary.changes++;
    this.mutations++;
    return true;
  }

  /**
   * The `limit` chunks nearest the query by cosine similarity, best first (ties by id): the int8
   * scan of every vector picks the candidates, which are rescored with floats.
   */
  search(query: Float32Array, limit: number, options: VectorSearchOptions = {}): VectorHit[] {
    if (query.length !== this.dims) throw new Error(`a query of ${query.length} dimensions, not ${this.dims}`);
    const n = this.count;
    if (n === 0 || limit <= 0) return [];
    const queryCodes = new Int8Array(this.stride);
    if (quantizeSymmetric(query, queryCodes) === 0) return [];
    let querySum = 0;
    for (let d = 0; d < this.dims; d++) querySum += queryCodes[d]!;
    // Scratch after the codes: the query's codes, then one int32 score per vector.
    const queryAt = this.capacity * this.stride;
    const scoresAt = queryAt + this.stride;
    this.ensureBytes(scoresAt + n * 4);
    new Int8Array(this.kernel.memory.buffer, queryAt, this.stride).set(queryCodes);
    const candidates = Math.min(n, Math.max(options.candidates ?? Math.max(limit * 2, limit + 32), limit));
    // The best by score, ties to the lower chunk id; keyed by chunk id, each slot found again by its id.
    const top = new MinHeap();
    top.reset(candidates);
    const { invNorms, ids, scales, offsets } = this;
    // q . (offset + codes * scale) / |v|, up to the query's own scale.
    const int8Score = (slot: number, dot: number) => (offsets[slot]! * querySum + scales[slot]! * dot) * invNorms[slot]!;
    const firstPass = this.firstPass(query, n, Math.max(this.binaryCandidates, candidates));
    if (firstPass) {
      // Only the first pass's picks are scored with their int8 codes.
      this.ensureBytes(scoresAt + firstPass.length * 4);
      for (let i = 0; i < firstPass.length; i++) this.kernel.scan(queryAt, firstPass[i]! * this.stride, 1, this.stride, scoresAt + i * 4);
      const scores = new Int32Array(this.kernel.memory.buffer, scoresAt, firstPass.length);
      for (let i = 0; i < firstPass.length; i++) {
        const slot = firstPass[i]!;
        const s = int8Score(slot, scores[i]!);
        if (s >= top.threshold) top.offer(ids[slot]!, s);
      }
    } else {
      this.kernel.scan(queryAt, 0, n, this.stride, scoresAt);
      const scores = new Int32Array(this.kernel.memory.buffer, scoresAt, n);
      for (let slot = 0; slot < n; slot++) {
        const s = int8Score(slot, scores[slot]!);
        if (s >= top.threshold) top.offer(ids[slot]!, s);
      }
    }

    let queryNorm = 0;
    for (let d = 0; d < this.dims; d++) queryNorm += query[d]! * query[d]!;
    queryNorm = Math.sqrt(queryNorm);
    const hits: VectorHit[] = [];
    const minSimilarity = options.minSimilarity ?? 0.0001;
    for (const { id } of top.drainDescending()) {
      const slot = this.slots.get(id)!;
      const score = cosine(query, queryNorm, dequantize(this.codesAt(slot), this.mappingAt(slot), this.dims));
      if (score >= minSimilarity) hits.push({ id, score });
    }
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, limit);
  }

  /**
   * The slots the binary first pass keeps (`keep` of them, the best estimated cosines, in no order), or
   * undefined below `binaryFrom` vectors, where the int8 scan of them all is the first pass.
   */
  private firstPass(query: Float32Array, n: number, keep: number): Int32Array | undefined {
    if (n < this.binaryFrom || keep >= n || !this.binaryFirstPass) {
      // A store that fell below the size drops its bits (they are taken again when it grows).
      if (n < this.binaryFrom) this.binary = undefined;
      return undefined;
    }
    if (this.building) {
      // Being taken in the background: the int8 scan of every vector, or the bits as they are.
      if (!this.binary) return undefined;
    } else if (!this.binary || this.binary.changes > n / 4) {
      // Taken from all vectors at once; after a quarter of them changed, the mean is taken again.
      this.binary ??= new BinaryCodes(this.dims);
      this.binary.build(n, (slot, out) => this.dequantizeInto(slot, out));
    }
    // Estimates of the cosine: of q . v, times 1 / |v|.
    const estimates = this.binary.estimate(query, n, this.invNorms);
    return bestSlots(estimates, this.ids, n, keep);
  }

  private dequantizeInto(slot: number, out: Float32Array): void {
    const codes = new Int8Array(this.kernel.memory.buffer, slot * this.stride, this.dims);
    const scale = this.scales[slot]!;
    const offset = this.offsets[slot]!;
    for (let d = 0; d < this.dims; d++) out[d] = Math.fround(offset + Math.fround(codes[d]! * scale));
  }

  private slotFor(id: number): number {
    const existing = this.slots.get(id);
    if (existing !== undefined) return existing;
    if (this.count === this.capacity) this.grow(Math.max(1024, Math.ceil(this.capacity * 1.5)));
    const slot = this.count++;
    this.slots.set(id, slot);
    return slot;
  }

  private setSlot(slot: number, id: number, mapping: Int8Mapping): void {
    this.ids[slot] = id;
    this.scales[slot] = mapping.scale;
    this.offsets[slot] = mapping.offset;
    // The norm of what the codes stand for, without a Float32Array of it (one a vector was most of
    // a large load's garbage).
    const codes = new Int8Array(this.kernel.memory.buffer, slot * this.stride, this.dims);
    const { scale, offset } = mapping;
    let sum = 0;
    for (let d = 0; d < this.dims; d++) {
      const x = Math.fround(offset + Math.fround(codes[d]! * scale));
      sum += x * x;
    }
    this.invNorms[slot] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    this.mutations++;
    if (this.binary) {
      this.binary.set(slot, dequantize(codes, mapping, this.dims));
      this.binary.changes++;
    }
  }

  private mappingAt(slot: number): Int8Mapping {
    return { scale: this.scales[slot]!, offset: this.offsets[slot]! };
  }

  /** A view of a slot's codes (padding included; the padding stays zero). */
  private codesAt(slot: number): Int8Array {
    return new Int8Array(this.kernel.memory.buffer, slot * this.stride, this.stride);
  }

  private grow(capacity: number): void {
    // The codes sit at the start of the memory; growing it keeps them where they are.
    this.ensureBytes(capacity * this.stride);
    this.ids = grownTo(this.ids, capacity);
    this.scales = grownTo(this.scales, capacity);
    this.offsets = grownTo(this.offsets, capacity);
    this.invNorms = grownTo(this.invNorms, capacity);
    // Scratch left past the old capacity (a search's query and scores) becomes a slot's padding:
    // zero it, since the kernel reads padding.
    new Uint8Array(this.kernel.memory.buffer, this.capacity * this.stride, (capacity - this.capacity) * this.stride).fill(0);
    this.capacity = capacity;
  }

  private ensureBytes(bytes: number): void {
    const have = this.kernel.memory.buffer.byteLength;
    if (bytes > have) this.kernel.memory.grow(Math.ceil((bytes - have) / WASM_PAGE_BYTES));
  }
}

function cosine(query: Float32Array, queryNorm: number, v: Float32Array): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < query.length; d++) {
    dot += query[d]! * v[d]!;
    norm += v[d]! * v[d]!;
  }
  return norm > 0 && queryNorm > 0 ? dot / (queryNorm * Math.sqrt(norm)) : 0;
}
