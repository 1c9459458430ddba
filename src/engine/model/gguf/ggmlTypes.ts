// ggml tensor types: names and block sizes of the tensor data types, for the tensor table's
// names and the data-length checks.

interface GgmlTypeInfo {
  readonly name: string;
  /** Elements per block. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

const QK_K = 256;

/**
 * Block sizes from ggml (ggml/src/ggml.c `type_traits`, gguf-py `GGML_QUANT_SIZES`). Types not
 * listed (removed or newer ones) skip the data-length check instead of raising false errors.
 */
const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map<number, GgmlTypeInfo>([
  [0, { name: "F32", blockSize: 1, typeSize: 4 }],
  [1, { name: "F16", blockSize: 1, typeSize: 2 }],
  [2, { name: "Q4_0", blockSize: 32, typeSize: 2 + 16 }],
  [3, { name: "Q4_1", blockSize: 32, typeSize: 2 + 2 + 16 }],
  [6, { name: "Q5_0", blockSize: 32, typeSize: 2 + 4 + 16 }],
  [7, { name: "Q5_1", blockSize: 32, typeSize: 2 + 2 + 4 + 16 }],
  [8, { name: "Q8_0", blockSize: 32, typeSize: 2 + 32 }],
  [9, { name: "Q8_1", blockSize: 32, typeSize: 2 + 2 + 32 }],
  [10, { name: "Q2_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 16 + QK_K / 4 }],
  [11, { name: "Q3_K", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + 12 }],
  [12, { name: "Q4_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + 12 }],
  [13, { name: "Q5_K", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 }],
  [14, { name: "Q6_K", blockSize: QK_K, typeSize: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 }],
  [15, { name: "Q8_K", blockSize: QK_K, typeSize: 4 + QK_K + QK_K / 8 }],
  [16, { name: "IQ2_XXS", blockSize: QK_K, typeSize: 2 + QK_K / 4 }],
  [17, { name: "IQ2_XS", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 }],
  [18, { name: "IQ3_XXS", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 }],
  [19, { name: "IQ1_S", blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 }],
  [20, { name: "IQ4_NL", blockSize: 32, typeSize: 2 + 16 }],
  [21, { name: "IQ3_S", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 }],
  [22, { name: "IQ2_S", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 }],
  [23, { name: "IQ4_XS", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64 }],
  [24, { name: "I8", blockSize: 1, typeSize: 1 }],
  [25, { name: "I16", blockSize: 1, typeSize: 2 }],
  [26, { name: "I32", blockSize: 1, typeSize: 4 }],
  [27, { name: "I64", blockSize: 1, typeSize: 8 }],
  [28, { name: "F64", blockSize: 1, typeSize: 8 }],
  [29, { name: "IQ1_M", blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 }],
  [30, { name: "BF16", blockSize: 1, typeSize: 2 }],
  [34, { name: "TQ1_0", blockSize: QK_K, typeSize: 2 + 4 * 13 }],
  [35, { name: "TQ2_0", blockSize: QK_K, typeSize: 2 + 64 }],
  [39, { name: "MXFP4", blockSize: 32, typeSize: 1 + 16 }],
]);

/** Name of a ggml type id ("Q4_K"), or `TYPE_<id>` when unknown. */
export function ggmlTypeName(type: number): string {
  return GGML_TYPES.get(type)?.name ?? `TYPE_${type}`;
}

/**
 * Bytes taken by a tensor of this type and shape, or undefined when the type's block size is
 * unknown. Throws a plain Error when the row length is not a multiple of the block size.
 */
export function ggmlTensorByteSize(type: number, dims: readonly number[]): number | undefined {
  const info = GGML_TYPES.get(type);
  if (info === undefined) return undefined;
  const ne0 = dims.length > 0 ? dims[0]! : 1;
  if (ne0 % info.blockSize !== 0) {
    throw new Error(`row length ${ne0} is not a multiple of the ${info.name} block size ${info.blockSize}`);
  }
  let rows = 1;
  for (let i = 1; i < dims.length; i++) rows *= dims[i]!;
  return (ne0 / info.blockSize) * info.typeSize * rows;
}
