/**
 * GGUF header reader: parses the header, the metadata and the tensor table of a file.
 *
 * Only the header, the metadata and the tensor table are read (buffered file-handle reads), never
 * the tensor data, so validating a multi-GB model costs a few MB of reads at most.
 *
 * Format reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import { open, type FileHandle } from "node:fs/promises";
import { ggmlTensorByteSize, ggmlTypeName } from "./ggmlTypes.js";
import { CorruptError, FileReader, readValue, TruncatedError } from "./reader.js";
import { GgufValidationError, GgufValueType, type GgufHeader, type GgufTensorInfo, type GgufValue } from "./types.js";

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
        throw new GgufValidationError(path, `the file is truncated (incomplete download or copy?): ${err.message}`, "truncated", { cause: err });
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
  r.checkRoom(kvCount * 13 + tensorCount * 24, "the metadata and tensor table");

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    r.what = `metadata entry ${i + 1} of ${kvCount}`;
    const key = await r.string();
    r.what = `metadata entry "${key}"`;
    await r.ensure(4);
    const type = r.u32() as GgufValueType;
    if (type > GgufValueType.FLOAT64) throw new CorruptError(`${r.what} has an unknown value type ${type}`);
    // The vocabulary is read whole: llama.cpp aborts on a duplicate token.
    const value = await readValue(r, type, { maxArrayValues, unique: key === "tokenizer.ggml.tokens" });
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
  // Control characters are what tells binary from text here, so the pattern names them on purpose.
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x08\x0e-\x1f\ufffd]/.test(text)) {
    const snippet = JSON.stringify(text.slice(0, 24));
    const kind = /^\s*<(!doctype|html)/i.test(text) ? "an HTML page (a download error page?)" : /^\s*[{[]/.test(text) ? "a JSON/text file" : "a text file";
    return `it is ${kind}, starting with ${snippet}`;
  }
  return `it starts with the bytes ${head.subarray(0, 4).toString("hex")} instead of "GGUF"`;
}
