// Buffered reader for GGUF files: sequential little-endian reads over a file handle, and the
// metadata values (scalars, strings, arrays) built on them.
import type { FileHandle } from "node:fs/promises";
import { GgufValueType, type GgufScalar, type GgufValue } from "./types.js";

/** The file ends before what is being read; `readGgufHeader` turns it into a `GgufValidationError`. */
export class TruncatedError extends Error {}
/** Impossible values in the header; `readGgufHeader` turns it into a `GgufValidationError`. */
export class CorruptError extends Error {}

const CHUNK = 1 << 20;
/** A single string larger than this is treated as corruption rather than allocated. */
const MAX_STRING_BYTES = 64 << 20;
/**
 * The header (metadata and tensor table) may take at most this many bytes. Real headers take a
 * few MB (a 262k-token vocabulary with its merges is under 20 MB); without a bound, a crafted
 * multi-GB file full of empty strings kept the reader busy for minutes.
 */
export const MAX_HEADER_BYTES = 256 << 20;
/** An array with more elements is corruption (real vocabularies and merge lists stay under 1M). */
export const MAX_ARRAY_ELEMENTS = 1 << 24;
/** `tokenizer.ggml.tokens` is read whole (duplicates abort llama.cpp); more tokens is corruption. */
export const MAX_VOCABULARY = 1 << 22;

/** Sequential reader over a file handle with a sliding buffer; only reads what is asked for. */
export class FileReader {
  private buf: Buffer = Buffer.alloc(0);
  /** File position of buf[0]. */
  private bufStart = 0;
  /** Current absolute file position. */
  pos = 0;
  /** Highest file position read into memory (for reporting). */
  maxRead = 0;
  what = "header";

  constructor(
    private readonly fh: FileHandle,
    readonly fileSize: number,
  ) {}

  remaining(): number {
    return this.fileSize - this.pos;
  }

  /**
   * Checks, before anything is read, that `n` more bytes fit both the file (else truncated) and
   * the header budget `MAX_HEADER_BYTES` (else corrupt).
   */
  checkRoom(n: number, what: string): void {
    if (n > this.remaining()) {
      throw new TruncatedError(`${what} at byte ${this.pos} needs at least ${n} bytes, past the end of the file (${this.fileSize} bytes)`);
    }
    if (this.pos + n > MAX_HEADER_BYTES) {
      throw new CorruptError(`${what} at byte ${this.pos} would make the header larger than ${MAX_HEADER_BYTES >> 20} MB`);
    }
  }

  /** True when the next n bytes are already buffered. */
  has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length;
  }

  /** Makes the next n bytes available (reads from the file when needed). */
  async fill(n: number): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new TruncatedError(`the file ends at byte ${this.fileSize} while reading ${this.what} at byte ${this.pos}`);
    }
    const want = Math.min(Math.max(n, CHUNK), this.fileSize - this.pos);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(buf, got, want - got, this.pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < n) {
      throw new TruncatedError(`the file ends at byte ${this.pos + got} while reading ${this.what} at byte ${this.pos}`);
    }
    this.buf = got === want ? buf : buf.subarray(0, got);
    this.bufStart = this.pos;
    this.maxRead = Math.max(this.maxRead, this.pos + got);
  }

  async ensure(n: number): Promise<void> {
    if (!this.has(n)) await this.fill(n);
  }

  private at(n: number): number {
    const off = this.pos - this.bufStart;
    this.pos += n;
    return off;
  }

  // The sync readers below must be preceded by ensure() of at least their size.
  u8(): number {
    return this.buf.readUInt8(this.at(1));
  }
  i8(): number {
    return this.buf.readInt8(this.at(1));
  }
  u16(): number {
    return this.buf.readUInt16LE(this.at(2));
  }
  i16(): number {
    return this.buf.readInt16LE(this.at(2));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.at(4));
  }
  i32(): number {
    return this.buf.readInt32LE(this.at(4));
  }
  f32(): number {
    return this.buf.readFloatLE(this.at(4));
  }
  f64(): number {
    return this.buf.readDoubleLE(this.at(8));
  }
  u64(): number | bigint {
    return narrow(this.buf.readBigUInt64LE(this.at(8)));
  }
  i64(): number | bigint {
    return narrow(this.buf.readBigInt64LE(this.at(8)));
  }
  bytes(n: number): Buffer {
    const off = this.at(n);
    return this.buf.subarray(off, off + n);
  }

  /** Reads a u64 that must be a count or a length: a bigint or a negative value is corruption. */
  async count(what: string): Promise<number> {
    await this.ensure(8);
    const v = this.buf.readBigUInt64LE(this.at(8));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CorruptError(`${what} is ${v}, which is impossible for a file of ${this.fileSize} bytes`);
    }
    return Number(v);
  }

  async string(): Promise<string> {
    const len = await this.count(`the length of a string in ${this.what}`);
    if (len > this.remaining()) {
      throw new TruncatedError(`a string of ${len} bytes in ${this.what} at byte ${this.pos} goes past the end of the file (${this.fileSize} bytes)`);
    }
    if (len > MAX_STRING_BYTES) {
      throw new CorruptError(`a string in ${this.what} claims a length of ${len} bytes`);
    }
    this.checkRoom(len, `a string in ${this.what}`);
    await this.ensure(len);
    return this.bytes(len).toString("utf8");
  }

  /** A string's raw bytes as a latin1 string (one char per byte: equal bytes, equal strings). */
  async rawString(): Promise<string> {
    const len = await this.count(`the length of a string in ${this.what}`);
    if (len > MAX_STRING_BYTES) throw new CorruptError(`a string in ${this.what} claims a length of ${len} bytes`);
    this.checkRoom(len, `a string in ${this.what}`);
    await this.ensure(len);
    return this.bytes(len).toString("latin1");
  }

  /** Skips a string without decoding it. */
  async skipString(): Promise<void> {
    const len = await this.count(`the length of a string in ${this.what}`);
    await this.skip(len);
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new TruncatedError(`${this.what} at byte ${this.pos} needs ${n} more bytes, past the end of the file (${this.fileSize} bytes)`);
    }
    this.checkRoom(n, this.what);
    this.pos += n;
  }
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const SCALAR_SIZES: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

async function readScalar(r: FileReader, type: GgufValueType): Promise<GgufScalar> {
  if (type === GgufValueType.STRING) return r.string();
  const size = SCALAR_SIZES[type];
  if (size === undefined) throw new CorruptError(`${r.what} has an unknown value type ${type}`);
  await r.ensure(size);
  switch (type) {
    case GgufValueType.UINT8:
      return r.u8();
    case GgufValueType.INT8:
      return r.i8();
    case GgufValueType.UINT16:
      return r.u16();
    case GgufValueType.INT16:
      return r.i16();
    case GgufValueType.UINT32:
      return r.u32();
    case GgufValueType.INT32:
      return r.i32();
    case GgufValueType.FLOAT32:
      return r.f32();
    case GgufValueType.BOOL:
      return r.u8() !== 0;
    case GgufValueType.UINT64:
      return r.u64();
    case GgufValueType.INT64:
      return r.i64();
    case GgufValueType.FLOAT64:
      return r.f64();
    default:
      throw new CorruptError(`${r.what} has an unknown value type ${type}`);
  }
}

export interface ReadValueOptions {
  /** Arrays with more elements keep only their length. */
  readonly maxArrayValues: number;
  /**
   * For a string array: read every element and throw on a duplicate (the vocabulary: llama.cpp
   * asserts that its tokens are unique). The values are kept when there are at most
   * `maxArrayValues`.
   */
  readonly unique?: boolean;
}

export async function readValue(r: FileReader, type: GgufValueType, options: ReadValueOptions): Promise<GgufValue> {
  if (type !== GgufValueType.ARRAY) return readScalar(r, type);
  const { maxArrayValues } = options;
  await r.ensure(4);
  const elementType = r.u32() as GgufValueType;
  const length = await r.count(`the length of the array in ${r.what}`);
  if (elementType === GgufValueType.ARRAY) {
    // GGUF readers (llama.cpp's among them) do not support arrays of arrays.
    throw new CorruptError(`${r.what} is an array of arrays, which GGUF does not support`);
  }
  const elemSize = SCALAR_SIZES[elementType];
  if (elementType !== GgufValueType.STRING && elemSize === undefined) {
    throw new CorruptError(`${r.what} is an array of unknown value type ${elementType}`);
  }
  if (length > MAX_ARRAY_ELEMENTS) {
    throw new CorruptError(`the array in ${r.what} claims ${length} elements (at most ${MAX_ARRAY_ELEMENTS} are plausible)`);
  }
  // Every element takes at least its size (a string at least its 8-byte length): bound the
  // array by what the file (and the header budget) can hold before reading any of it.
  const minElem = elemSize ?? 8;
  r.checkRoom(length * minElem, `the array in ${r.what} (${length} elements)`);
  if (options.unique && elementType === GgufValueType.STRING) return readUniqueStrings(r, length, maxArrayValues);
  if (length > maxArrayValues) {
    if (elemSize !== undefined) {
      await r.skip(length * elemSize);
    } else {
      for (let i = 0; i < length; i++) {
        if (r.has(8)) {
          // fast path: length and (often) content already buffered
          const len = r.u64();
          if (typeof len === "bigint") throw new CorruptError(`a string in ${r.what} claims a length of ${len} bytes`);
          if (r.has(len)) r.pos += len;
          else await r.skip(len);
        } else {
          await r.skipString();
        }
      }
    }
    return { kind: "array", elementType, length };
  }
  const values: GgufValue[] = new Array(length);
  for (let i = 0; i < length; i++) values[i] = await readScalar(r, elementType);
  return { kind: "array", elementType, length, values };
}

/** A string array whose elements must be distinct (compared byte for byte, as llama.cpp does). */
async function readUniqueStrings(r: FileReader, length: number, maxArrayValues: number): Promise<GgufValue> {
  if (length > MAX_VOCABULARY) {
    throw new CorruptError(`${r.what} claims ${length} tokens (at most ${MAX_VOCABULARY} are plausible)`);
  }
  const seen = new Map<string, number>();
  const keep = length <= maxArrayValues;
  const values: string[] = [];
  for (let i = 0; i < length; i++) {
    const raw = await r.rawString();
    // llama.cpp renames an empty token to "[EMPTY_<id>]" before it checks for repeats, so several
    // empty tokens load; what it cannot load is a repeat after that renaming.
    const key = raw === "" ? `[EMPTY_${i}]` : raw;
    const first = seen.get(key);
    if (first !== undefined) {
      const text = JSON.stringify(Buffer.from(raw, "latin1").toString("utf8").slice(0, 40));
      throw new CorruptError(`${r.what} has the token ${text} twice (ids ${first} and ${i}), which llama.cpp cannot load`);
    }
    seen.set(key, i);
    if (keep) values.push(Buffer.from(raw, "latin1").toString("utf8"));
  }
  return keep ? { kind: "array", elementType: GgufValueType.STRING, length, values } : { kind: "array", elementType: GgufValueType.STRING, length };
}
