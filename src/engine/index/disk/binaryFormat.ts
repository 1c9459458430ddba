// The bytes of the index file: unsigned LEB128 varints, zigzag for signed deltas, length-prefixed
// UTF-8 strings, little-endian floats. The writer fills fixed-size blocks that the caller flushes
// to the file as it goes (no whole-file buffer); the reader checks every length against the bytes
// it has (any overrun is an error, not a read past the end).
import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";

const BLOCK_BYTES = 1 << 20;

export class BlockWriter {
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private pos = 0;
  private full: Buffer[] = [];
  private crc = 0;
  /** Bytes handed to the file so far. */
  written = 0;

  /** Without a handle, the bytes stay in memory and `toBuffer` returns them (a journal record). */
  constructor(private readonly handle?: FileHandle) {}

  /** Everything written so far, as one buffer (for a writer without a file). */
  toBuffer(): Buffer {
    return Buffer.concat([...this.full, this.block.subarray(0, this.pos)]);
  }

  /** The CRC-32 of the bytes flushed so far (after `finish`, of the whole file but its trailer). */
  get checksum(): number {
    return this.crc >>> 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.block.length) return;
    if (this.pos > 0) this.full.push(this.block.subarray(0, this.pos));
    this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, n));
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.block[this.pos++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.block.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.block.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** An unsigned integer below 2^53, 7 bits a byte. */
  varuint(v: number): void {
    this.room(8);
    const b = this.block;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.pos = p;
  }

  /** A small unsigned integer (below 2^31), the fast path for postings. */
  varuint32(v: number): void {
    this.room(5);
    const b = this.block;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /**
   * One posting list: ids (mapped through `remap`) as ascending deltas, then the three field
   * counts of each, all varints; written in one pass over a block with room for the worst case.
   */
  postings(ids: Int32Array, tfs: Uint16Array, n: number, remap: Int32Array): void {
    this.room(n * 20);
    this.pos = writePostingList(this.block, this.pos, ids, tfs, n, remap);
  }

  /** The bytes `postings` will write for this list. */
  postingsBytes(ids: Int32Array, tfs: Uint16Array, n: number, remap: Int32Array): number {
    let bytes = 0;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const id = remap[ids[i]!]!;
      const v = i === 0 ? id : id - prev;
      prev = id;
      bytes += v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
    }
    const m = n * 3;
    for (let i = 0; i < m; i++) {
      const v = tfs[i]!;
      bytes += v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
    }
    return bytes;
  }

  varint(v: number): void {
    this.varuint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.varuint(n);
    this.room(n);
    this.block.write(s, this.pos, n, "utf8");
    this.pos += n;
  }

  bytes(data: Uint8Array): void {
    this.room(data.byteLength);
    this.block.set(data, this.pos);
    this.pos += data.byteLength;
  }

  /** Writes the filled blocks to the file (call it between parts, so memory stays at a few blocks). */
  async flush(all = false): Promise<void> {
    if (!this.handle) throw new Error("a writer without a file is read with toBuffer()");
    if (all && this.pos > 0) {
      this.full.push(this.block.subarray(0, this.pos));
      this.block = Buffer.allocUnsafe(BLOCK_BYTES);
      this.pos = 0;
    }
    for (const part of this.full) {
      this.crc = crc32(part, this.crc);
      let off = 0;
      while (off < part.length) off += (await this.handle.write(part, off, part.length - off)).bytesWritten;
      this.written += part.length;
    }
    this.full = [];
  }

  /** Flushes everything and appends the CRC-32 of all the bytes before it. */
  async finish(): Promise<number> {
    await this.flush(true);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    await this.handle!.write(trailer);
    this.written += 4;
    return this.written;
  }
}

export class CorruptIndex extends Error {}

export class ByteReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new CorruptIndex("truncated or corrupt contents");
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  varuint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new CorruptIndex("truncated or corrupt contents");
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new CorruptIndex("a number is too long");
  }

  varint(): number {
    const z = this.varuint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A count of items each taking at least `minBytes`: bounded by the bytes left. */
  count(minBytes = 1): number {
    const n = this.varuint();
    if (n * minBytes > this.end - this.pos) throw new CorruptIndex(`a count of ${n} is more than the file holds`);
    return n;
  }

  str(): string {
    const n = this.varuint();
    this.need(n);
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /**
   * One posting list: `n` ids as ascending deltas, then three field counts per id. Ids must be
   * below `idLimit` and counts below 2^16.
   */
  postings(n: number, ids: Int32Array, idsAt: number, tfs: Uint16Array, idLimit: number): void {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    let id = -1;
    for (let i = 0; i < n; i++) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (p >= end || shift > 28) throw new CorruptIndex("truncated or corrupt postings");
        const b = buf[p++]!;
        v |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      // Ascending and distinct: every delta after the first is at least 1.
      if (i > 0 && v === 0) throw new CorruptIndex("corrupt postings (an id repeated)");
      id = i === 0 ? v : id + v;
      if (v < 0 || id >= idLimit) throw new CorruptIndex("corrupt postings (an id out of range)");
      ids[idsAt + i] = id;
    }
    const m = n * 3;
    const at = idsAt * 3;
    for (let i = 0; i < m; i++) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (p >= end || shift > 14) throw new CorruptIndex("truncated or corrupt postings");
        const b = buf[p++]!;
        v |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      if (v > 0xffff) throw new CorruptIndex("corrupt postings (a field count out of range)");
      tfs[at + i] = v;
    }
    this.pos = p;
  }

  /** Steps over `n` bytes (checked to be there). */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/**
 * Writes one posting list into `b` from `p` (the caller leaves room for the worst case, 20 bytes a
 * posting): its ids (through `remap` where given) as ascending deltas, then the three field counts
 * of each, all varints; returns where it ended. The index file's layout, which sealed lists in
 * memory share (search/sealedPostings.ts).
 */
export function writePostingList(b: Uint8Array, p: number, ids: Int32Array, tfs: Uint16Array, n: number, remap?: Int32Array): number {
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const id = remap ? remap[ids[i]!]! : ids[i]!;
    let v = i === 0 ? id : id - prev;
    prev = id;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
  }
  for (let i = 0, m = n * 3; i < m; i++) {
    let v = tfs[i]!;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
  }
  return p;
}
