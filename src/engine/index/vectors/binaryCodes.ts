// The first pass of a large vector scan: one bit a dimension per vector, 64 bytes for 384
// dimensions against the int8 scan's 384, scored against the query's 4-bit codes by a popcount
// kernel. As in RaBitQ (Gao and Long, SIGMOD 2024), vectors are first rotated (random signs, then
// a Walsh-Hadamard transform over the dimensions padded to a power of two: 384 -> 512), which
// keeps dot products and spreads a sparse vector's few large values (a bag of words' counts)
// over every dimension; the bit is whether the rotated value is above the corpus's mean there.
// The score estimates q . v: with r = v - mean and s its signs (+1/-1),
// q . v = q . mean + q . r ~ q . mean + (q . s) |r|^2 / sum |r_d|,
// and q . s = 2 * (sum of q over the set bits) - sum of q, the middle term being
// sum over the query's bit planes j of 2^j popcount(bits & plane_j). Only the order of these
// estimates is used: the best of them are rescored with the int8 codes (quantizedVectors.ts).
import { instantiateScan, storeLanesAndNext, WASM_PAGE_BYTES, type WasmMemory } from "./dotKernel.js";

/** Bits of the query's codes: 4, so 4 popcounts a 64-bit word of a vector. */
const PLANES = 4;

// (func (export "scan") (param $q i32) (param $bits i32) (param $n i32) (param $words i32) (param $out i32)
//   for each vector, 128 bits at a time (x): with 16-byte lanes of counts,
//     a (u8) = popcnt(x & q.0) + popcnt(x & q.1) << 1 + popcnt(x & q.2) << 2 + popcnt(x & q.3) << 3
//     (at most 8 + 16 + 32 + 64 = 120 a lane), acc (i16x8) += a's lanes added in pairs;
//   the query's 4 planes of those 128 bits side by side; out[v] = the sum of acc's lanes (i32))
// Locals: $v (5), $qp (6), $p (7), $qEnd (8) as i32; $acc (9), $x (10) as v128.
function plane(j: number): number[] {
  // prettier-ignore
  return [
    0x20, 0x0a, 0x20, 0x06, 0xfd, 0x00, 0x00, j * 16, // x, v128.load qp + 16j
    0xfd, 0x4e, 0xfd, 0x62, // v128.and, i8x16.popcnt
    ...(j > 0 ? [0x41, j, 0xfd, 0x6b, 0xfd, 0x6e] : []), // << j (i8x16.shl), i8x16.add
  ];
}
// prettier-ignore
const POPCOUNT_BODY = [
  0x02, 0x04, 0x7f, 0x02, 0x7b, // locals: 4 x i32, 2 x v128
  0x20, 0x01, 0x21, 0x07, // p = bits
  0x20, 0x00, 0x20, 0x03, 0x41, 0x05, 0x74, 0x6a, 0x21, 0x08, // qEnd = q + words * 32 (4 planes of 8 bytes a word)
  0x02, 0x40, // block
  0x03, 0x40, // loop (vectors)
  0x20, 0x05, 0x20, 0x02, 0x4f, 0x0d, 0x01, // if v >= n: break
  0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x21, 0x09, // acc = 0
  0x20, 0x00, 0x21, 0x06, // qp = q
  0x03, 0x40, // loop (128 bits at a time)
  0x20, 0x07, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x0a, // x = v128.load p
  ...plane(0),
  ...plane(1),
  ...plane(2),
  ...plane(3),
  0xfd, 0x7d, // i16x8.extadd_pairwise_i8x16_u
  0x20, 0x09, 0xfd, 0x8e, 0x01, 0x21, 0x09, // acc += that
  0x20, 0x07, 0x41, 0x10, 0x6a, 0x21, 0x07, // p += 16
  0x20, 0x06, 0x41, 0xc0, 0x00, 0x6a, 0x22, 0x06, 0x20, 0x08, 0x49, 0x0d, 0x00, // qp += 64; if qp < qEnd: again
  0x0b, // end loop
  0x20, 0x09, 0xfd, 0x7f, 0x21, 0x0a, // x = i32x4.extadd_pairwise_i16x8_u acc
  ...storeLanesAndNext(0x0a),
];

type Scan = (query: number, bits: number, n: number, words: number, out: number) => void;

/** Where a slot's vector comes from: writes the float vector the slot's int8 codes stand for into `out`. */
export type VectorSource = (slot: number, out: Float32Array) => void;

export class BinaryCodes {
  /** 64-bit words a vector's bits take. */
  readonly words: number;
  /** The dimensions padded to a power of two, the rotation's size: one bit each. */
  readonly bits: number;
  /** The rotation's random signs (a fixed seed: the same bits in every process). */
  private readonly signs: Float64Array;
  /** Whether the popcounts run in WebAssembly SIMD (else in JavaScript). */
  readonly wasm: boolean;
  /** Adds and removals since the mean was taken. */
  changes = 0;
  private readonly memory: WasmMemory;
  private readonly scan: Scan;
  private readonly mean: Float64Array;
  private capacity = 0;
  /** Per slot: |r|^2 / sum |r_d| (r = v - mean), and how many of its bits are set. */
  private factors = new Float32Array(0);
  private setBits = new Uint16Array(0);
  private readonly scratch: Float32Array;
  private readonly rotated: Float64Array;
  private estimates = new Float32Array(0);

  constructor(
    readonly dims: number,
    options: { wasm?: boolean } = {},
  ) {
    this.bits = Math.max(128, 2 ** Math.ceil(Math.log2(dims)));
    this.words = this.bits / 64;
    this.mean = new Float64Array(this.bits);
    this.scratch = new Float32Array(dims);
    this.rotated = new Float64Array(this.bits);
    let seed = 0x2545f491;
    this.signs = Float64Array.from({ length: this.bits }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) & 0x10000 ? 1 : -1));
    let kernel: { memory: WasmMemory; scan: Scan } | undefined;
    if (options.wasm !== false) {
      try {
        kernel = instantiateScan(POPCOUNT_BODY);
      } catch {
        // No WebAssembly SIMD: the loop below computes the same sums.
      }
    }
    this.wasm = kernel !== undefined;
    if (kernel) {
      this.memory = kernel.memory;
      this.scan = kernel.scan;
    } else {
      this.memory = { buffer: new ArrayBuffer(WASM_PAGE_BYTES), grow: (pages) => this.growPlain(pages) };
      this.scan = (query, bits, n, words, out) => this.scanPlain(query, bits, n, words, out);
    }
  }

  /** Takes the mean of slots 0..n-1 and writes every slot's bits against it. */
  build(n: number, source: VectorSource): void {
    for (const _ of this.building(n, source));
  }

  /**
   * As `build`, a slice of `slice` vectors at a time, the event loop free between slices (searches
   * meanwhile scan the int8 codes); false when `stop` says the vectors changed meanwhile.
   */
  async buildInSlices(n: number, source: VectorSource, stop: () => boolean, slice = 4096): Promise<boolean> {
    let done = 0;
    for (const _ of this.building(n, source)) {
      if (++done % slice) continue;
      await new Promise((resolve) => setImmediate(resolve));
      if (stop()) return false;
    }
    return !stop();
  }

  /** The steps of a build, one per vector read (twice each: for the mean, then for its bits). */
  private *building(n: number, source: VectorSource): Generator<void> {
    this.ensureCapacity(n);
    // The rotation is linear: the mean of the rotated vectors is the rotated mean.
    // A vector whose values overflow (a crafted file's scale and offset) is left out of the mean,
    // which it would make not a number, and with it every vector's bits.
    const sums = new Float64Array(this.dims);
    const v = this.scratch;
    let counted = 0;
    for (let slot = 0; slot < n; slot++) {
      source(slot, v);
      if (v.every(Number.isFinite)) {
        for (let d = 0; d < this.dims; d++) sums[d]! += v[d]!;
        counted++;
      }
      yield;
    }
    this.mean.set(this.rotate(Float32Array.from(sums, (x) => (counted > 0 ? x / counted : 0))));
    for (let slot = 0; slot < n; slot++) {
      source(slot, v);
      this.set(slot, v);
      yield;
    }
    this.changes = 0;
  }

  /** Writes a slot's bits, against the mean taken last. */
  set(slot: number, v: Float32Array): void {
    this.ensureCapacity(slot + 1);
    const words = new Uint32Array(this.memory.buffer, slot * this.words * 8, this.words * 2);
    words.fill(0);
    let squares = 0;
    let sum = 0;
    let count = 0;
    const rotated = this.rotate(v);
    for (let d = 0; d < this.bits; d++) {
      const r = rotated[d]! - this.mean[d]!;
      squares += r * r;
      sum += Math.abs(r);
      if (r > 0) {
        words[d >>> 5]! |= 1 << (d & 31);
        count++;
      }
    }
    // Not a number where the vector's values overflow: its estimate is then never among the best.
    this.factors[slot] = sum > 0 ? squares / sum : 0;
    this.setBits[slot] = count;
  }

  /** Moves slot `from`'s bits into slot `to` (a removal's: the last slot fills the gap). */
  move(from: number, to: number): void {
    const bytes = new Uint8Array(this.memory.buffer);
    const size = this.words * 8;
    bytes.copyWithin(to * size, from * size, (from + 1) * size);
    this.factors[to] = this.factors[from]!;
    this.setBits[to] = this.setBits[from]!;
  }

  /** The estimates of q . v for slots 0..n-1 (a view valid until the next call). */
  estimate(query: Float32Array, n: number): Float32Array {
    this.ensureCapacity(n);
    const queryAt = this.capacity * this.words * 8;
    const outAt = queryAt + this.words * 32;
    const need = outAt + n * 4;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / WASM_PAGE_BYTES));
    // The rotated query's 4-bit codes, u_d in 0..15: q_d ~ low + step * u_d.
    query = Float32Array.from(this.rotate(query));
    let low = Infinity;
    let high = -Infinity;
    for (let d = 0; d < this.bits; d++) {
      low = Math.min(low, query[d]!);
      high = Math.max(high, query[d]!);
    }
    const step = high > low ? (high - low) / (2 ** PLANES - 1) : 0;
    const planes = new Uint32Array(this.memory.buffer, queryAt, this.words * 2 * PLANES);
    planes.fill(0);
    let codeSum = 0;
    let queryDotMean = 0;
    for (let d = 0; d < this.bits; d++) {
      const u = step > 0 ? Math.round((query[d]! - low) / step) : 0;
      codeSum += u;
      queryDotMean += query[d]! * this.mean[d]!;
      // The planes of each 128 bits are side by side (16 bytes each): plane j's 32 bits for dimension d.
      const chunk = d >>> 7;
      const quarter = (d >>> 5) & 3;
      for (let j = 0; j < PLANES; j++) if (u & (1 << j)) planes[chunk * 4 * PLANES + j * 4 + quarter]! |= 1 << (d & 31);
    }
    this.scan(queryAt, 0, n, this.words, outAt);
    const sums = new Int32Array(this.memory.buffer, outAt, n);
    if (this.estimates.length < n) this.estimates = new Float32Array(this.capacity);
    const out = this.estimates;
    const querySum = this.bits * low + step * codeSum;
    const { factors, setBits } = this;
    for (let slot = 0; slot < n; slot++) {
      // q . s = 2 * (q over the set bits) - sum of q.
      const signed = 2 * (low * setBits[slot]! + step * sums[slot]!) - querySum;
      out[slot] = queryDotMean + factors[slot]! * signed;
    }
    return out.subarray(0, n);
  }

  /** `v` rotated: padded with zeros, its signs flipped at random, Walsh-Hadamard transformed (a view valid until the next call). */
  private rotate(v: Float32Array): Float64Array {
    const x = this.rotated;
    const { signs, bits } = this;
    for (let d = 0; d < bits; d++) x[d] = d < this.dims ? v[d]! * signs[d]! : 0;
    for (let h = 1; h < bits; h *= 2) {
      for (let i = 0; i < bits; i += 2 * h) {
        for (let j = i; j < i + h; j++) {
          const a = x[j]!;
          const b = x[j + h]!;
          x[j] = a + b;
          x[j + h] = a - b;
        }
      }
    }
    // Orthonormal: dot products are kept.
    const norm = 1 / Math.sqrt(bits);
    for (let d = 0; d < bits; d++) x[d]! *= norm;
    return x;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const capacity = Math.max(1024, n, Math.ceil(this.capacity * 1.5));
    const need = capacity * this.words * 8;
    const have = this.memory.buffer.byteLength;
    // The bits sit at the start of the memory; growing it keeps them where they are.
    if (need > have) this.memory.grow(Math.ceil((need - have) / WASM_PAGE_BYTES));
    const factors = new Float32Array(capacity);
    factors.set(this.factors);
    const setBits = new Uint16Array(capacity);
    setBits.set(this.setBits);
    this.factors = factors;
    this.setBits = setBits;
    this.capacity = capacity;
  }

  private growPlain(pages: number): number {
    const old = this.memory.buffer;
    const grown = new ArrayBuffer(old.byteLength + pages * WASM_PAGE_BYTES);
    new Uint8Array(grown).set(new Uint8Array(old));
    (this.memory as { buffer: ArrayBuffer }).buffer = grown;
    return old.byteLength / WASM_PAGE_BYTES;
  }

  private scanPlain(query: number, bits: number, n: number, words: number, out: number): void {
    const buffer = this.memory.buffer;
    const b = new Uint32Array(buffer, bits, n * words * 2);
    const q = new Uint32Array(buffer, query, words * 2 * PLANES);
    const o = new Int32Array(buffer, out, n);
    for (let v = 0; v < n; v++) {
      let acc = 0;
      for (let chunk = 0; chunk < words / 2; chunk++) {
        for (let quarter = 0; quarter < 4; quarter++) {
          const x = b[v * words * 2 + chunk * 4 + quarter]!;
          for (let j = 0; j < PLANES; j++) acc += popcount32(x & q[chunk * 4 * PLANES + j * 4 + quarter]!) << j;
        }
      }
      o[v] = acc;
    }
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
