// The first pass of a large vector scan: one bit a dimension per vector, 64 bytes for 384
// dimensions against the int8 scan's 384, scored against the query's 4-bit codes. As in RaBitQ
// (Gao and Long, SIGMOD 2024), vectors are first rotated (random signs, then a Walsh-Hadamard
// transform over the dimensions padded to a power of two: 384 -> 512), which keeps dot products
// and spreads a sparse vector's few large values (a bag of words' counts) over every dimension;
// the bit is whether the rotated value is above the corpus's mean there.
// The score estimates q . v: with r = v - mean and s its signs (+1/-1),
// q . v = q . mean + q . r ~ q . mean + (q . s) |r|^2 / sum |r_d|,
// and q . s = 2 * (sum of q over the set bits) - sum of q, the middle term being the sum of the
// query's 4-bit codes u_d over the vector's set bits. Only the order of these estimates is used:
// the best of them are rescored with the int8 codes (quantizedVectors.ts).
//
// That sum is taken as in FAISS's "fast scan" (André, Kermarrec and Le Scouarnec, VLDB 2015):
// each 4 bits of a vector index a table of 16 sums of the query's 4 codes there, and one SIMD
// table lookup (i8x16.swizzle) reads that table for 16 vectors at once. For it the bits are kept
// in blocks of 16 vectors, byte by byte: byte b of the block's 16 vectors side by side. This took
// the scan of 168,660 vectors from 3.2 ms (four popcounts a 128 bits of each vector, against each
// bit plane of the query's codes) to about a quarter of that.
import { instantiateScan, WASM_PAGE_BYTES, type WasmMemory } from "./dotKernel.js";
import { grownTo } from "../../util/typedArrays.js";

/** Bits of the query's codes (u_d in 0..15). */
const QUERY_BITS = 4;
/** Vectors a block of the layout holds: the lanes of a 128-bit register. */
const BLOCK = 16;
/**
 * The kernel sums at most 240 a step of two bytes into 16-bit lanes: up to 273 steps, 4,368
 * dimensions after the padding to a power of two. Larger vectors use the JavaScript loop.
 */
const KERNEL_MAX_BITS = 4096;

// (func (export "scan") (param $luts i32) (param $bits i32) (param $blocks i32) (param $bytes i32) (param $out i32)
//   for each block of 16 vectors, two bytes b, b+1 of their bits at a time (x: byte b of the 16):
//     t (u8 lanes) = swizzle(lut[2b], x & 15) + swizzle(lut[2b+1], x >> 4) + the same for byte b+1
//     (at most 4 * 60 = 240 a lane); lo, hi (u16 lanes) += t's lower and upper 8 lanes widened;
//   out[16 block + i] = lane i (i32). The query's tables: 16 bytes for each half of each byte.
// Locals: $block (5), $lp (6), $p (7), $lEnd (8) as i32; $lo (9), $hi (10), $x (11), $t (12), $mask (13) as v128.
function lookups(byteAt: number, lutAt: number): number[] {
  // prettier-ignore
  return [
    0x20, 0x07, 0xfd, 0x00, 0x00, byteAt, 0x21, 0x0b, // x = v128.load p + byteAt
    0x20, 0x06, 0xfd, 0x00, 0x00, lutAt, // the low half's table
    0x20, 0x0b, 0x20, 0x0d, 0xfd, 0x4e, 0xfd, 0x0e, // i8x16.swizzle(table, x & 15)
    0x20, 0x06, 0xfd, 0x00, 0x00, lutAt + 16, // the high half's table
    0x20, 0x0b, 0x41, 0x04, 0xfd, 0x6d, 0xfd, 0x0e, // i8x16.swizzle(table, x >> 4)
    0xfd, 0x6e, // i8x16.add
  ];
}
function storeLanes(from: number, wide: number, offset: number): number[] {
  // v128.store (out + 64 block) + offset, the 4 lanes of local `from` widened (0xa9 low, 0xaa high)
  return [0x20, 0x06, 0x20, from, 0xfd, wide, 0x01, 0xfd, 0x0b, 0x00, offset];
}
// prettier-ignore
const FAST_SCAN_BODY = [
  0x02, 0x04, 0x7f, 0x05, 0x7b, // locals: 4 x i32, 5 x v128
  0x41, 0x0f, 0xfd, 0x0f, 0x21, 0x0d, // mask = i8x16.splat 15
  0x20, 0x01, 0x21, 0x07, // p = bits
  0x20, 0x00, 0x20, 0x03, 0x41, 0x05, 0x74, 0x6a, 0x21, 0x08, // lEnd = luts + bytes * 32
  0x02, 0x40, // block
  0x03, 0x40, // loop (blocks)
  0x20, 0x05, 0x20, 0x02, 0x4f, 0x0d, 0x01, // if block >= blocks: break
  0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x22, 0x09, 0x21, 0x0a, // lo = hi = 0
  0x20, 0x00, 0x21, 0x06, // lp = luts
  0x03, 0x40, // loop (two bytes at a time)
  ...lookups(0x00, 0x00),
  ...lookups(0x10, 0x20),
  0xfd, 0x6e, // i8x16.add
  0x22, 0x0c, 0xfd, 0x89, 0x01, 0x20, 0x09, 0xfd, 0x8e, 0x01, 0x21, 0x09, // t = that; lo += t's low lanes (u16)
  0x20, 0x0c, 0xfd, 0x8a, 0x01, 0x20, 0x0a, 0xfd, 0x8e, 0x01, 0x21, 0x0a, // hi += t's high lanes
  0x20, 0x07, 0x41, 0x20, 0x6a, 0x21, 0x07, // p += 32
  0x20, 0x06, 0x41, 0xc0, 0x00, 0x6a, 0x22, 0x06, 0x20, 0x08, 0x49, 0x0d, 0x00, // lp += 64; if lp < lEnd: again
  0x0b, // end loop
  0x20, 0x04, 0x20, 0x05, 0x41, 0x06, 0x74, 0x6a, 0x21, 0x06, // lp = out + 64 block (the loop is done with it)
  ...storeLanes(0x09, 0xa9, 0x00),
  ...storeLanes(0x09, 0xaa, 0x10),
  ...storeLanes(0x0a, 0xa9, 0x20),
  ...storeLanes(0x0a, 0xaa, 0x30),
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x21, 0x05, // block++
  0x0c, 0x00, // next block
  0x0b, // end loop
  0x0b, // end block
  0x0b, // end function
];

type Scan = (luts: number, bits: number, blocks: number, bytes: number, out: number) => void;

/** Where a slot's vector comes from: writes the float vector the slot's int8 codes stand for into `out`. */
export type VectorSource = (slot: number, out: Float32Array) => void;

export class BinaryCodes {
  /** Bytes a vector's bits take. */
  readonly bytes: number;
  /** The dimensions padded to a power of two, the rotation's size: one bit each. */
  readonly bits: number;
  /** The rotation's random signs (a fixed seed: the same bits in every process). */
  private readonly signs: Float64Array;
  /** Whether the scan runs in WebAssembly SIMD (else in JavaScript). */
  readonly wasm: boolean;
  /** Adds and removals since the mean was taken. */
  changes = 0;
  private readonly memory: WasmMemory;
  private readonly scan: Scan;
  private readonly mean: Float64Array;
  /** Slots the memory holds bits for: a whole number of blocks. */
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
    this.bytes = this.bits / 8;
    this.mean = new Float64Array(this.bits);
    this.scratch = new Float32Array(dims);
    this.rotated = new Float64Array(this.bits);
    let seed = 0x2545f491;
    this.signs = Float64Array.from({ length: this.bits }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) & 0x10000 ? 1 : -1));
    let kernel: { memory: WasmMemory; scan: Scan } | undefined;
    if (options.wasm !== false && this.bits <= KERNEL_MAX_BITS) {
      try {
        kernel = instantiateScan(FAST_SCAN_BODY);
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
      this.scan = (luts, bits, blocks, bytes, out) => this.scanPlain(luts, bits, blocks, bytes, out);
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
    const bytes = new Uint8Array(this.memory.buffer);
    const at = this.byteAt(slot);
    let squares = 0;
    let sum = 0;
    let count = 0;
    const rotated = this.rotate(v);
    for (let b = 0; b < this.bytes; b++) {
      let byte = 0;
      for (let j = 0; j < 8; j++) {
        const r = rotated[b * 8 + j]! - this.mean[b * 8 + j]!;
        squares += r * r;
        sum += Math.abs(r);
        if (r > 0) {
          byte |= 1 << j;
          count++;
        }
      }
      bytes[at + b * BLOCK] = byte;
    }
    // Not a number where the vector's values overflow: its estimate is then never among the best.
    this.factors[slot] = sum > 0 ? squares / sum : 0;
    this.setBits[slot] = count;
  }

  /** Moves slot `from`'s bits into slot `to` (a removal's: the last slot fills the gap). */
  move(from: number, to: number): void {
    const bytes = new Uint8Array(this.memory.buffer);
    const source = this.byteAt(from);
    const target = this.byteAt(to);
    for (let b = 0; b < this.bytes; b++) bytes[target + b * BLOCK] = bytes[source + b * BLOCK]!;
    this.factors[to] = this.factors[from]!;
    this.setBits[to] = this.setBits[from]!;
  }

  /** The estimates of q . v for slots 0..n-1, each times `weights[slot]` if given (a view valid until the next call). */
  estimate(query: Float32Array, n: number, weights?: Float32Array): Float32Array {
    this.ensureCapacity(n);
    // After the bits: the query's tables (32 bytes for each byte of bits), then a score per slot.
    const lutsAt = this.capacity * this.bytes;
    const outAt = lutsAt + this.bytes * 32;
    const blocks = Math.ceil(n / BLOCK);
    const need = outAt + blocks * BLOCK * 4;
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
    const step = high > low ? (high - low) / (2 ** QUERY_BITS - 1) : 0;
    // For each 4 dimensions, a table of the sums of their codes by which of the 4 bits are set.
    const luts = new Uint8Array(this.memory.buffer, lutsAt, this.bytes * 32);
    let codeSum = 0;
    let queryDotMean = 0;
    for (let d = 0; d < this.bits; d++) {
      const u = step > 0 ? Math.round((query[d]! - low) / step) : 0;
      codeSum += u;
      queryDotMean += query[d]! * this.mean[d]!;
      const table = (d >>> 2) * 16;
      const bit = 1 << (d & 3);
      // The 4 dimensions come in order: entries bit..2 bit - 1 are those with this one's bit as their highest.
      if (bit === 1) luts[table] = 0;
      for (let k = bit; k < 2 * bit; k++) luts[table + k] = luts[table + k - bit]! + u;
    }
    this.scan(lutsAt, 0, blocks, this.bytes, outAt);
    const sums = new Int32Array(this.memory.buffer, outAt, n);
    if (this.estimates.length < n) this.estimates = new Float32Array(this.capacity);
    const out = this.estimates;
    const querySum = this.bits * low + step * codeSum;
    estimatesFromSums(out, sums, n, this.factors, this.setBits, weights, { low, step, querySum, queryDotMean });
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

  /** Where slot `slot`'s first byte is: byte b is 16 bytes after byte b - 1, in its block of 16 slots. */
  private byteAt(slot: number): number {
    return (slot - (slot % BLOCK)) * this.bytes + (slot % BLOCK);
  }

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const capacity = Math.ceil(Math.max(1024, n, this.capacity * 1.5) / BLOCK) * BLOCK;
    const need = capacity * this.bytes;
    const have = this.memory.buffer.byteLength;
    // The bits sit at the start of the memory; growing it keeps them where they are.
    if (need > have) this.memory.grow(Math.ceil((need - have) / WASM_PAGE_BYTES));
    this.factors = grownTo(this.factors, capacity);
    this.setBits = grownTo(this.setBits, capacity);
    this.capacity = capacity;
  }

  private growPlain(pages: number): number {
    const old = this.memory.buffer;
    const grown = new ArrayBuffer(old.byteLength + pages * WASM_PAGE_BYTES);
    new Uint8Array(grown).set(new Uint8Array(old));
    (this.memory as { buffer: ArrayBuffer }).buffer = grown;
    return old.byteLength / WASM_PAGE_BYTES;
  }

  private scanPlain(luts: number, bits: number, blocks: number, bytes: number, out: number): void {
    const buffer = this.memory.buffer;
    const b = new Uint8Array(buffer, bits, blocks * BLOCK * bytes);
    const lut = new Uint8Array(buffer, luts, bytes * 32);
    const o = new Int32Array(buffer, out, blocks * BLOCK);
    for (let slot = 0; slot < blocks * BLOCK; slot++) {
      const at = this.byteAt(slot);
      let acc = 0;
      for (let k = 0; k < bytes; k++) {
        const x = b[at + k * BLOCK]!;
        acc += lut[k * 32 + (x & 15)]! + lut[k * 32 + 16 + (x >>> 4)]!;
      }
      o[slot] = acc;
    }
  }
}

/** out[slot] = the estimate of q . v from the slot's sum of codes over its set bits, times its weight. */
function estimatesFromSums(
  out: Float32Array,
  sums: Int32Array,
  n: number,
  factors: Float32Array,
  setBits: Uint16Array,
  weights: Float32Array | undefined,
  query: { low: number; step: number; querySum: number; queryDotMean: number },
): void {
  const { low, step, querySum, queryDotMean } = query;
  for (let slot = 0; slot < n; slot++) {
    // q . s = 2 * (q over the set bits) - sum of q.
    const signed = 2 * (low * setBits[slot]! + step * sums[slot]!) - querySum;
    out[slot] = (queryDotMean + factors[slot]! * signed) * (weights ? weights[slot]! : 1);
  }
}
