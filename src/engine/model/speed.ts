// How fast the loaded model reads a prompt and writes on this device: measured by a short probe
// at load, refined from every real answer, and kept per model file and device in the cache folder,
// so that the answer stage can give the sources only as many tokens as read in the time the user
// waits for the first word (answer/timeBudget.ts).
import { promises as fs } from "node:fs";
import * as path from "node:path";

export interface ModelSpeed {
  /** Prompt tokens read per second (prompt evaluation, the wait before the first word). */
  promptTokensPerSecond: number;
  /** Tokens written per second after the first. */
  generationTokensPerSecond: number;
  /** Measurements this figure is the mean of (the probe counts as one). */
  samples: number;
}

/** One measured exchange: prompt tokens read before the first token came after firstTokenMs. */
export interface SpeedSample {
  promptTokens: number;
  firstTokenMs: number;
  tokensPerSecond: number;
}

/** Later samples weigh as much as at most this many earlier ones: the figure follows a machine that got busier. */
const MEMORY = 4;

/** The speed with one more sample: a running mean over the last few (none before: the sample). */
export function refineSpeed(previous: ModelSpeed | undefined, sample: SpeedSample): ModelSpeed | undefined {
  if (sample.promptTokens <= 0 || sample.firstTokenMs <= 0) return previous;
  const prompt = (sample.promptTokens * 1000) / sample.firstTokenMs;
  if (!previous) return { promptTokensPerSecond: prompt, generationTokensPerSecond: sample.tokensPerSecond, samples: 1 };
  const w = Math.min(previous.samples, MEMORY);
  const mean = (old: number, now: number) => (old * w + now) / (w + 1);
  return {
    promptTokensPerSecond: mean(previous.promptTokensPerSecond, prompt),
    // A one-token answer has no decoding speed: the previous figure stands.
    generationTokensPerSecond:
      sample.tokensPerSecond > 0 ? mean(previous.generationTokensPerSecond, sample.tokensPerSecond) : previous.generationTokensPerSecond,
    samples: previous.samples + 1,
  };
}

/**
 * The measured speeds of each model file on each device, in one small JSON file. The key names the
 * file (path, size, modification time) and how it runs (backend, GPU layers, reading and writing threads): another
 * file or another device is measured afresh.
 */
export class SpeedStore {
  constructor(readonly file: string) {}

  static async keyOf(modelPath: string, device: { backend: string; gpuLayers: number; threads: number; readThreads?: number }): Promise<string> {
    const stat = await fs.stat(modelPath);
    const threads = device.readThreads === undefined || device.readThreads === device.threads ? device.threads : `${device.readThreads}/${device.threads}`;
    return JSON.stringify([path.resolve(modelPath), stat.size, Math.round(stat.mtimeMs), device.backend, device.gpuLayers, threads]);
  }

  async get(key: string): Promise<ModelSpeed | undefined> {
    const entry = (await this.read())[key];
    return entry && isSpeed(entry) ? entry : undefined;
  }

  async set(key: string, speed: ModelSpeed): Promise<void> {
    const all = await this.read();
    all[key] = speed;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    // Written whole to a temporary file and renamed: a reader never sees half a file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(all));
    await fs.rename(tmp, this.file);
  }

  private async read(): Promise<Record<string, unknown>> {
    try {
      const data: unknown = JSON.parse(await fs.readFile(this.file, "utf8"));
      return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}

function isSpeed(v: unknown): v is ModelSpeed {
  const s = v as ModelSpeed;
  return (
    typeof v === "object" &&
    v !== null &&
    [s.promptTokensPerSecond, s.generationTokensPerSecond, s.samples].every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0) &&
    s.promptTokensPerSecond > 0
  );
}
