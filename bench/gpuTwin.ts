// A realistic-size random-weight twin for the GPU benchmark: llama architecture with the shapes of
// Qwen2.5 0.5B or 1.5B (hidden size, layers, heads, KV heads, feed-forward, and the 151,936-token
// vocabulary size, which dominates the output layer), F16 weights. The test fixtures' ~760-token
// vocabulary is padded with plain word tokens to the real size. Random values come from one block
// of 1M F16 numbers repeated through every tensor: speed does not depend on the values, and this
// writes a 1 GB file in seconds instead of minutes. The base tokens' output rows are zero, so
// greedy decoding never ends a generation early and every run decodes the tokens asked for.
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { GgufType } from "../test/fixtures/ggufWriter.js";
import { mulberry32, TINY_CHAT_TEMPLATE, tinyVocab, TokenType } from "../test/fixtures/tinyModels.js";

export interface TwinShape {
  name: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  vocab: number;
}

/** Qwen2.5's published shapes (config.json of the Instruct models), and a small one for CPU-only machines. */
export const TWIN_SHAPES: Record<string, TwinShape> = {
  "qwen2.5-0.5b": { name: "Qwen2.5 0.5B twin", hidden: 896, layers: 24, heads: 14, kvHeads: 2, feedForward: 4864, vocab: 151936 },
  "qwen2.5-1.5b": { name: "Qwen2.5 1.5B twin", hidden: 1536, layers: 28, heads: 12, kvHeads: 2, feedForward: 8960, vocab: 151936 },
  small: { name: "Small twin (CPU check)", hidden: 256, layers: 4, heads: 4, kvHeads: 2, feedForward: 768, vocab: 8192 },
};

const F16 = 1;

const f32 = new Float32Array(1);
const u32view = new Uint32Array(f32.buffer);

function toHalf(value: number): number {
  f32[0] = value;
  const x = u32view[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = (x >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
}

/** `count` F16 values from a repeated random block, scaled; returned as bytes. */
const halfBlocks = new Map<number, Uint16Array>();

function halfTensor(count: number, scale: number, block: Float32Array): Uint8Array {
  const out = new Uint16Array(count);
  let blockHalf = halfBlocks.get(scale);
  if (!blockHalf) {
    blockHalf = new Uint16Array(block.length);
    for (let i = 0; i < block.length; i++) blockHalf[i] = toHalf(block[i]! * scale);
    halfBlocks.set(scale, blockHalf);
  }
  for (let i = 0; i < count; i += blockHalf.length) out.set(blockHalf.subarray(0, Math.min(blockHalf.length, count - i)), i);
  return new Uint8Array(out.buffer);
}

function f32Ones(n: number): Uint8Array {
  return new Uint8Array(new Float32Array(n).fill(1).buffer);
}

/** Writes the twin to `file`, streaming tensor by tensor (a 1.5B twin is 3 GB). Returns its size in bytes. */
export async function writeTwin(shape: TwinShape, file: string): Promise<number> {
  const rand = mulberry32(1234);
  const block = new Float32Array(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (rand() + rand() + rand() - 1.5) * 2; // roughly normal, unit variance
  const base = tinyVocab();
  const tokens = [...base.tokens];
  const types = [...base.types];
  const scores = [...base.scores];
  for (let i = tokens.length; i < shape.vocab; i++) {
    tokens.push(`▁ŧ${i.toString(36)}`); // a prefix no base token has: token strings must be unique
    types.push(TokenType.NORMAL);
    scores.push(-20 - i / shape.vocab);
  }
  const { hidden: d, layers, heads, kvHeads, feedForward: ff, vocab: nVocab } = shape;
  const headDim = d / heads;
  const dKv = headDim * kvHeads;
  const inScale = 1 / Math.sqrt(d);

  const kv: [string, GgufType, unknown, GgufType?][] = [
    ["general.architecture", GgufType.STRING, "llama"],
    ["general.type", GgufType.STRING, "model"],
    ["general.name", GgufType.STRING, shape.name],
    ["general.file_type", GgufType.UINT32, 1], // MOSTLY_F16
    ["llama.context_length", GgufType.UINT32, 32768],
    ["llama.embedding_length", GgufType.UINT32, d],
    ["llama.block_count", GgufType.UINT32, layers],
    ["llama.feed_forward_length", GgufType.UINT32, ff],
    ["llama.rope.dimension_count", GgufType.UINT32, headDim],
    ["llama.attention.head_count", GgufType.UINT32, heads],
    ["llama.attention.head_count_kv", GgufType.UINT32, kvHeads],
    ["llama.attention.layer_norm_rms_epsilon", GgufType.FLOAT32, 1e-6],
    ["llama.rope.freq_base", GgufType.FLOAT32, 1000000],
    ["llama.vocab_size", GgufType.UINT32, nVocab],
    ["tokenizer.ggml.model", GgufType.STRING, "llama"],
    ["tokenizer.ggml.pre", GgufType.STRING, "default"],
    ["tokenizer.ggml.tokens", GgufType.ARRAY, tokens, GgufType.STRING],
    ["tokenizer.ggml.scores", GgufType.ARRAY, scores, GgufType.FLOAT32],
    ["tokenizer.ggml.token_type", GgufType.ARRAY, types, GgufType.INT32],
    ["tokenizer.ggml.bos_token_id", GgufType.UINT32, base.bos],
    ["tokenizer.ggml.eos_token_id", GgufType.UINT32, base.eos],
    ["tokenizer.ggml.unknown_token_id", GgufType.UINT32, base.unk],
    ["tokenizer.ggml.add_bos_token", GgufType.BOOL, true],
    ["tokenizer.chat_template", GgufType.STRING, TINY_CHAT_TEMPLATE],
  ];

  // Tensors are described first (name, dims, type, offset), their data produced while writing.
  type Spec = { name: string; dims: number[]; type: number; bytes: number; data: () => Uint8Array };
  const specs: Spec[] = [];
  const half = (name: string, dims: number[], scale: number, fix?: (a: Uint16Array) => void) =>
    specs.push({
      name,
      dims,
      type: F16,
      bytes: dims[0]! * dims[1]! * 2,
      data: () => {
        const bytes = halfTensor(dims[0]! * dims[1]!, scale, block);
        fix?.(new Uint16Array(bytes.buffer));
        return bytes;
      },
    });
  const norm = (name: string) => specs.push({ name, dims: [d], type: 0, bytes: d * 4, data: () => f32Ones(d) });
  half("token_embd.weight", [d, nVocab], 1);
  for (let i = 0; i < layers; i++) {
    const p = `blk.${i}`;
    norm(`${p}.attn_norm.weight`);
    half(`${p}.attn_q.weight`, [d, d], inScale);
    half(`${p}.attn_k.weight`, [d, dKv], inScale);
    half(`${p}.attn_v.weight`, [d, dKv], inScale);
    half(`${p}.attn_output.weight`, [d, d], inScale);
    norm(`${p}.ffn_norm.weight`);
    half(`${p}.ffn_gate.weight`, [d, ff], inScale);
    half(`${p}.ffn_up.weight`, [d, ff], inScale);
    half(`${p}.ffn_down.weight`, [ff, d], 1 / Math.sqrt(ff));
  }
  norm("output_norm.weight");
  half("output.weight", [d, nVocab], inScale, (a) => {
    // Only the padding words are ever the greedy pick: a base token could be the start of a stop
    // string ("<" of "<|im_end|>"), which node-llama-cpp holds back, so a run would count tokens it
    // never shows. The padding words keep the full-vocabulary output layer's cost.
    for (let t = 0; t < base.tokens.length; t++) a.fill(0, t * d, (t + 1) * d);
  });

  // Written beside and renamed when complete: bench/gpu.sh reuses an existing twin.
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let written = 0;
  const write = async (buf: Uint8Array) => {
    written += buf.byteLength;
    if (!out.write(buf)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  const u32 = (v: number) => Buffer.from(new Uint32Array([v]).buffer);
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s, "utf8")]);
  const scalar = (type: GgufType, v: unknown): Buffer => {
    if (type === GgufType.STRING) return str(v as string);
    if (type === GgufType.UINT32) return u32(v as number);
    if (type === GgufType.INT32) return Buffer.from(new Int32Array([v as number]).buffer);
    if (type === GgufType.FLOAT32) return Buffer.from(new Float32Array([v as number]).buffer);
    if (type === GgufType.BOOL) return Buffer.from([v ? 1 : 0]);
    throw new Error(`type ${type}`);
  };
  const head: Buffer[] = [Buffer.from("GGUF"), u32(3), u64(specs.length), u64(kv.length)];
  for (const [key, type, value, elementType] of kv) {
    head.push(str(key), u32(type));
    if (type === GgufType.ARRAY) {
      const values = value as unknown[];
      head.push(u32(elementType!), u64(values.length));
      for (const v of values) head.push(scalar(elementType!, v));
    } else head.push(scalar(type, value));
  }
  const pad = (n: number) => Math.ceil(n / 32) * 32;
  let offset = 0;
  for (const s of specs) {
    head.push(str(s.name), u32(s.dims.length), ...s.dims.map(u64), u32(s.type), u64(offset));
    offset += pad(s.bytes);
  }
  const header = Buffer.concat(head);
  await write(header);
  await write(new Uint8Array(pad(header.length) - header.length));
  for (const s of specs) {
    const data = s.data();
    await write(data);
    await write(new Uint8Array(pad(data.byteLength) - data.byteLength));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  await rename(partial, file);
  return written;
}
