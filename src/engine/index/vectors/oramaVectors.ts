// Reading a vector back out of Orama's vector index. Orama (3.1) takes a vector only as a plain
// array, keeps its own Float32Array of it, and offers no call that returns it; the embedding cache
// holds that same array instead of one of its own, so each float vector is in memory once.
import type { AnyOrama } from "@orama/orama";

interface OramaInternals {
  internalDocumentIDStore: { idToInternalId: Map<string, number> };
  data: { index: { vectorIndexes: Record<string, { node: { vectors: Map<number, [number, Float32Array]> } } | undefined> } };
}

/** The Float32Array Orama holds for a document's vector property, or undefined. */
export function oramaVector(orama: AnyOrama, id: string, property = "embedding"): Float32Array | undefined {
  const o = orama as unknown as OramaInternals;
  const internalId = o.internalDocumentIDStore?.idToInternalId?.get(id);
  if (internalId === undefined) return undefined;
  return o.data?.index?.vectorIndexes?.[property]?.node.vectors.get(internalId)?.[1];
}
