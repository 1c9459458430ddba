// The chat models the model benches run: "small" is the 2.4 MB test model; "medium" a 27M-parameter
// llama written the same way, once per machine into the temp folder.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildTinyLlama, ensureTinyModels, TINY_CHAT_CONFIG, TINY_CHAT_TEMPLATE } from "../test/fixtures/tinyModels.js";

export async function benchModelFile(kind: string): Promise<string> {
  if (kind === "small") return (await ensureTinyModels()).chatTemplate;
  const file = path.join(os.tmpdir(), "docent-bench-medium.gguf");
  if (!(await fs.stat(file).catch(() => undefined))) {
    const config = {
      ...TINY_CHAT_CONFIG,
      name: "Docent Bench Medium",
      seed: 77,
      embedding: 512,
      layers: 8,
      heads: 8,
      kvHeads: 4,
      feedForward: 1536,
      chatTemplate: TINY_CHAT_TEMPLATE,
    };
    await fs.writeFile(file, buildTinyLlama(config).toBuffer());
  }
  return file;
}
