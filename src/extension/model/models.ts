// "Select Model": pick a local GGUF file, or a recommended model to download, for the chat model,
// the embedding model or a LoRA adapter. Choices are written to user settings only.
import * as path from "node:path";
import * as vscode from "vscode";
import { setUserSetting } from "../config.js";

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

export type ModelPickItem = vscode.QuickPickItem & { run?: () => Promise<void> };

/** The current model settings (user settings only, as the engine reads them). */
function currentModels(): { chatModel: string; embeddingModel: string; lora: { path: string; scale: number }[] } {
  const config = vscode.workspace.getConfiguration("docent");
  const user = <T>(key: string, fallback: T): T => config.inspect<T>(key)?.globalValue ?? fallback;
  return { chatModel: user("chatModel", "").trim(), embeddingModel: user("embeddingModel", "").trim(), lora: user("loraAdapters", []) };
}

const CURRENT = "$(check) current";

/**
 * The Select Model list: chat, embedding, LoRA and none, each under a separator, with the current
 * choice marked (a model set by path that is not a recommended one is listed as the current one).
 */
export function modelPickItems(): ModelPickItem[] {
  const now = currentModels();
  const separator = (label: string): ModelPickItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const recommended = (key: "chatModel" | "embeddingModel", list: { label: string; ref: string }[]): ModelPickItem[] =>
    list.map((m) => ({
      label: `$(cloud-download) ${m.label}`,
      description: now[key] === m.ref ? CURRENT : "download",
      detail: m.ref,
      run: () => setUserSetting(key, m.ref),
    }));
  const currentFile = (key: "chatModel" | "embeddingModel", list: { ref: string }[]): ModelPickItem[] =>
    now[key] && !list.some((m) => m.ref === now[key])
      ? [{ label: `$(file) ${path.basename(now[key])}`, description: CURRENT, detail: now[key], run: async () => undefined }]
      : [];
  return [
    separator("Chat model"),
    ...currentFile("chatModel", RECOMMENDED_CHAT_MODELS),
    { label: "$(folder-opened) Chat model from a GGUF file…", run: async () => void (await chooseModelFile("chatModel")) },
    ...recommended("chatModel", RECOMMENDED_CHAT_MODELS),
    separator("Embedding model (hybrid search)"),
    ...currentFile("embeddingModel", RECOMMENDED_EMBEDDING_MODELS),
    { label: "$(folder-opened) Embedding model from a GGUF file…", run: async () => void (await chooseModelFile("embeddingModel")) },
    ...recommended("embeddingModel", RECOMMENDED_EMBEDDING_MODELS),
    separator("LoRA adapters"),
    ...now.lora.map((a) => ({
      label: `$(extensions) ${path.basename(a.path)}`,
      description: `${CURRENT} · scale ${a.scale ?? 1}`,
      detail: `${a.path} (choose to remove it)`,
      run: () =>
        setUserSetting(
          "loraAdapters",
          now.lora.filter((b) => b.path !== a.path),
        ),
    })),
    { label: "$(add) Add a LoRA adapter (GGUF)…", run: addLora },
    separator("None"),
    {
      label: "$(circle-slash) No chat model",
      description: now.chatModel ? undefined : CURRENT,
      detail: "Answers show the best-matching sections",
      run: () => setUserSetting("chatModel", ""),
    },
  ];
}

export async function selectModel(): Promise<void> {
  const choice = await vscode.window.showQuickPick(modelPickItems(), {
    title: "Docent: Select Model",
    placeHolder: "Models run on this machine; nothing is sent anywhere",
    matchOnDetail: true,
  });
  await choice?.run?.();
}

/** Asks for a GGUF file and sets it as the chat or embedding model, or adds it as an adapter. */
export async function chooseModelFile(key: "chatModel" | "embeddingModel" | "loraAdapters"): Promise<boolean> {
  if (key === "loraAdapters") {
    await addLora();
    return true;
  }
  const file = await pickGguf(key === "chatModel" ? "Choose the chat model" : "Choose the embedding model");
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
