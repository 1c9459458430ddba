// "Select Model": pick a local GGUF file, or a recommended model to download, for the chat model,
// the embedding model or a LoRA adapter. Choices are written to user settings only.
import * as vscode from "vscode";
import { setUserSetting } from "./config.js";

/** Small instruction-tuned models that run on a laptop CPU; downloaded once from Hugging Face. */
export const RECOMMENDED_CHAT_MODELS = [
  { label: "Qwen2.5 1.5B Instruct (Q4_K_M, 1.0 GB)", ref: "hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf" },
  { label: "Llama 3.2 3B Instruct (Q4_K_M, 2.0 GB)", ref: "hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf" },
  { label: "Qwen2.5 7B Instruct (Q4_K_M, 4.7 GB, GPU recommended)", ref: "hf:bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M.gguf" },
];
export const RECOMMENDED_EMBEDDING_MODELS = [
  { label: "nomic-embed-text v1.5 (Q8_0, 146 MB)", ref: "hf:nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.Q8_0.gguf" },
];

async function pickGguf(title: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { "GGUF models": ["gguf"] } });
  return picked?.[0]?.fsPath;
}

export async function selectModel(): Promise<void> {
  type Item = vscode.QuickPickItem & { run: () => Promise<void> };
  const items: Item[] = [
    { label: "$(file) Chat model from a GGUF file…", run: async () => void (await pickAndSet("chatModel", "Choose the chat model")) },
    ...RECOMMENDED_CHAT_MODELS.map((m) => ({
      label: `$(cloud-download) ${m.label}`,
      description: "download",
      detail: m.ref,
      run: () => setUserSetting("chatModel", m.ref),
    })),
    { label: "$(file) Embedding model from a GGUF file…", run: async () => void (await pickAndSet("embeddingModel", "Choose the embedding model")) },
    ...RECOMMENDED_EMBEDDING_MODELS.map((m) => ({
      label: `$(cloud-download) Embeddings: ${m.label}`,
      description: "download",
      detail: m.ref,
      run: () => setUserSetting("embeddingModel", m.ref),
    })),
    { label: "$(add) Add a LoRA adapter (GGUF)…", run: addLora },
    { label: "$(circle-slash) No chat model (answers show the best-matching sections)", run: () => setUserSetting("chatModel", "") },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: "Docent: Select Model",
    placeHolder: "Models run on this machine; nothing is sent anywhere",
  });
  await choice?.run();
}

async function pickAndSet(key: "chatModel" | "embeddingModel", title: string): Promise<boolean> {
  const file = await pickGguf(title);
  if (!file) return false;
  await setUserSetting(key, file);
  return true;
}

async function addLora(): Promise<void> {
  const file = await pickGguf("Choose a LoRA adapter");
  if (!file) return;
  const scale = await vscode.window.showInputBox({
    title: "Adapter scale",
    value: "1",
    validateInput: (v) => (Number.isFinite(Number(v)) ? undefined : "A number, e.g. 1 or 0.5"),
  });
  if (scale === undefined) return;
  const current = vscode.workspace.getConfiguration("docent").inspect<{ path: string; scale: number }[]>("loraAdapters")?.globalValue ?? [];
  await setUserSetting("loraAdapters", [...current.filter((a) => a.path !== file), { path: file, scale: Number(scale) }]);
}
