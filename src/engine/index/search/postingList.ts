// One term's postings in the full-text index (bm25.ts): doc ids and per-field term frequencies in
// typed arrays, left in their saved (encoded) form until first used.
import { FIELD_COUNT } from "./bm25Fields.js";
import type { EncodedPostings } from "./encodedPostings.js";
import { SealedPostings, type PostingArena } from "./sealedPostings.js";
import { grownTo } from "../../util/typedArrays.js";

const MAX_TF = 0xffff;
const EMPTY_IDS = new Int32Array(0);
const EMPTY_TFS = new Uint16Array(0);

export type { EncodedPostings } from "./encodedPostings.js";

/** Doc ids and, per doc, its term frequency in each field. Grows by doubling. */
export class PostingList {
  /** Postings added while the list was still encoded (kept apart, so adding needs no decoding). */
  private tail?: PostingList;

  constructor(
    public ids: Int32Array = new Int32Array(4) as Int32Array,
    public tfs: Uint16Array = new Uint16Array(4 * FIELD_COUNT),
    public length = 0,
    private encoded?: EncodedPostings,
  ) {}

  /** Decodes the postings on first use (a loaded index decodes only the lists that are used). */
  ready(): this {
    if (this.encoded) {
      const encoded = this.encoded;
      const tail = this.tail;
      this.encoded = undefined;
      this.tail = undefined;
      const encodedCount = this.length - (tail?.length ?? 0);
      // Room for the postings of later changes: a list decoded at its exact length is copied
      // whole by the first posting a change adds (at 100x, the changed file's common terms cost
      // hundreds of ms that way).
      const capacity = this.length + Math.max(16, this.length >>> 3);
      this.ids = new Int32Array(capacity);
      this.tfs = new Uint16Array(capacity * FIELD_COUNT);
      let at = encodedCount;
      try {
        encoded.decodeInto({ ids: this.ids.subarray(0, encodedCount), tfs: this.tfs.subarray(0, encodedCount * FIELD_COUNT) });
      } catch {
        // A damaged list (only a crafted file gets past the checksum) keeps only what was added since.
        at = 0;
      }
      this.length = at;
      if (tail) {
        // Added after loading, so after the saved ids: the list stays in id order.
        this.ids.set(tail.ids.subarray(0, tail.length), at);
        this.tfs.set(tail.tfs.subarray(0, tail.length * FIELD_COUNT), at * FIELD_COUNT);
        this.length = at + tail.length;
      }
    }
    return this;
  }

  /**
   * The postings without changing the list: an encoded list is decoded into `scratch` (grown as
   * needed), which the caller may overwrite; a decoded one is returned as it is.
   */
  view(scratch: { ids: Int32Array; tfs: Uint16Array }): { ids: Int32Array; tfs: Uint16Array; length: number } {
    if (!this.encoded) return this;
    const n = this.length;
    const tail = this.tail;
    const encodedCount = n - (tail?.length ?? 0);
    if (scratch.ids.length < n) scratch.ids = new Int32Array(Math.max(n, scratch.ids.length * 2));
    if (scratch.tfs.length < n * FIELD_COUNT) scratch.tfs = new Uint16Array(scratch.ids.length * FIELD_COUNT);
    let at = encodedCount;
    try {
      this.encoded.decodeInto({ ids: scratch.ids.subarray(0, encodedCount), tfs: scratch.tfs.subarray(0, encodedCount * FIELD_COUNT) });
    } catch {
      at = 0;
    }
    if (tail) {
      scratch.ids.set(tail.ids.subarray(0, tail.length), at);
      scratch.tfs.set(tail.tfs.subarray(0, tail.length * FIELD_COUNT), at * FIELD_COUNT);
      at += tail.length;
    }
    return { ids: scratch.ids, tfs: scratch.tfs, length: at };
  }

  push(id: number, tf: number[]): void {
    if (this.encoded) {
      (this.tail ??= new PostingList()).push(id, tf);
      this.length++;
      return;
    }
    if (this.length === this.ids.length) {
      this.ids = grownTo(this.ids, Math.max(4, this.length * 2));
      this.tfs = grownTo(this.tfs, this.ids.length * FIELD_COUNT);
    }
    this.ids[this.length] = id;
    for (let f = 0; f < FIELD_COUNT; f++) this.tfs[this.length * FIELD_COUNT + f] = Math.min(tf[f]!, MAX_TF);
    this.length++;
  }

  /**
   * Encodes the postings held decoded (a build's, or those added since a load) into `arena` and
   * lets their typed arrays go; the list is decoded again on first use (sealedPostings.ts).
   */
  seal(arena: PostingArena): void {
    if (this.encoded) {
      const tail = this.tail;
      if (!tail || tail.length === 0) return;
      this.encoded = SealedPostings.append(arena, this.encoded, this.length - tail.length, tail.ids, tail.tfs, tail.length);
      this.tail = undefined;
      return;
    }
    if (this.length === 0) return;
    this.encoded = SealedPostings.append(arena, undefined, 0, this.ids, this.tfs, this.length);
    this.ids = EMPTY_IDS;
    this.tfs = EMPTY_TFS;
  }

  get isEncoded(): boolean {
    return this.encoded !== undefined;
  }

  /** Drops the postings of dead docs, in place. */
  compact(alive: Uint8Array): void {
    this.ready();
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
