// Orama's vector index, the store of record of the float vectors: putting a vector in and reading
// it back. Orama (3.1) takes a vector through its insert only as a plain array, keeps its own
// Float32Array of it, and offers no call that returns it; the embedding cache holds that same
// array instead of one of its own, so each float vector is in memory once.
import { components, type AnyOrama } from "@orama/orama";

interface OramaInternals {
  internalDocumentIDStore: { idToInternalId: Map<string, number> };
  data: { index: { vectorIndexes: Record<string, { node: { vectors: Map<number, [number, Float32Array]> } } | undefined> } };
}

/** What an indexed document's vector is in Orama's document store (the vector is in its vector index). */
const INDEXED_VECTOR: number[] = [];

/** The Float32Array Orama holds for a document's vector property, or undefined. */
export function oramaVector(orama: AnyOrama, id: string, property = "embedding"): Float32Array | undefined {
  const o = orama as unknown as OramaInternals;
  const internalId = o.internalDocumentIDStore?.idToInternalId?.get(id);
  if (internalId === undefined) return undefined;
  return o.data?.index?.vectorIndexes?.[property]?.node.vectors.get(internalId)?.[1];
}

/**
 * Adds a document `{ id, embedding }` to an Orama whose schema is that one vector property, with
 * `vector` itself as what its vector index holds (not a copy). This is Orama's own insert of such
 * a document, through its own components (the document id store, the documents store, the index's
 * `insert`), less what that schema leaves nothing to do for: Orama's insert checks the vector is a
 * plain array (a Float32Array is not), copies it into a Float32Array of its own, finds no
 * property to tokenize or sort, and runs no hooks (this Orama has no plugins). At 168,660 vectors
 * of 384 dimensions, the plain arrays and their copies took most of a 5.4 s load (CPU profile).
 * The document stored holds an empty array for its vector, as each did after Orama's insert here
 * before: removal finds the vector by the document's id. Throws if the id is in Orama already.
 */
export function insertOramaVector(orama: AnyOrama, id: string, vector: Float32Array, property = "embedding"): void {
  const internalId = components.internalDocumentIDStore.getInternalDocumentId(orama.internalDocumentIDStore, id);
  if (!orama.documentsStore.store(orama.data.docs, id, internalId, { id, [property]: INDEXED_VECTOR })) throw new Error(`document ${id} is in Orama already`);
  const docsCount = orama.documentsStore.count(orama.data.docs);
  const schemaType = `vector[${vector.length}]` as const;
  orama.index.insert(orama.index, orama.data.index, property, id, internalId, vector as never, schemaType, undefined, orama.tokenizer, docsCount);
}
