// What a posting list kept encoded offers (postingList.ts): a module of its own because the lists
// and the encodings (the loaded file's, parseIndex.ts; a build's sealed blocks, sealedPostings.ts)
// both use it.

/** Postings kept in their saved (encoded) form until a query or a change first needs them. */
export interface EncodedPostings {
  /** Fills the list's arrays; a list that cannot be decoded is left empty. */
  decodeInto(list: { ids: Int32Array; tfs: Uint16Array }): void;
}
