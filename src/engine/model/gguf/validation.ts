/**
 * GGUF validator: checks that a file llama.cpp is about to load has what it needs.
 *
 * llama.cpp aborts the whole process (SIGABRT, no exception) on some malformed GGUF files, for
 * example a llama model without `llama.feed_forward_length`. Everything here runs in plain Node
 * (no `vscode` import) before a file is handed to node-llama-cpp, and turns the problems we can
 * detect into a `GgufValidationError` with a message naming the file and the problem.
 */
import { readGgufHeader, type ReadGgufOptions } from "./header.js";
import {
  GgufValidationError,
  type GgufArray,
  type GgufHeader,
  type GgufInfo,
  type GgufModelKind,
  type GgufProblemCode,
  type GgufTensorInfo,
  type GgufValue,
} from "./types.js";

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
      fail(`this adapter is not a LoRA adapter: adapter.type is ${adapterType === undefined ? "missing" : `"${adapterType}"`}, expected "lora"`, "wrong-kind");
    }
    const alphaValue = md.get("adapter.lora.alpha");
    if (alphaValue !== undefined && typeof alphaValue !== "number") {
      fail(`"adapter.lora.alpha" is ${describe(alphaValue)}, expected a number`, "invalid-value");
    }
    const loraA = header.tensors.filter((t) => t.name.endsWith(".lora_a")).length;
    const loraB = header.tensors.filter((t) => t.name.endsWith(".lora_b")).length;
    if (loraA === 0 || loraA !== loraB) {
      fail(
        loraA === 0 ? "the LoRA adapter has no .lora_a/.lora_b tensors" : `the LoRA adapter has ${loraA} .lora_a tensors but ${loraB} .lora_b tensors`,
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
    fail(`this is a ${str(md, "adapter.type") === "lora" ? "LoRA " : ""}adapter, not ${what}; configure it as an adapter of a base model`, "wrong-kind");
  }
  if (generalType === "mmproj" || architecture === "clip") {
    fail(`this is a multimodal projector (mmproj/clip) file, not ${what}; pick the main model file`, "wrong-kind");
  }
  if (header.tensorCount === 0) {
    const split = md.get("split.count");
    fail(
      typeof split === "number" && split > 1 ? "this split GGUF part has no tensors; point to the first part (…-00001-of-…)" : "the file has no tensors",
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
  // llama.cpp asserts (aborts) on each of these.
  if (expertCount > LLAMA_MAX_EXPERTS) {
    fail(`"${architecture}.expert_count" is ${expertCount}, more than llama.cpp supports (${LLAMA_MAX_EXPERTS})`, "invalid-value");
  }
  if (maxUsed !== undefined && maxUsed > expertCount) {
    fail(`"${architecture}.expert_used_count" (${maxUsed}) is larger than "${architecture}.expert_count" (${expertCount})`, "invalid-value");
  }
  if (expertCount > 0 && !(maxUsed !== undefined && maxUsed > 0)) {
    fail(
      `"${architecture}.expert_count" is ${expertCount} but "${architecture}.expert_used_count" is ${describe(expertUsed)}, expected a positive integer`,
      "invalid-value",
    );
  }
  checkHeadCounts(md, architecture, fail);

  const tokenizerModel = md.get("tokenizer.ggml.model");
  const tokens = md.get("tokenizer.ggml.tokens");
  if (typeof tokenizerModel !== "string") {
    fail('missing the tokenizer ("tokenizer.ggml.model")', "missing-key");
  }
  if (tokenizerModel !== "none" && !(isArray(tokens) && tokens.length > 0)) {
    fail('missing the tokenizer vocabulary ("tokenizer.ggml.tokens")', "missing-key");
  }
  if (tokens !== undefined && !isArray(tokens)) fail(`"tokenizer.ggml.tokens" is ${describe(tokens)}, expected an array of strings`, "invalid-value");
  // llama.cpp indexes these by token id: one entry per token.
  for (const key of ["tokenizer.ggml.token_type", "tokenizer.ggml.scores"]) {
    const v = md.get(key);
    if (v === undefined || !isArray(tokens)) continue;
    if (!isArray(v) || v.length !== tokens.length) {
      fail(`"${key}" is ${describe(v)}, but the vocabulary has ${tokens.length} tokens`, "invalid-value");
    }
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

/** llama.cpp's LLAMA_MAX_EXPERTS (llama-hparams.h). */
const LLAMA_MAX_EXPERTS = 1024;

/**
 * `<arch>.attention.head_count_kv` (a number, or one per layer): llama.cpp divides by it and
 * asserts on it. Zero is allowed only per layer (layers without attention in hybrid models).
 */
function checkHeadCounts(md: ReadonlyMap<string, GgufValue>, arch: string, fail: (problem: string, code: GgufProblemCode) => never): void {
  const headKey = `${arch}.attention.head_count`;
  const kvKey = `${arch}.attention.head_count_kv`;
  const heads = md.get(headKey);
  const kv = md.get(kvKey);
  if (kv === undefined) return;
  const perLayer = (v: GgufValue | undefined): (number | undefined)[] | undefined =>
    isArray(v) ? v.values?.map((x) => (typeof x === "number" ? x : undefined)) : typeof v === "number" ? undefined : [];
  if (typeof kv === "number") {
    if (!Number.isInteger(kv) || kv <= 0) fail(`"${kvKey}" is ${describe(kv)}, expected a positive integer`, "invalid-value");
  } else if (isArray(kv)) {
    const values = perLayer(kv);
    if (values !== undefined && (values.some((x) => x === undefined || !Number.isInteger(x) || x < 0) || !values.some((x) => x! > 0))) {
      fail(`"${kvKey}" is ${describe(kv)} with a value that is not a count, or no positive one`, "invalid-value");
    }
  } else {
    fail(`"${kvKey}" is ${describe(kv)}, expected a positive integer`, "invalid-value");
  }
  const headAt = (l: number): number | undefined => (typeof heads === "number" ? heads : perLayer(heads)?.[l]);
  const kvAt = (l: number): number | undefined => (typeof kv === "number" ? kv : perLayer(kv)?.[l]);
  const layers = Math.max(isArray(heads) ? heads.length : 1, isArray(kv) ? kv.length : 1);
  for (let l = 0; l < layers; l++) {
    const h = headAt(l);
    const k = kvAt(l);
    if (h === undefined || k === undefined || k === 0) continue;
    if (k > h || h % k !== 0) {
      fail(`"${kvKey}" (${k}) does not divide "${headKey}" (${h})${layers > 1 ? ` in layer ${l}` : ""}`, "invalid-value");
    }
  }
}

/** Throws when the tensor table points past the end of the file or is inconsistent. */
function checkTensorData(header: GgufHeader): void {
  const { path, fileSize, dataOffset, alignment } = header;
  let end = dataOffset;
  let last: GgufTensorInfo | undefined;
  for (const t of header.tensors) {
    // llama.cpp asserts that every dimension is at least 1, and ggml that sizes fit an int64.
    if (t.dims.some((d) => d === 0)) {
      throw new GgufValidationError(path, `the file is corrupt: tensor "${t.name}" has an empty dimension [${t.dims}]`, "corrupt");
    }
    if (t.dims.reduce((a, b) => a * b, 1) > Number.MAX_SAFE_INTEGER) {
      throw new GgufValidationError(path, `the file is corrupt: tensor "${t.name}" has an impossible shape [${t.dims}]`, "corrupt");
    }
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
