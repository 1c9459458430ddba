// Hostile model files: every attack is a regression test. Malformed GGUFs are rejected by the
// validator with a GgufValidationError naming the file; what slips through the validator and
// aborts llama.cpp is contained by the model probe (a child process); a crafted 4 GB header is
// rejected fast; a chat template that loops does not hang generation.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GgufValidationError } from "../../src/engine/model/gguf/types.js";
import { validateGguf } from "../../src/engine/model/gguf/validation.js";
import { ChatModel, getLlamaInstance } from "../../src/engine/model/local/llm.js";
import { ModelProbeError, probeModel, type ProbeRequest } from "../../src/engine/model/local/loadProbe.js";
import { GgufType, type GgufWriter } from "../fixtures/ggufWriter.js";
import { buildTinyChat, buildTinyLora, ensureTinyModels, tinyVocab, type TinyModelPaths } from "../fixtures/tinyModels.js";

let models: TinyModelPaths;
let tmp: string;

before(async () => {
  models = await ensureTinyModels();
  tmp = await mkdtemp(join(tmpdir(), "docent-gguf-attacks-"));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTmp(name: string, data: Buffer): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, data);
  return path;
}

/** tiny-chat with `edit` applied to its writer. */
function chatWith(edit: (w: GgufWriter) => void): Buffer {
  const w = buildTinyChat();
  edit(w);
  return w.toBuffer();
}

/** A copy of `buf` with `edit` applied to its bytes. */
function patched(buf: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(buf);
  edit(b);
  return b;
}

/** Byte offset of the first tensor info (after the metadata) in a tiny-chat buffer. */
function tensorTableStart(buf: Buffer): number {
  const name = Buffer.from("token_embd.weight");
  return buf.indexOf(name) - 8;
}

const tiny = (): Buffer => buildTinyChat().toBuffer();
const vocab = tinyVocab();

/** name, bytes, kind: ~30 malformed variants of the tiny models. */
const VARIANTS: [string, () => Buffer, ("chat" | "embedding" | "lora")?][] = [
  ["truncated in the fixed header", () => tiny().subarray(0, 14)],
  ["truncated in the metadata", () => tiny().subarray(0, 200)],
  ["truncated in the vocabulary", () => tiny().subarray(0, 2000)],
  ["truncated in the tensor table", () => tiny().subarray(0, tensorTableStart(tiny()) + 30)],
  ["truncated in the tensor data", () => tiny().subarray(0, tiny().length - 1000)],
  ["bad magic", () => patched(tiny(), (b) => b.write("GGUX", 0, "latin1"))],
  ["version 0", () => patched(tiny(), (b) => b.writeUInt32LE(0, 4))],
  ["version 99", () => patched(tiny(), (b) => b.writeUInt32LE(99, 4))],
  ["negative tensor count", () => patched(tiny(), (b) => b.writeBigInt64LE(-1n, 8))],
  ["huge tensor count", () => patched(tiny(), (b) => b.writeBigUInt64LE(1n << 40n, 8))],
  ["negative metadata count", () => patched(tiny(), (b) => b.writeBigInt64LE(-5n, 16))],
  ["huge metadata count", () => patched(tiny(), (b) => b.writeBigUInt64LE(1n << 33n, 16))],
  ["huge key length", () => patched(tiny(), (b) => b.writeBigUInt64LE(1n << 50n, 24))],
  ["huge string length", () => patchedStringLength("general.name")],
  ["unknown value type", () => patched(tiny(), (b) => b.writeUInt32LE(77, 24 + 8 + "general.architecture".length))],
  ["architecture of the wrong type", () => chatWith((w) => w.u32("general.architecture", 7))],
  ["head_count of the wrong type", () => chatWith((w) => w.string("llama.attention.head_count", "four"))],
  ["block_count of the wrong type", () => chatWith((w) => w.f32("llama.block_count", 2.5))],
  ["head_count 0", () => chatWith((w) => w.u32("llama.attention.head_count", 0))],
  ["head_count_kv 0", () => chatWith((w) => w.u32("llama.attention.head_count_kv", 0))],
  ["head_count_kv not dividing head_count", () => chatWith((w) => w.u32("llama.attention.head_count_kv", 3))],
  ["expert_count without expert_used_count", () => chatWith((w) => w.u32("llama.expert_count", 4))],
  ["expert_count beyond llama.cpp's maximum", () => chatWith((w) => w.u32("llama.expert_count", 5000).u32("llama.expert_used_count", 2))],
  [
    "a duplicate token",
    () =>
      chatWith((w) =>
        w.stringArray(
          "tokenizer.ggml.tokens",
          vocab.tokens.map((t, i) => (i === 300 ? vocab.tokens[299]! : t)),
        ),
      ),
  ],
  ["token_type of the wrong length", () => chatWith((w) => w.i32Array("tokenizer.ggml.token_type", vocab.types.slice(1)))],
  ["scores of the wrong length", () => chatWith((w) => w.f32Array("tokenizer.ggml.scores", [...vocab.scores, 0]))],
  ["tokens that are not an array", () => chatWith((w) => w.string("tokenizer.ggml.tokens", "abc"))],
  ["an array of arrays", () => patchedArrayElementType("tokenizer.ggml.scores", GgufType.ARRAY)],
  ["tensor offset beyond the file", () => patchedTensorOffset(1n << 36n)],
  ["misaligned tensor offset", () => patchedTensorOffset(4n)],
  ["tensor dimension 0", () => chatWith((w) => w.tensorRaw({ name: "extra.weight", dims: [0, 4], type: 0, data: new Uint8Array(0) }))],
  [
    "tensor dimensions overflowing",
    () => chatWith((w) => w.tensorRaw({ name: "extra.weight", dims: [1 << 30, 1 << 30, 1 << 30], type: 0, data: new Uint8Array(32) })),
  ],
  ["5 dimensions", () => chatWith((w) => w.tensorRaw({ name: "extra.weight", dims: [1, 1, 1, 1, 1], type: 0, data: new Uint8Array(32) }))],
  ["duplicate tensor name", () => chatWith((w) => w.tensorF32("output_norm.weight", [128], new Float32Array(128)))],
  ["LoRA adapter for another architecture", () => buildTinyLora().string("general.architecture", "qwen2").toBuffer(), "lora"],
  ["LoRA adapter as the chat model", () => buildTinyLora().toBuffer()],
];

/** tiny-chat whose general.name string claims 2^40 bytes. */
function patchedStringLength(key: string): Buffer {
  return patched(tiny(), (b) => {
    const at = b.indexOf(Buffer.from(key)) + key.length + 4;
    b.writeBigUInt64LE(1n << 40n, at);
  });
}

/** tiny-chat whose array `key` declares another element type. */
function patchedArrayElementType(key: string, type: number): Buffer {
  return patched(tiny(), (b) => {
    const at = b.indexOf(Buffer.from(key)) + key.length + 4;
    b.writeUInt32LE(type, at);
  });
}

/** tiny-chat whose last tensor's data offset is `offset`. */
function patchedTensorOffset(offset: bigint): Buffer {
  return patched(tiny(), (b) => {
    const name = Buffer.from("output.weight");
    let at = b.lastIndexOf(name) + name.length;
    at += 4 + 2 * 8 + 4; // n_dims, 2 dims, type
    b.writeBigUInt64LE(offset, at);
  });
}

describe("malformed GGUF variants are rejected with an error naming the file", () => {
  test(`${VARIANTS.length} variants`, async () => {
    assert.ok(VARIANTS.length >= 30);
    for (const [i, [name, build, kind]] of VARIANTS.entries()) {
      const path = await writeTmp(`variant-${i}.gguf`, build());
      let caught: unknown;
      try {
        await validateGguf(path, kind === "lora" ? { kind, baseModelPath: models.chat } : { kind: kind ?? "chat" });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof GgufValidationError, `${name}: expected a GgufValidationError, got ${String(caught)}`);
      assert.ok(caught.message.includes(path), `${name}: ${caught.message}`);
    }
  });

  test("the two SIGABRT attacks of the issue name their cause", async () => {
    const kv = await writeTmp(
      "kv0.gguf",
      chatWith((w) => w.u32("llama.attention.head_count_kv", 0)),
    );
    await assert.rejects(validateGguf(kv, { kind: "chat" }), /head_count_kv" is 0/);
    await assert.rejects(validateGguf(kv, { kind: "embedding" }), /head_count_kv" is 0/);
    const dup = await writeTmp(
      "dup.gguf",
      chatWith((w) =>
        w.stringArray(
          "tokenizer.ggml.tokens",
          vocab.tokens.map((t, i) => (i === 300 ? vocab.tokens[299]! : t)),
        ),
      ),
    );
    await assert.rejects(validateGguf(dup, { kind: "chat" }), /twice \(ids 299 and 300\)/);
  });
});

describe("a crafted 4 GB header", () => {
  test("an array of 5x10^8 empty strings in a sparse 4 GB file is rejected fast, without allocating", async () => {
    const key = Buffer.from("tokenizer.ggml.merges");
    const b = Buffer.alloc(24 + 8 + key.length + 4 + 4 + 8);
    b.write("GGUF", 0, "latin1");
    b.writeUInt32LE(3, 4);
    b.writeBigUInt64LE(0n, 8);
    b.writeBigUInt64LE(1n, 16);
    b.writeBigUInt64LE(BigInt(key.length), 24);
    key.copy(b, 32);
    b.writeUInt32LE(GgufType.ARRAY, 32 + key.length);
    b.writeUInt32LE(GgufType.STRING, 36 + key.length);
    b.writeBigUInt64LE(500_000_000n, 40 + key.length);
    const path = await writeTmp("huge.gguf", b);
    await truncate(path, 4 * 2 ** 30);
    assert.equal((await stat(path)).size, 4 * 2 ** 30);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    await assert.rejects(validateGguf(path, { kind: "chat" }), (err: unknown) => err instanceof GgufValidationError && err.message.includes(path));
    const ms = performance.now() - started;
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
    assert.ok(process.memoryUsage().rss - rss < 100 * 2 ** 20, "allocated over 100 MB");
  });
});

describe("the model probe", () => {
  const request = (path: string, extra: Partial<ProbeRequest> = {}): ProbeRequest => ({
    kind: "chat",
    path,
    lora: [],
    gpu: "off",
    threads: 1,
    checkTemplate: false,
    ...extra,
  });

  test("loads tiny-chat in a child once, then answers from the cache file", async () => {
    const cacheFile = join(tmp, "probe-cache", "probed-models.json");
    const copy = await writeTmp("probe-ok.gguf", await readFile(models.chat));
    const first = await probeModel(request(copy), { cacheFile });
    assert.equal(first.cached, false);
    const entries = JSON.parse(await readFile(cacheFile, "utf8")).entries;
    assert.equal(Object.keys(entries).length, 1);
    const second = await probeModel(request(copy), { cacheFile });
    assert.equal(second.cached, true);
  });

  test("a file that passes the validator but aborts llama.cpp gives a clear error, and this process lives on", async () => {
    // llama.cpp asserts n_layer_nextn <= n_layer (llama-model.cpp); the validator does not check it.
    const path = await writeTmp(
      "nextn.gguf",
      chatWith((w) => w.u32("llama.nextn_predict_layers", 7)),
    );
    await validateGguf(path, { kind: "chat" });
    const err = await probeModel(request(path)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ModelProbeError, String(err));
    assert.equal(err.signal, "SIGABRT");
    assert.match(err.message, /^llama\.cpp could not load .*nextn\.gguf: it aborted \(SIGABRT\) while loading the model/);
    // through ChatModel, as the engine and the CLI load models
    const llama = await getLlamaInstance("off");
    await assert.rejects(ChatModel.load(llama, path, { gpu: "off", threads: 1 }), /it aborted \(SIGABRT\)/);
    // and as an embedding model
    const { LlamaEmbedder } = await import("../../src/engine/model/local/llm.js");
    await assert.rejects(LlamaEmbedder.load(llama, path, { gpu: "off", threads: 1 }), /it aborted \(SIGABRT\)/);
  });

  test("a chat template that loops is caught in the child; the chat model does without rendering it", async () => {
    const looping =
      "{% for i in range(100000000) %}{% endfor %}" +
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    const path = await writeTmp("looping-template.gguf", buildTinyChat({ chatTemplate: looping }).toBuffer());
    const result = await probeModel(request(path, { checkTemplate: true }), { templateTimeoutMs: 1500 });
    assert.equal(result.template, "slow");
    const llama = await getLlamaInstance("off");
    const started = performance.now();
    const chat = await ChatModel.load(llama, path, { gpu: "off", threads: 1, probe: { templateTimeoutMs: 1500 } });
    try {
      assert.equal(chat.chatWrapperName, "ChatML");
      const answer = await chat.generate({ system: "Be brief.", user: "Hello?", maxTokens: 4 });
      assert.ok(answer.tokens > 0);
      assert.ok(performance.now() - started < 30_000);
    } finally {
      await chat.dispose();
    }
  });

  test("the tiny ChatML template resolves to node-llama-cpp's own ChatML wrapper", async () => {
    const llama = await getLlamaInstance("off");
    const chat = await ChatModel.load(llama, models.chatTemplate, { gpu: "off", threads: 1 });
    try {
      assert.equal(chat.chatWrapperName, "ChatML");
    } finally {
      await chat.dispose();
    }
  });
});
