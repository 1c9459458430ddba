// The GGUF header, metadata and model-info types, and `GgufValidationError`, the one error the
// reader and the validator throw. Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

/** GGUF metadata value types, as stored in the file. */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** 64-bit integers are numbers when they fit in a double exactly, bigints otherwise. */
export type GgufScalar = number | bigint | boolean | string;

/**
 * An array value. `values` holds the elements when the array has at most `maxArrayValues`
 * elements (see `ReadGgufOptions`); for longer arrays (a 150k-token vocabulary, BPE merges) only
 * `length` is kept.
 */
export interface GgufArray {
  readonly kind: "array";
  readonly elementType: GgufValueType;
  readonly length: number;
  readonly values?: readonly GgufValue[];
}

export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensorInfo {
  readonly name: string;
  /** Dimensions in ggml order (ne[0] first: the innermost, contiguous one). */
  readonly dims: readonly number[];
  /** ggml type id (0 = F32, 1 = F16, ...). */
  readonly type: number;
  /** ggml type name ("F32", "Q4_K", ...) or `TYPE_<id>` for ids this table doesn't know. */
  readonly typeName: string;
  /** Offset of the tensor's data, relative to the start of the data section. */
  readonly offset: number;
  /** Size of the data in bytes, when the type's block size is known. */
  readonly byteSize?: number;
}

export interface GgufHeader {
  readonly path: string;
  readonly fileSize: number;
  readonly version: number;
  readonly tensorCount: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** `general.alignment`, 32 when absent. */
  readonly alignment: number;
  /** Absolute file offset where the tensor data section starts. */
  readonly dataOffset: number;
  /** Bytes read to parse the header (metadata + tensor table). */
  readonly headerBytes: number;
}

export type GgufModelKind = "chat" | "embedding" | "lora";

export interface GgufInfo {
  readonly path: string;
  readonly kind: GgufModelKind;
  readonly version: number;
  readonly architecture: string;
  /** `general.name`, when present. */
  readonly name?: string;
  /** `general.type` ("model", "adapter", "mmproj", ...), when present. */
  readonly type?: string;
  readonly hasChatTemplate: boolean;
  readonly chatTemplate?: string;
  readonly contextLength?: number;
  readonly embeddingLength?: number;
  readonly blockCount?: number;
  readonly headCount?: number;
  readonly vocabSize?: number;
  /** `<arch>.pooling_type` (embedding models): 0 none, 1 mean, 2 cls, 3 last, 4 rank. */
  readonly poolingType?: number;
  readonly fileSize: number;
  readonly tensorCount: number;
  /** LoRA adapters: `adapter.lora.alpha`, when present. */
  readonly alpha?: number;
}

/** Machine-readable reason for a `GgufValidationError`. */
export type GgufProblemCode =
  | "missing-file"
  | "unreadable"
  | "not-gguf"
  | "unsupported-version"
  | "truncated"
  | "corrupt"
  | "missing-architecture"
  | "missing-key"
  | "invalid-value"
  | "wrong-kind"
  | "incompatible-adapter";

export class GgufValidationError extends Error {
  override readonly name = "GgufValidationError";
  /** The file that was checked. */
  readonly path: string;
  /** Human-readable description of what is wrong (the message without the file name). */
  readonly problem: string;
  readonly code: GgufProblemCode;

  constructor(path: string, problem: string, code: GgufProblemCode, options?: { cause?: unknown }) {
    super(`Invalid model file "${path}": ${problem}`, options);
    this.path = path;
    this.problem = problem;
    this.code = code;
  }
}
