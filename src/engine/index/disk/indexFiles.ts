// The files next to a saved index: reading an index or journal file safely (a regular file of
// bounded size, read through the descriptor checked), and the temporary files of saves.
import { constants as fsConstants, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { MAGIC } from "./indexFormat.js";

/** A bound on what is read: an index file larger than this is discarded (and rebuilt) unread. */
export const MAX_INDEX_FILE_BYTES = 2 ** 31 - 1;

/** Temporary files of a save: `<index file>.<pid>.<ms>.tmp`, renamed over the index when complete. */
export const tempName = (file: string) => `${file}.${process.pid}.${Date.now()}.tmp`;
/** A temporary file untouched this long is stale whoever wrote it (a pid reused, another machine). */
export const STALE_TEMP_MS = 10 * 60 * 1000;

/**
 * Removes the temporary files that saves of this index left behind when killed mid-write: those
 * whose writer (the pid in the name) is not running on this machine, and any untouched for
 * STALE_TEMP_MS (a pid since reused). A live writer's file on this machine is left alone, so a
 * save running in parallel still completes; a writer on another machine or in another container
 * sharing the folder is not protected (its pid means nothing here). Returns the names removed.
 */
export async function removeStaleTempFiles(file: string, now = Date.now()): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = path.basename(file) + ".";
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const pid = Number(match[1]);
    const abs = path.join(dir, name);
    const stat = await fs.lstat(abs).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const stale = pid === process.pid ? false : !processIsAlive(pid) || now - stat.mtimeMs > STALE_TEMP_MS;
    if (!stale) continue;
    try {
      await fs.rm(abs, { force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (permissions): left as it is.
    }
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Reads an index file: it must be a regular file (not a folder, FIFO or device, which would
 * fail, block or never end), no larger than MAX_INDEX_FILE_BYTES, and it is read through the
 * descriptor that was checked.
 */
export async function readIndexFile(file: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused by the check below).
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotAnIndex("not a regular file");
    if (stat.size > MAX_INDEX_FILE_BYTES) throw new NotAnIndex(`${stat.size} bytes is over the ${MAX_INDEX_FILE_BYTES}-byte limit`);
    const bytes = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

export class NotAnIndex extends Error {}

/**
 * Why `file` must not be written as an index, when it is a regular file that is not one (its first
 * bytes are not the index's magic): a doc, a log, anything a user named by mistake. Undefined when
 * it is absent, empty, a Docent index of any format version, or not a regular file (saving refuses
 * those itself, and loading discards them with a warning).
 */
export async function foreignIndexFile(file: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size === 0) return undefined;
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === MAGIC.length && head.equals(MAGIC)) return undefined;
    return `it is a file of ${stat.size} bytes that is not a Docent index (no "${MAGIC.toString("latin1")}" at its start)`;
  } finally {
    await handle.close();
  }
}
