// Where a local model may run: "auto" (a GPU when llama.cpp finds one, else the CPU) or "off"
// (the CPU only). A type module of its own so that the model probe and the chat wrapper need not
// import llm.ts, which imports them.
export type GpuSetting = "auto" | "off";
