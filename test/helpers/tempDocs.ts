// Real files on disk for tests: a temporary folder filled from a map of relative paths to contents.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export async function makeTempDir(prefix = "docent-test-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
  }
}

export async function tempDocs(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await makeTempDir();
  await writeTree(root, files);
  return root;
}

/** Writes a file and moves its mtime forward, so a size-preserving edit is still noticed. */
export async function rewrite(file: string, content: string): Promise<void> {
  await fs.writeFile(file, content);
  const later = new Date(Date.now() + 5000);
  await fs.utimes(file, later, later);
}
