// Small state files (download records, the model probe cache) written whole or not at all: to a
// temporary file beside the target, then renamed over it, so a reader never sees half a file.
import { promises as fs } from "node:fs";
import * as path from "node:path";

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
