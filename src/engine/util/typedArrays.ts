// Growing the typed arrays that hold per-slot or per-id data: a larger array of the same kind with
// the old contents at its start (the rest zero).

type GrowableArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float32Array | Float64Array;

/** A copy of `array` with room for `length` entries (at least its own length). */
export function grownTo<T extends GrowableArray>(array: T, length: number): T {
  const grown = new (array.constructor as new (length: number) => T)(Math.max(length, array.length));
  grown.set(array as ArrayLike<number>);
  return grown;
}
