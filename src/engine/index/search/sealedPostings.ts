// A build's postings, sealed: once a build has added enough postings (Bm25Index.sealAfter), each
// list's new postings are encoded as the index file encodes a list (ascending id deltas, then
// three field counts each, varints: about 4 bytes a posting) into large shared blocks, and the
// list's typed arrays (10 bytes a posting, and up to twice that while they grow by doubling) are
// let go. A sealed list is decoded on first use, like a list loaded from the file
// (postingList.ts). What a build holds of its postings is then bounded by the seal size plus the
// encoded lists, about a quarter of the typed arrays (docs/retrieval.md, "Build memory").
import { ByteReader, writePostingList } from "../disk/binaryFormat.js";
import { FIELD_COUNT } from "./bm25Fields.js";
import type { EncodedPostings } from "./encodedPostings.js";

const BLOCK_BYTES = 1 << 20;
/** The most bytes one posting takes: a 5-byte id delta and three 3-byte counts. */
const MAX_POSTING_BYTES = 5 + 3 * FIELD_COUNT;
/** Ids are checked against this on decoding (they are the index's own, below 2^31). */
const ID_LIMIT = 0x7fffffff;

/** Blocks of encoded postings shared by the sealed lists of one index. */
export class PostingArena {
  readonly blocks: Buffer[] = [];
  private block: Buffer | undefined;
  private pos = 0;
  /** Bytes held in blocks (for figures and tests). */
  bytes = 0;

  /**
   * Encodes `n` postings (ids ascending) and returns where they are: [block, start, end].
   * The ids are written as in the index file, so `ByteReader.postings` reads them back.
   */
  encode(ids: Int32Array, tfs: Uint16Array, n: number): [block: number, start: number, end: number] {
    const worst = n * MAX_POSTING_BYTES;
    if (!this.block || this.pos + worst > this.block.length) {
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, worst));
      this.blocks.push(this.block);
      this.bytes += this.block.length;
      this.pos = 0;
    }
    const start = this.pos;
    this.pos = writePostingList(this.block, start, ids, tfs, n);
    return [this.blocks.length - 1, start, this.pos];
  }
}

/**
 * One term's sealed postings: optionally a first part still in the loaded file's bytes, then the
 * segments sealed since, in id order. Segments are kept as numbers (block, start, end, count), not
 * objects: a build seals every list many times.
 */
export class SealedPostings implements EncodedPostings {
  private readonly segments: number[] = [];

  private constructor(
    private readonly arena: PostingArena,
    private readonly first?: EncodedPostings,
    private readonly firstCount = 0,
  ) {}

  /**
   * `previous` (holding `previousCount` postings) followed by `n` more: a list's encoded form
   * after a seal. A SealedPostings is extended in place (it belongs to one list).
   */
  static append(
    arena: PostingArena,
    previous: EncodedPostings | undefined,
    previousCount: number,
    ids: Int32Array,
    tfs: Uint16Array,
    n: number,
  ): SealedPostings {
    const sealed = previous instanceof SealedPostings && previous.arena === arena ? previous : new SealedPostings(arena, previous, previousCount);
    const [block, start, end] = arena.encode(ids, tfs, n);
    sealed.segments.push(block, start, end, n);
    return sealed;
  }

  decodeInto(list: { ids: Int32Array; tfs: Uint16Array }): void {
    let at = 0;
    if (this.first) {
      this.first.decodeInto({ ids: list.ids.subarray(0, this.firstCount), tfs: list.tfs.subarray(0, this.firstCount * FIELD_COUNT) });
      at = this.firstCount;
    }
    const s = this.segments;
    for (let i = 0; i < s.length; i += 4) {
      const n = s[i + 3]!;
      new ByteReader(this.arena.blocks[s[i]!]!, s[i + 1]!, s[i + 2]!).postings(n, list.ids, at, list.tfs, ID_LIMIT);
      at += n;
    }
  }
}
