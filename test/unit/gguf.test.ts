import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ggmlTensorByteSize } from "../../src/engine/model/gguf/ggmlTypes.js";
import { readGgufHeader } from "../../src/engine/model/gguf/header.js";
import { GgufValidationError, type GgufArray, type GgufModelKind } from "../../src/engine/model/gguf/types.js";
import { loraMismatch, validateGguf } from "../../src/engine/model/gguf/validation.js";
import { GgufWriter } from "../fixtures/ggufWriter.js";
import { buildTinyChat, buildTinyLora, ensureTinyModels, TINY_CHAT_TEMPLATE, TINY_LORA_ALPHA, type TinyModelPaths } from "../fixtures/tinyModels.js";

let models: TinyModelPaths;
let tmp: string;

before(async () => {
  models = await ensureTinyModels();
  tmp = await mkdtemp(join(tmpdir(), "docent-gguf-"));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTmp(name: string, data: Buffer | string): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, data);
  return path;
}

/** Asserts that validation fails with the given code and a message naming the file and `parts`. */
async function assertRejects(
  path: string,
  kind: GgufModelKind,
  code: GgufValidationError["code"],
  ...parts: (string | RegExp)[]
): Promise<GgufValidationError> {
  let caught: unknown;
  try {
    await validateGguf(path, { kind });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof GgufValidationError, `expected a GgufValidationError for ${path}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.path, path);
  assert.ok(caught.message.includes(path), `message should name the file: ${caught.message}`);
  assert.ok(caught.message.includes(caught.problem));
  for (const part of parts) {
    if (typeof part === "string") assert.ok(caught.message.includes(part), `"${part}" not in: ${caught.message}`);
    else assert.match(caught.message, part);
  }
  return caught;
}

describe("validateGguf accepts the tiny models", () => {
  test("tiny-chat: llama, no chat template", async () => {
    const info = await validateGguf(models.chat, { kind: "chat" });
    assert.equal(info.architecture, "llama");
    assert.equal(info.name, "Docent Tiny Chat");
    assert.equal(info.hasChatTemplate, false);
    assert.equal(info.chatTemplate, undefined);
    assert.equal(info.contextLength, 2048);
    assert.equal(info.embeddingLength, 128);
    assert.equal(info.blockCount, 2);
    assert.equal(info.headCount, 4);
    assert.equal(info.tensorCount, 21);
    assert.equal(info.version, 3);
    assert.equal(info.fileSize, (await stat(models.chat)).size);
    assert.ok(info.vocabSize! >= 700 && info.vocabSize! <= 800, `vocab ${info.vocabSize}`);
  });

  test("tiny-chat-template: has the ChatML template", async () => {
    const info = await validateGguf(models.chatTemplate, { kind: "chat" });
    assert.equal(info.hasChatTemplate, true);
    assert.equal(info.chatTemplate, TINY_CHAT_TEMPLATE);
  });

  test("tiny-embed as an embedding model (mean pooling)", async () => {
    const info = await validateGguf(models.embed, { kind: "embedding" });
    assert.equal(info.kind, "embedding");
    assert.equal(info.embeddingLength, 64);
    assert.equal(info.poolingType, 1);
  });

  test("tiny-lora as a LoRA adapter, with its alpha", async () => {
    const info = await validateGguf(models.lora, { kind: "lora" });
    assert.equal(info.architecture, "llama");
    assert.equal(info.type, "adapter");
    assert.equal(info.alpha, TINY_LORA_ALPHA);
    assert.equal(info.hasChatTemplate, false);
    assert.equal(info.tensorCount, 8);
  });

  test("GGUF version 2 is accepted too", async () => {
    const buf = Buffer.from(await readFile(models.chat));
    buf.writeUInt32LE(2, 4);
    const info = await validateGguf(await writeTmp("v2.gguf", buf), { kind: "chat" });
    assert.equal(info.version, 2);
  });

  test("an unknown architecture needs only embedding_length and block_count", async () => {
    const w = new GgufWriter()
      .string("general.architecture", "futurearch")
      .u32("futurearch.embedding_length", 8)
      .u32("futurearch.block_count", 1)
      .string("tokenizer.ggml.model", "gpt2")
      .stringArray("tokenizer.ggml.tokens", ["a", "b"])
      .tensorF32("w", [8], new Float32Array(8));
    const info = await validateGguf(await writeTmp("future.gguf", w.toBuffer()), { kind: "chat" });
    assert.equal(info.architecture, "futurearch");
    assert.equal(info.contextLength, undefined);

    w.delete("futurearch.block_count");
    await assertRejects(await writeTmp("future-bad.gguf", w.toBuffer()), "chat", "missing-key", '"futurearch.block_count"');
  });

  test("non-default general.alignment and unknown tensor types are handled", async () => {
    const w = buildTinyChat();
    w.alignment = 64;
    // an unknown ggml type (say, a future quantization): no data-length check, no false error
    w.tensorRaw({ name: "extra.weight", dims: [256], type: 99, data: new Uint8Array(100) });
    const path = await writeTmp("align64.gguf", w.toBuffer());
    const header = await readGgufHeader(path);
    assert.equal(header.alignment, 64);
    assert.equal(header.dataOffset % 64, 0);
    assert.equal(header.tensors.at(-1)!.typeName, "TYPE_99");
    assert.equal(header.tensors.at(-1)!.byteSize, undefined);
    await validateGguf(path, { kind: "chat" });
  });
});

describe("readGgufHeader", () => {
  test("parses metadata and the tensor table", async () => {
    const h = await readGgufHeader(models.chat);
    assert.equal(h.version, 3);
    assert.equal(h.metadata.get("general.architecture"), "llama");
    assert.equal(h.metadata.get("llama.attention.head_count_kv"), 2);
    assert.equal(h.metadata.get("tokenizer.ggml.add_bos_token"), true);
    const eps = h.metadata.get("llama.attention.layer_norm_rms_epsilon");
    assert.ok(typeof eps === "number" && Math.abs(eps - 1e-5) < 1e-9);
    const tokens = h.metadata.get("tokenizer.ggml.tokens") as GgufArray;
    assert.equal(tokens.kind, "array");
    assert.equal(tokens.values?.[1], "<s>");
    assert.equal(tokens.values?.[5], "<0x00>");
    const types = h.metadata.get("tokenizer.ggml.token_type") as GgufArray;
    assert.equal(types.values?.[5], 6);

    const embd = h.tensors.find((t) => t.name === "token_embd.weight")!;
    assert.deepEqual(embd.dims, [128, tokens.length]);
    assert.equal(embd.typeName, "F32");
    assert.equal(embd.byteSize, 128 * tokens.length * 4);
    const k = h.tensors.find((t) => t.name === "blk.1.attn_k.weight")!;
    assert.deepEqual(k.dims, [128, 64]);
    for (const t of h.tensors) assert.equal(t.offset % 32, 0, t.name);
    assert.equal(h.dataOffset % 32, 0);
    const last = h.tensors.reduce((a, b) => (a.offset > b.offset ? a : b));
    assert.equal(h.dataOffset + last.offset + last.byteSize!, h.fileSize);
    // only the header is read, not the tensor data
    assert.ok(h.headerBytes < 32 * 1024, `header ${h.headerBytes} bytes`);
  });

  test("large arrays keep only their length", async () => {
    const h = await readGgufHeader(models.chat, { maxArrayValues: 100 });
    const tokens = h.metadata.get("tokenizer.ggml.tokens") as GgufArray;
    assert.ok(tokens.length > 700);
    assert.equal(tokens.values, undefined);
    assert.equal((h.metadata.get("tokenizer.ggml.scores") as GgufArray).values, undefined);
    // parsing continued correctly after the skipped arrays
    assert.equal(h.metadata.get("tokenizer.ggml.eos_token_id"), 2);
    assert.equal(h.tensors.length, 21);
  });
});

describe("validateGguf rejects broken files with a clear message", () => {
  test("a missing path", async () => {
    await assertRejects(join(tmp, "nope", "model.gguf"), "chat", "missing-file", "does not exist");
  });

  test("a text file", async () => {
    const path = await writeTmp("notes.gguf", "These are my notes, not a model.\n");
    await assertRejects(path, "chat", "not-gguf", "not a GGUF model file", "text file");
  });

  test("an HTML error page saved as a model", async () => {
    const path = await writeTmp("error.gguf", "<!DOCTYPE html><html><body>Access denied</body></html>");
    await assertRejects(path, "chat", "not-gguf", "HTML");
  });

  test("an empty file", async () => {
    await assertRejects(await writeTmp("empty.gguf", ""), "chat", "truncated", "empty");
  });

  test("an unsupported version", async () => {
    const buf = Buffer.from(await readFile(models.chat));
    buf.writeUInt32LE(7, 4);
    await assertRejects(await writeTmp("v7.gguf", buf), "chat", "unsupported-version", "unsupported GGUF version 7");
    buf.writeUInt32LE(1, 4);
    await assertRejects(await writeTmp("v1.gguf", buf), "chat", "unsupported-version", "version 1");
  });

  test("a copy of tiny-chat cut in the tensor data", async () => {
    const buf = await readFile(models.chat);
    const path = await writeTmp("cut-data.gguf", buf.subarray(0, buf.length - 5000));
    await assertRejects(path, "chat", "truncated", "truncated", "5000 bytes missing", '"output.weight"');
  });

  test("a copy of tiny-chat cut in the metadata", async () => {
    const buf = await readFile(models.chat);
    const path = await writeTmp("cut-meta.gguf", buf.subarray(0, 3000));
    await assertRejects(path, "chat", "truncated", "truncated", "tokenizer.ggml.tokens");
    // cut inside a small value, early in the metadata
    await assertRejects(await writeTmp("cut-early.gguf", buf.subarray(0, 60)), "chat", "truncated", "truncated");
  });

  test("a copy of tiny-chat cut in the tensor table", async () => {
    const buf = await readFile(models.chat);
    const header = await readGgufHeader(models.chat);
    const path = await writeTmp("cut-table.gguf", buf.subarray(0, header.headerBytes - 10));
    await assertRejects(path, "chat", "truncated", "truncated", "tensor info");
  });

  test("a model missing llama.feed_forward_length", async () => {
    const path = await writeTmp("no-ff.gguf", buildTinyChat({ omitKeys: ["llama.feed_forward_length"] }).toBuffer());
    await assertRejects(path, "chat", "missing-key", '"llama.feed_forward_length"');
  });

  test("a model missing llama.attention.head_count", async () => {
    const path = await writeTmp("no-heads.gguf", buildTinyChat({ omitKeys: ["llama.attention.head_count"] }).toBuffer());
    await assertRejects(path, "embedding", "missing-key", '"llama.attention.head_count"');
  });

  test("a model missing general.architecture", async () => {
    const path = await writeTmp("no-arch.gguf", buildTinyChat({ omitKeys: ["general.architecture"] }).toBuffer());
    await assertRejects(path, "chat", "missing-architecture", '"general.architecture"');
  });

  test("a model without a tokenizer", async () => {
    const path = await writeTmp("no-tok.gguf", buildTinyChat({ omitKeys: ["tokenizer.ggml.tokens"] }).toBuffer());
    await assertRejects(path, "chat", "missing-key", "tokenizer.ggml.tokens");
  });

  test("a block_count of zero", async () => {
    const w = buildTinyChat().u32("llama.block_count", 0);
    await assertRejects(await writeTmp("zero-blocks.gguf", w.toBuffer()), "chat", "invalid-value", '"llama.block_count" is 0');
  });

  test("a LoRA adapter used as a chat or embedding model", async () => {
    await assertRejects(models.lora, "chat", "wrong-kind", "LoRA adapter, not a chat model");
    await assertRejects(models.lora, "embedding", "wrong-kind", "LoRA adapter, not an embedding model");
  });

  test("a chat model used as a LoRA adapter", async () => {
    await assertRejects(models.chat, "lora", "wrong-kind", "not a LoRA adapter", 'general.type is "model"');
  });

  test("an adapter that is not LoRA, or has no LoRA tensors", async () => {
    const other = buildTinyLora().string("adapter.type", "control_vector");
    await assertRejects(await writeTmp("cvec.gguf", other.toBuffer()), "lora", "wrong-kind", 'adapter.type is "control_vector"');
    const empty = new GgufWriter().string("general.architecture", "llama").string("general.type", "adapter").string("adapter.type", "lora");
    await assertRejects(await writeTmp("empty-lora.gguf", empty.toBuffer()), "lora", "corrupt", "no .lora_a/.lora_b");
  });
});

describe("helpers", () => {
  test("ggml type sizes", () => {
    const n = 4096 * 4096;
    assert.equal(ggmlTensorByteSize(0, [4096, 4096]), n * 4); // F32
    assert.equal(ggmlTensorByteSize(1, [4096, 4096]), n * 2); // F16
    assert.equal(ggmlTensorByteSize(30, [4096, 4096]), n * 2); // BF16
    assert.equal(ggmlTensorByteSize(8, [4096, 4096]), (n / 32) * 34); // Q8_0
    assert.equal(ggmlTensorByteSize(2, [4096, 4096]), (n / 32) * 18); // Q4_0
    assert.equal(ggmlTensorByteSize(3, [4096, 4096]), (n / 32) * 20); // Q4_1
    assert.equal(ggmlTensorByteSize(6, [4096, 4096]), (n / 32) * 22); // Q5_0
    assert.equal(ggmlTensorByteSize(7, [4096, 4096]), (n / 32) * 24); // Q5_1
    assert.equal(ggmlTensorByteSize(10, [4096, 4096]), (n / 256) * 84); // Q2_K
    assert.equal(ggmlTensorByteSize(11, [4096, 4096]), (n / 256) * 110); // Q3_K
    assert.equal(ggmlTensorByteSize(12, [4096, 4096]), (n / 256) * 144); // Q4_K
    assert.equal(ggmlTensorByteSize(13, [4096, 4096]), (n / 256) * 176); // Q5_K
    assert.equal(ggmlTensorByteSize(14, [4096, 4096]), (n / 256) * 210); // Q6_K
    assert.equal(ggmlTensorByteSize(15, [4096, 4096]), (n / 256) * 292); // Q8_K
    assert.equal(ggmlTensorByteSize(12, [4096]), 16 * 144); // 1-D
    assert.equal(ggmlTensorByteSize(1234, [4096]), undefined); // unknown type
    assert.throws(() => ggmlTensorByteSize(12, [100, 4]), /multiple of the Q4_K block size/);
  });

  test("validateGguf with baseModelPath checks the adapter against the model", async () => {
    await validateGguf(models.lora, { kind: "lora", baseModelPath: models.chatTemplate });
    await assertIncompatibleAdapter(models.lora, models.embed);
  });

  test("loraMismatch: the tiny LoRA fits tiny-chat but not tiny-embed", async () => {
    const [chat, embed, lora] = await Promise.all([models.chat, models.embed, models.lora].map((p) => readGgufHeader(p)));
    assert.equal(loraMismatch(chat!, lora!), undefined);
    assert.match(loraMismatch(embed!, lora!) ?? "", /does not fit/);
  });
});

async function assertIncompatibleAdapter(lora: string, base: string): Promise<void> {
  await assert.rejects(validateGguf(lora, { kind: "lora", baseModelPath: base }), (err: unknown) => {
    assert.ok(err instanceof GgufValidationError);
    assert.equal(err.code, "incompatible-adapter");
    assert.ok(err.message.includes(lora) && err.message.includes(base), err.message);
    assert.match(err.message, /does not fit/);
    return true;
  });
}
