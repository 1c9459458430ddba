// SHA-256 checksums of model files: the expected value as configured, and the streamed hash of
// a file on disk.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { ModelReferenceError } from "./types.js";

export function normaliseSha256(value: string | undefined, ref: string): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const bare = value
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
  if (!/^[0-9a-f]{64}$/.test(bare)) {
    throw new ModelReferenceError("invalid-reference", `expectedSha256 for ${ref} is not 64 hex digits: ${value}`, ref);
  }
  return bare;
}

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
