// node-llama-cpp, loaded lazily and once: the chat/embedding models (llm.ts) and the model
// downloader (download/fetchModel.ts) share this import.
export type NodeLlamaCpp = typeof import("node-llama-cpp");

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
/** node-llama-cpp is ESM with top-level await: load it lazily, once. */
export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  nodeLlamaCpp ??= import("node-llama-cpp");
  return nodeLlamaCpp;
}
