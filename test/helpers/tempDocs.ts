// Real files on disk for tests: a temporary folder filled from a map of relative paths to contents.
import { promises as fs, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Every folder made here is removed when the test process exits (node --test runs each file in its
// own process), so a run leaves nothing behind in /tmp, on CI's shared machines included. Removal
// is synchronous because "exit" handlers cannot wait; a test that keeps a file open still exits.
const made = new Set<string>();
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

export async function makeTempDir(prefix = "docent-test-"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
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
