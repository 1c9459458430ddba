// The model probe's child process (bundled as dist/modelProbe.js): loads a model file with the
// settings Docent will use, creates its context, evaluates a few tokens and, for a chat model
// with a Jinja template, renders a test conversation. llama.cpp aborts the whole process on many
// malformed files; here that only ends this short-lived child, and the parent (loadProbe.ts) turns
// the death into an error naming the file. Messages to the parent: see ProbeMessage.
import { DEFAULT_CONTEXT_SIZE, getLlamaInstance } from "./llm.js";
import { importNodeLlamaCpp } from "./nodeLlamaCpp.js";
import type { ProbeMessage, ProbeRequest } from "./loadProbe.js";

function send(message: ProbeMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function probe(request: ProbeRequest): Promise<void> {
  const llama = await getLlamaInstance(request.gpu);
  const lib = await importNodeLlamaCpp();
  const gpuLayers = request.gpu === "off" ? 0 : "auto";
  await send({ step: "model" });
  const model = await llama.loadModel({ modelPath: request.path, gpuLayers });
  if (request.kind === "embedding") {
    await send({ step: "context" });
    const context = await model.createEmbeddingContext({ threads: request.threads, contextSize: Math.min(2048, model.trainContextSize || 2048) });
    await send({ step: "evaluate" });
    await context.getEmbeddingFor("Docent model probe");
    await send({ step: "done" });
    return;
  }
  await send({ step: request.lora.length > 0 ? "lora" : "context" });
  const contextSize = Math.min(request.contextSize ?? DEFAULT_CONTEXT_SIZE, model.trainContextSize || DEFAULT_CONTEXT_SIZE);
  const context = await model.createContext({
    contextSize,
    threads: request.threads,
    lora: request.lora.length > 0 ? { adapters: request.lora.map((a) => ({ filePath: a.path, scale: a.scale })) } : undefined,
  });
  await send({ step: "evaluate" });
  const sequence = context.getSequence();
  await sequence.evaluateWithoutGeneratingNewTokens(model.tokenize("Docent model probe"));
  if (request.checkTemplate) {
    await send({ step: "template" });
    const started = performance.now();
    try {
      // What ChatModel does: node-llama-cpp's resolution (which renders the Jinja template to
      // compare it with its own wrappers), then a rendering of a conversation like Docent's.
      const wrapper = lib.resolveChatWrapper(model, { warningLogs: false });
      wrapper.generateContextState({
        chatHistory: [
          { type: "system", text: "Answer from the documentation sections below.\n\n[1] Section\nSome text." },
          { type: "user", text: "How do I configure this?" },
          { type: "model", response: [""] },
        ],
      });
      await send({ step: "done", template: { ok: true, ms: performance.now() - started, wrapper: wrapper.wrapperName } });
    } catch (err) {
      await send({ step: "done", template: { ok: false, ms: performance.now() - started, error: (err as Error).message } });
    }
    return;
  }
  await send({ step: "done" });
}

// The parent is gone (its process ended): nobody waits for this probe, so it stops at once.
process.once("disconnect", () => process.exit(0));

process.once("message", (request: ProbeRequest) => {
  probe(request).then(
    () => process.exit(0),
    async (err: unknown) => {
      await send({ step: "error", error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});
