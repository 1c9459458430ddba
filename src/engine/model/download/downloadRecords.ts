// Records of verified downloads (one JSON file per reference in `modelsDir/RECORD_DIR`), so a
// model verified once is reused without any request.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomicFile.js";
import { RECORD_DIR } from "./types.js";

export interface DownloadRecord {
  ref: string;
  fileName: string;
  size: number;
  sha256?: string;
  source?: string;
  verifiedAt: string;
}

export function recordPath(modelsDir: string, ref: string): string {
  const key = createHash("sha256").update(ref).digest("hex").slice(0, 32);
  return join(modelsDir, RECORD_DIR, `${key}.json`);
}

export async function readRecord(modelsDir: string, ref: string): Promise<DownloadRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordPath(modelsDir, ref), "utf8")) as Partial<DownloadRecord>;
    if (parsed.ref !== ref || typeof parsed.fileName !== "string" || typeof parsed.size !== "number") return undefined;
    return parsed as DownloadRecord;
  } catch {
    return undefined;
  }
}

export async function writeRecord(modelsDir: string, record: DownloadRecord): Promise<void> {
  await writeFileAtomic(recordPath(modelsDir, record.ref), JSON.stringify(record, null, 2) + "\n");
}
