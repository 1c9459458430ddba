// Docent packaged as a .vsix once for every UI suite of a run. `node --test out/test/e2e/` runs each
// suite file in its own process, so the package is cached on disk, named by a hash of what goes into
// it: the second suite (and the next run, when nothing changed) finds it built. A lock keeps two
// processes from packaging at once: scripts/package.mjs stages into one shared folder (.package/).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../helpers/repoRoot.js";

/**
 * What scripts/package.mjs puts in the .vsix: its copy list (read from the one module that holds
 * it), the manifest (which pins node-llama-cpp and so its binaries), and the scripts themselves.
 */
async function packagedItems(root: string): Promise<string[]> {
  const listModule = path.join(root, "scripts", "packageContents.mjs");
  const { PACKAGED_FILES } = (await import(pathToFileURL(listModule).href)) as { PACKAGED_FILES: string[] };
  return [...PACKAGED_FILES, "package.json", "scripts/package.mjs", "scripts/packageContents.mjs"];
}

/** Packaging takes about a minute on two busy cores; a lock held longer than this by a live process is reported, not waited on forever. */
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * The path of the .vsix for the repository as it is now (`npm run build` first), packaged by
 * this call only when no process has packaged the same content yet.
 */
export async function packagedVsix(): Promise<string> {
  const root = repoRoot();
  // package.mjs's default target (this machine's), the one the UI tests install.
  const target = `${process.platform}-${process.arch}`;
  const dir = path.join(root, "out", "vsix");
  await fs.mkdir(dir, { recursive: true });
  const vsix = path.join(dir, `docent-${target}-${await contentHash(root, target)}.vsix`);
  const lock = path.join(dir, "package.lock");
  const deadline = Date.now() + LOCK_WAIT_MS;
  // Wait for a state (the package is there, or the lock is free), however long another process's packaging takes.
  while (!existsSync(vsix) && !(await takeLock(lock))) {
    if (Date.now() > deadline) throw new Error(`docent harness: ${lock} held for over ${LOCK_WAIT_MS / 60_000} minutes by a live process`);
    await new Promise((r) => setTimeout(r, 500));
  }
  if (existsSync(vsix)) {
    await releaseLock(lock);
    console.log(`docent harness: reusing ${path.relative(root, vsix)}`);
    return vsix;
  }
  try {
    // Packaged under a temporary name and renamed: a process that finds the final name finds it whole.
    const partial = path.join(dir, `partial-${process.pid}.vsix`);
    execFileSync(process.execPath, [path.join(root, "scripts", "package.mjs"), "--out", partial], { cwd: root, stdio: "inherit" });
    await fs.rename(partial, vsix);
    console.log(`docent harness: packaged ${path.relative(root, vsix)}`);
    // Older contents' packages (36 MB each) are not needed again.
    for (const name of await fs.readdir(dir)) {
      if (name.endsWith(".vsix") && name !== path.basename(vsix)) await fs.rm(path.join(dir, name), { force: true });
    }
    return vsix;
  } finally {
    await releaseLock(lock);
  }
}

/** sha256 of the packaged files' relative paths and contents, in a fixed order, and the target. */
async function contentHash(root: string, target: string): Promise<string> {
  const hash = createHash("sha256").update(`target ${target}\n`);
  const files: string[] = [];
  for (const item of await packagedItems(root)) {
    const abs = path.join(root, item);
    if (!existsSync(abs)) continue;
    if ((await fs.stat(abs)).isDirectory()) {
      for (const entry of await fs.readdir(abs, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) files.push(path.relative(root, path.join(entry.parentPath, entry.name)));
      }
    } else files.push(item);
  }
  for (const file of files.sort()) {
    const content = await fs.readFile(path.join(root, file));
    hash.update(`${file.split(path.sep).join("/")} ${content.length}\n`).update(content);
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Takes the lock (a folder: mkdir is atomic) and writes this process's id into it. A lock whose
 * process has died (a run killed while packaging) is removed and taken.
 */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await fs.mkdir(lock);
    await fs.writeFile(path.join(lock, "pid"), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // A lock without a pid yet was taken a moment ago: held.
  const owner = Number(await fs.readFile(path.join(lock, "pid"), "utf8").catch(() => ""));
  if (owner && !processAlive(owner)) await fs.rm(lock, { recursive: true, force: true });
  return false;
}

async function releaseLock(lock: string): Promise<void> {
  const owner = Number(await fs.readFile(path.join(lock, "pid"), "utf8").catch(() => ""));
  if (owner === process.pid) await fs.rm(lock, { recursive: true, force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
