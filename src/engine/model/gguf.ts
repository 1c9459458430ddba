/**
 * GGUF header reader and validator.
 *
 * llama.cpp aborts the whole process (SIGABRT, no exception) on some malformed GGUF files, for
 * example a llama model without `llama.feed_forward_length`. Everything here runs in plain Node
 * (no `vscode` import) before a file is handed to node-llama-cpp, and turns the problems we can
 * detect into a `GgufValidationError` with a message naming the file and the problem.
 *
 * Only the header, the metadata and the tensor table are read (buffered file-handle reads), never
 * the tensor data, so validating a multi-GB model costs a few MB of reads at most.
 *
 * Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import { open, type FileHandle } from "node:fs/promises";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// ggml tensor types
// ---------------------------------------------------------------------------------------------

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
    throw new Error(
      `row length ${ne0} is not a multiple of the ${info.name} block size ${info.blockSize}`,
    );
  }
  let rows = 1;
  for (let i = 1; i < dims.length; i++) rows *= dims[i]!;
  return (ne0 / info.blockSize) * info.typeSize * rows;
}

// ---------------------------------------------------------------------------------------------
// Buffered reader
// ---------------------------------------------------------------------------------------------

class TruncatedError extends Error {}
class CorruptError extends Error {}

const CHUNK = 1 << 20;
/** A single string larger than this is treated as corruption rather than allocated. */
const MAX_STRING_BYTES = 64 << 20;

/** Sequential reader over a file handle with a sliding buffer; only reads what is asked for. */
class FileReader {
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

  /** True when the next n bytes are already buffered. */
  has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length;
  }

  /** Makes the next n bytes available (reads from the file when needed). */
  async fill(n: number): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new TruncatedError(
        `the file ends at byte ${this.fileSize} while reading ${this.what} at byte ${this.pos}`,
      );
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
      throw new TruncatedError(
        `the file ends at byte ${this.pos + got} while reading ${this.what} at byte ${this.pos}`,
      );
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
      throw new TruncatedError(
        `a string of ${len} bytes in ${this.what} at byte ${this.pos} goes past the end of the file (${this.fileSize} bytes)`,
      );
    }
    if (len > MAX_STRING_BYTES) {
      throw new CorruptError(`a string in ${this.what} claims a length of ${len} bytes`);
    }
    await this.ensure(len);
    return this.bytes(len).toString("utf8");
  }

  /** Skips a string without decoding it. */
  async skipString(): Promise<void> {
    const len = await this.count(`the length of a string in ${this.what}`);
    await this.skip(len);
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new TruncatedError(
        `${this.what} at byte ${this.pos} needs ${n} more bytes, past the end of the file (${this.fileSize} bytes)`,
      );
    }
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

async function readValue(r: FileReader, type: GgufValueType, maxArrayValues: number, depth = 0): Promise<GgufValue> {
  if (type !== GgufValueType.ARRAY) return readScalar(r, type);
  if (depth > 4) throw new CorruptError(`${r.what} nests arrays too deeply`);
  await r.ensure(4);
  const elementType = r.u32() as GgufValueType;
  const length = await r.count(`the length of the array in ${r.what}`);
  const elemSize = SCALAR_SIZES[elementType];
  if (elementType !== GgufValueType.STRING && elementType !== GgufValueType.ARRAY && elemSize === undefined) {
    throw new CorruptError(`${r.what} is an array of unknown value type ${elementType}`);
  }
  // Every element takes at least one byte (a string at least its 8-byte length).
  const minElem = elemSize ?? 8;
  if (length * minElem > r.remaining()) {
    throw new TruncatedError(
      `the array in ${r.what} (${length} elements) goes past the end of the file (${r.fileSize} bytes)`,
    );
  }
  if (length > maxArrayValues) {
    if (elemSize !== undefined) {
      await r.skip(length * elemSize);
    } else if (elementType === GgufValueType.STRING) {
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
    } else {
      for (let i = 0; i < length; i++) await readValue(r, elementType, 0, depth + 1);
    }
    return { kind: "array", elementType, length };
  }
  const values: GgufValue[] = new Array(length);
  for (let i = 0; i < length; i++) values[i] = await readValue(r, elementType, maxArrayValues, depth + 1);
  return { kind: "array", elementType, length, values };
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

export interface ReadGgufOptions {
  /** Arrays with more elements keep only their length (default 4096). */
  readonly maxArrayValues?: number;
}

/** ggml's limit on tensor dimensions. */
const GGML_MAX_DIMS = 4;
const GGML_MAX_NAME = 64;

/**
 * Reads and parses the GGUF header, metadata and tensor table of `path`, reading only those
 * bytes. Throws `GgufValidationError` for a missing/unreadable file, a file that is not GGUF, an
 * unsupported version, and a header that is cut short or corrupt.
 */
export async function readGgufHeader(path: string, options: ReadGgufOptions = {}): Promise<GgufHeader> {
  const maxArrayValues = options.maxArrayValues ?? 4096;
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new GgufValidationError(path, "the file does not exist", "missing-file", { cause: err });
    }
    throw new GgufValidationError(path, `the file cannot be opened (${code ?? String(err)})`, "unreadable", {
      cause: err,
    });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) {
      throw new GgufValidationError(path, "this is a folder, not a GGUF file", "unreadable");
    }
    const fileSize = st.size;
    const r = new FileReader(fh, fileSize);
    try {
      return await parse(path, r, maxArrayValues);
    } catch (err) {
      if (err instanceof TruncatedError) {
        throw new GgufValidationError(
          path,
          `the file is truncated (incomplete download or copy?): ${err.message}`,
          "truncated",
          { cause: err },
        );
      }
      if (err instanceof CorruptError) {
        throw new GgufValidationError(path, `the file is corrupt: ${err.message}`, "corrupt", { cause: err });
      }
      throw err;
    }
  } finally {
    await fh.close();
  }
}

async function parse(path: string, r: FileReader, maxArrayValues: number): Promise<GgufHeader> {
  const fileSize = r.fileSize;
  if (fileSize < 4) {
    throw new GgufValidationError(
      path,
      fileSize === 0 ? "the file is empty, not a GGUF model" : `not a GGUF model (only ${fileSize} bytes)`,
      fileSize === 0 ? "truncated" : "not-gguf",
    );
  }
  r.what = "the file header";
  await r.ensure(Math.min(fileSize, 64));
  const head = Buffer.from(r.bytes(Math.min(fileSize, 64)));
  r.pos = 4;
  if (head.subarray(0, 4).toString("latin1") !== "GGUF") {
    throw new GgufValidationError(path, `not a GGUF model file: ${describeStart(head)}`, "not-gguf");
  }
  await r.ensure(4);
  const version = r.u32();
  if (version !== 2 && version !== 3) {
    let why: string;
    if (version === 1) why = "GGUF version 1 is obsolete; re-download or re-convert the model";
    else if (version >= 0x10000 && (version & 0xffff) === 0) why = "the file looks big-endian, which is not supported";
    else why = "only versions 2 and 3 are supported";
    throw new GgufValidationError(path, `unsupported GGUF version ${version}: ${why}`, "unsupported-version");
  }
  const tensorCount = await r.count("the tensor count");
  const kvCount = await r.count("the metadata count");
  // A key/value takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least 8+4+4+8.
  if (kvCount * 13 > r.remaining()) {
    throw new TruncatedError(`the header announces ${kvCount} metadata entries, more than the file can hold`);
  }
  if (tensorCount * 24 > r.remaining()) {
    throw new TruncatedError(`the header announces ${tensorCount} tensors, more than the file can hold`);
  }

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    r.what = `metadata entry ${i + 1} of ${kvCount}`;
    const key = await r.string();
    r.what = `metadata entry "${key}"`;
    await r.ensure(4);
    const type = r.u32() as GgufValueType;
    if (type > GgufValueType.FLOAT64) throw new CorruptError(`${r.what} has an unknown value type ${type}`);
    const value = await readValue(r, type, maxArrayValues);
    if (metadata.has(key)) throw new CorruptError(`the metadata key "${key}" appears twice`);
    metadata.set(key, value);
  }

  let alignment = 32;
  const alignValue = metadata.get("general.alignment");
  if (alignValue !== undefined) {
    if (typeof alignValue !== "number" || alignValue <= 0 || (alignValue & (alignValue - 1)) !== 0) {
      throw new CorruptError(`general.alignment is ${String(alignValue)}, not a power of two`);
    }
    alignment = alignValue;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    r.what = `tensor info ${i + 1} of ${tensorCount}`;
    const name = await r.string();
    r.what = `tensor info "${name}"`;
    if (name.length >= GGML_MAX_NAME) throw new CorruptError(`tensor name "${name}" is too long`);
    if (names.has(name)) throw new CorruptError(`the tensor "${name}" appears twice`);
    names.add(name);
    await r.ensure(4);
    const nDims = r.u32();
    if (nDims > GGML_MAX_DIMS) throw new CorruptError(`tensor "${name}" has ${nDims} dimensions (at most ${GGML_MAX_DIMS})`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const n = await r.count(`dimension ${d} of tensor "${name}"`);
      dims.push(n);
    }
    await r.ensure(4);
    const type = r.u32();
    const offset = await r.count(`the data offset of tensor "${name}"`);
    let byteSize: number | undefined;
    try {
      byteSize = ggmlTensorByteSize(type, dims);
    } catch (err) {
      throw new CorruptError(`tensor "${name}": ${(err as Error).message}`);
    }
    tensors.push({ name, dims, type, typeName: ggmlTypeName(type), offset, ...(byteSize !== undefined ? { byteSize } : {}) });
  }

  const headerEnd = r.pos;
  const dataOffset = tensorCount > 0 ? alignUp(headerEnd, alignment) : headerEnd;
  return {
    path,
    fileSize,
    version,
    tensorCount,
    metadata,
    tensors,
    alignment,
    dataOffset,
    headerBytes: headerEnd,
  };
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function describeStart(head: Buffer): string {
  const magic = head.subarray(0, 4).toString("latin1");
  if (magic.startsWith("PK")) return "it is a zip archive; extract the .gguf file from it";
  if (["ggml", "ggjt", "ggmf", "lmgg", "tjgg", "fmgg"].includes(magic)) {
    return `it starts with "${magic}", an old GGML-format model; use a GGUF version of the model`;
  }
  if (head.subarray(0, 8).toString("latin1") === "version " || head.toString("latin1").includes("git-lfs")) {
    return "it is a Git LFS pointer file, not the model itself (fetch it with git lfs pull)";
  }
  // Text: printable ASCII, whitespace, or UTF-8 multi-byte sequences.
  const text = head.toString("utf8").replace(/\ufffd{1,3}$/, ""); // a character cut at the end
  if (!/[\x00-\x08\x0e-\x1f\ufffd]/.test(text)) {
    const snippet = JSON.stringify(text.slice(0, 24));
    const kind = /^\s*<(!doctype|html)/i.test(text)
      ? "an HTML page (a download error page?)"
      : /^\s*[{[]/.test(text)
        ? "a JSON/text file"
        : "a text file";
    return `it is ${kind}, starting with ${snippet}`;
  }
  return `it starts with the bytes ${head.subarray(0, 4).toString("hex")} instead of "GGUF"`;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/**
 * Architectures whose GGUFs always carry `<arch>.feed_forward_length` and
 * `<arch>.attention.head_count`, and which llama.cpp cannot load without them (it aborts).
 * Other architectures only need the generic keys.
 */
const STRICT_ARCHS: ReadonlySet<string> = new Set([
  "llama",
  "qwen",
  "qwen2",
  "qwen2moe",
  "qwen3",
  "qwen3moe",
  "phi2",
  "phi3",
  "gemma",
  "gemma2",
  "gemma3",
  "bert",
  "nomic-bert",
  "jina-bert-v2",
  "starcoder2",
  "granite",
  "stablelm",
  "olmo",
  "olmo2",
  "internlm2",
  "command-r",
  "cohere2",
  "exaone",
  "deepseek2",
  "falcon",
  "gpt2",
  "smollm3",
]);

/** Architectures that also need `<arch>.attention.layer_norm_rms_epsilon` (llama.cpp throws without it). */
const RMS_NORM_ARCHS: ReadonlySet<string> = new Set(["llama", "qwen2", "qwen3"]);

export interface ValidateGgufOptions extends ReadGgufOptions {
  readonly kind: GgufModelKind;
  /**
   * For kind "lora": the base model the adapter will be applied to. When given, the adapter's
   * architecture and tensor shapes are checked against it (see `loraMismatch`).
   */
  readonly baseModelPath?: string;
}

/**
 * Checks that `path` is a GGUF file llama.cpp can load as `kind` without crashing, and returns
 * the facts a caller needs. Throws `GgufValidationError` naming the file and the problem.
 */
export async function validateGguf(path: string, options: ValidateGgufOptions): Promise<GgufInfo> {
  const header = await readGgufHeader(path, options);
  const info = validateGgufHeader(header, options.kind);
  if (options.kind === "lora" && options.baseModelPath !== undefined) {
    const base = await readGgufHeader(options.baseModelPath, { maxArrayValues: 0 });
    const mismatch = loraMismatch(base, header);
    if (mismatch !== undefined) {
      throw new GgufValidationError(path, `this LoRA adapter does not fit the model "${options.baseModelPath}": ${mismatch}`, "incompatible-adapter");
    }
  }
  return info;
}

/** The checks of `validateGguf` on an already-read header. */
export function validateGgufHeader(header: GgufHeader, kind: GgufModelKind): GgufInfo {
  const { path, metadata: md } = header;
  const fail = (problem: string, code: GgufProblemCode): never => {
    throw new GgufValidationError(path, problem, code);
  };

  checkTensorData(header);

  const arch = md.get("general.architecture");
  if (arch === undefined) fail('missing the metadata key "general.architecture"', "missing-architecture");
  if (typeof arch !== "string" || arch === "") {
    fail(`"general.architecture" is ${describe(arch)}, expected a non-empty string`, "missing-architecture");
  }
  const architecture = arch as string;
  const generalType = str(md, "general.type");

  const base = {
    path,
    kind,
    version: header.version,
    architecture,
    ...(str(md, "general.name") !== undefined ? { name: str(md, "general.name") } : {}),
    ...(generalType !== undefined ? { type: generalType } : {}),
    fileSize: header.fileSize,
    tensorCount: header.tensorCount,
  };

  if (kind === "lora") {
    if (generalType !== "adapter") {
      fail(
        `this is not a LoRA adapter: general.type is ${generalType === undefined ? "missing" : `"${generalType}"`}, expected "adapter"` +
          (generalType === undefined || generalType === "model" ? " (it looks like a full model; use it as the chat or embedding model instead)" : ""),
        "wrong-kind",
      );
    }
    const adapterType = str(md, "adapter.type");
    if (adapterType !== "lora") {
      fail(
        `this adapter is not a LoRA adapter: adapter.type is ${adapterType === undefined ? "missing" : `"${adapterType}"`}, expected "lora"`,
        "wrong-kind",
      );
    }
    const alphaValue = md.get("adapter.lora.alpha");
    if (alphaValue !== undefined && typeof alphaValue !== "number") {
      fail(`"adapter.lora.alpha" is ${describe(alphaValue)}, expected a number`, "invalid-value");
    }
    const loraA = header.tensors.filter((t) => t.name.endsWith(".lora_a")).length;
    const loraB = header.tensors.filter((t) => t.name.endsWith(".lora_b")).length;
    if (loraA === 0 || loraA !== loraB) {
      fail(
        loraA === 0
          ? "the LoRA adapter has no .lora_a/.lora_b tensors"
          : `the LoRA adapter has ${loraA} .lora_a tensors but ${loraB} .lora_b tensors`,
        "corrupt",
      );
    }
    return {
      ...base,
      hasChatTemplate: false,
      ...(typeof alphaValue === "number" ? { alpha: alphaValue } : {}),
    };
  }

  // chat / embedding: a full model
  const what = kind === "chat" ? "a chat model" : "an embedding model";
  if (generalType === "adapter") {
    fail(
      `this is a ${str(md, "adapter.type") === "lora" ? "LoRA " : ""}adapter, not ${what}; configure it as an adapter of a base model`,
      "wrong-kind",
    );
  }
  if (generalType === "mmproj" || architecture === "clip") {
    fail(`this is a multimodal projector (mmproj/clip) file, not ${what}; pick the main model file`, "wrong-kind");
  }
  if (header.tensorCount === 0) {
    const split = md.get("split.count");
    fail(
      typeof split === "number" && split > 1
        ? "this split GGUF part has no tensors; point to the first part (…-00001-of-…)"
        : "the file has no tensors",
      "corrupt",
    );
  }

  const strict = STRICT_ARCHS.has(architecture);
  const required = strict
    ? ["context_length", "embedding_length", "block_count", "attention.head_count", "feed_forward_length"]
    : ["embedding_length", "block_count"];
  if (RMS_NORM_ARCHS.has(architecture)) required.push("attention.layer_norm_rms_epsilon");
  for (const suffix of required) {
    const key = `${architecture}.${suffix}`;
    const v = md.get(key);
    if (v === undefined) {
      fail(
        `missing the metadata key "${key}", which llama.cpp needs for the ${architecture} architecture ` +
          "(the file was probably produced by a broken or incompatible converter)",
        "missing-key",
      );
    }
    if (suffix === "attention.layer_norm_rms_epsilon") {
      if (typeof v !== "number" || !(v > 0)) fail(`"${key}" is ${describe(v)}, expected a positive number`, "invalid-value");
    } else if (!isPositiveCount(v)) {
      fail(`"${key}" is ${describe(v)}, expected a positive integer`, "invalid-value");
    }
  }
  const blockCount = num(md, `${architecture}.block_count`);
  if (blockCount !== undefined && blockCount > 512) {
    fail(`"${architecture}.block_count" is ${blockCount}, more than llama.cpp supports (512)`, "invalid-value");
  }
  const expertCount = num(md, `${architecture}.expert_count`) ?? 0;
  const expertUsed = md.get(`${architecture}.expert_used_count`);
  const maxUsed = maxCount(expertUsed);
  if (maxUsed !== undefined && maxUsed > expertCount) {
    fail(
      `"${architecture}.expert_used_count" (${maxUsed}) is larger than "${architecture}.expert_count" (${expertCount})`,
      "invalid-value",
    );
  }

  const tokenizerModel = md.get("tokenizer.ggml.model");
  const tokens = md.get("tokenizer.ggml.tokens");
  if (typeof tokenizerModel !== "string") {
    fail('missing the tokenizer ("tokenizer.ggml.model")', "missing-key");
  }
  if (tokenizerModel !== "none" && !(isArray(tokens) && tokens.length > 0)) {
    fail('missing the tokenizer vocabulary ("tokenizer.ggml.tokens")', "missing-key");
  }

  const template = md.get("tokenizer.chat_template");
  const chatTemplate = typeof template === "string" && template.trim() !== "" ? template : undefined;
  const contextLength = num(md, `${architecture}.context_length`);
  const embeddingLength = num(md, `${architecture}.embedding_length`);
  const headCount = maxCount(md.get(`${architecture}.attention.head_count`));
  const poolingType = num(md, `${architecture}.pooling_type`);
  return {
    ...base,
    hasChatTemplate: chatTemplate !== undefined,
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(contextLength !== undefined ? { contextLength } : {}),
    ...(embeddingLength !== undefined ? { embeddingLength } : {}),
    ...(blockCount !== undefined ? { blockCount } : {}),
    ...(headCount !== undefined ? { headCount } : {}),
    ...(isArray(tokens) ? { vocabSize: tokens.length } : {}),
    ...(poolingType !== undefined ? { poolingType } : {}),
  };
}

/** Throws when the tensor table points past the end of the file or is inconsistent. */
function checkTensorData(header: GgufHeader): void {
  const { path, fileSize, dataOffset, alignment } = header;
  let end = dataOffset;
  let last: GgufTensorInfo | undefined;
  for (const t of header.tensors) {
    if (t.offset % alignment !== 0) {
      throw new GgufValidationError(
        path,
        `the file is corrupt: tensor "${t.name}" starts at data offset ${t.offset}, which is not a multiple of the alignment ${alignment}`,
        "corrupt",
      );
    }
    if (t.byteSize === undefined) continue;
    const tensorEnd = dataOffset + t.offset + t.byteSize;
    if (tensorEnd > end) {
      end = tensorEnd;
      last = t;
    }
  }
  if (end > fileSize && last !== undefined) {
    throw new GgufValidationError(
      path,
      `the file is truncated (incomplete download or copy?): tensor "${last.name}" ends at byte ${end} ` +
        `but the file is only ${fileSize} bytes (${end - fileSize} bytes missing)`,
      "truncated",
    );
  }
}

function isArray(v: GgufValue | undefined): v is GgufArray {
  return typeof v === "object" && v !== null && (v as GgufArray).kind === "array";
}

function isPositiveCount(v: GgufValue | undefined): boolean {
  if (typeof v === "number") return Number.isInteger(v) && v > 0;
  if (typeof v === "bigint") return v > 0n;
  // per-layer arrays (e.g. head counts that vary by layer): some layer must have a positive count
  if (isArray(v)) return v.length > 0 && (v.values === undefined || v.values.some((x) => isPositiveCount(x)));
  return false;
}

function maxCount(v: GgufValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (isArray(v) && v.values !== undefined) {
    const nums = v.values.filter((x): x is number => typeof x === "number");
    return nums.length > 0 ? Math.max(...nums) : undefined;
  }
  return undefined;
}

function str(md: ReadonlyMap<string, GgufValue>, key: string): string | undefined {
  const v = md.get(key);
  return typeof v === "string" ? v : undefined;
}

function num(md: ReadonlyMap<string, GgufValue>, key: string): number | undefined {
  const v = md.get(key);
  return typeof v === "number" ? v : undefined;
}

function describe(v: GgufValue | undefined): string {
  if (v === undefined) return "missing";
  if (typeof v === "string") return `the string "${v.length > 40 ? v.slice(0, 37) + "..." : v}"`;
  if (isArray(v)) return `an array of ${v.length} elements`;
  return String(v);
}

/**
 * Checks that a LoRA adapter fits a base model (same architecture, adapted tensors exist with
 * matching shapes), which llama.cpp would otherwise reject at context creation. Returns a problem
 * description, or undefined when it fits.
 */
export function loraMismatch(model: GgufHeader, lora: GgufHeader): string | undefined {
  const modelArch = model.metadata.get("general.architecture");
  const loraArch = lora.metadata.get("general.architecture");
  if (modelArch !== loraArch) {
    return `the adapter is for the ${String(loraArch)} architecture but the model is ${String(modelArch)}`;
  }
  const modelTensors = new Map(model.tensors.map((t) => [t.name, t]));
  const loraTensors = new Map(lora.tensors.map((t) => [t.name, t]));
  for (const a of lora.tensors) {
    if (!a.name.endsWith(".lora_a")) continue;
    const base = a.name.slice(0, -".lora_a".length);
    const b = loraTensors.get(`${base}.lora_b`);
    const w = modelTensors.get(base);
    if (b === undefined) return `the adapter has "${a.name}" without "${base}.lora_b"`;
    if (w === undefined) return `the adapter changes "${base}", which the model does not have (wrong base model?)`;
    const [a0 = 1, a1 = 1] = a.dims;
    const [b0 = 1, b1 = 1] = b.dims;
    const [w0 = 1, w1 = 1] = w.dims;
    const ok = base === "token_embd.weight" ? w0 === b1 && w1 === a1 : w0 === a0 && w1 === b1 && a1 === b0;
    if (!ok) {
      return `the adapter's "${base}" has shape [${a.dims}]x[${b.dims}], which does not fit the model's [${w.dims}] (wrong base model?)`;
    }
  }
  return undefined;
}
