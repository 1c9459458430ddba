// The one way doc files are read once listed (the indexer, chunk texts, the answer path, cards,
// MCP read_section, .gitignore files): opened without waiting, checked on the descriptor, bounded.
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, constants as fsConstants, promises as fs } from "node:fs";
import { relativeInside } from "../../../shared/node/paths.js";

export type SkipReason = "too-large" | "binary" | "unreadable";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * A failed read is `transient` when the file may well be readable next time (a lock held by an
 * editor or a virus scanner, a race with a rename): the index then keeps what it had of the file.
 * Otherwise (gone, not a regular file, a link out of the folder, too large) the file leaves the index.
 */
export type DocFileRead = { ok: true; bytes: Buffer; size: number; mtimeMs: number } | { ok: false; reason: SkipReason; detail: string; transient?: boolean };

const isGone = (err: unknown) => ["ENOENT", "ENOTDIR"].includes((err as NodeJS.ErrnoException).code ?? "");

export interface DocFileReadOptions {
  /**
   * Refuse a path whose last part is a symbolic link (O_NOFOLLOW), for a path already resolved to
   * its real path (MCP read_section): a swap to a link after the check fails the open itself.
   */
  noFollow?: boolean;
}

/**
 * The one way doc files are read (the indexer, chunk texts, the answer path, cards, read_section):
 * the file is opened without waiting (O_NONBLOCK: a FIFO put in a doc's place opens at once and is
 * refused, instead of holding one of libuv's four pool threads forever), its descriptor must be a
 * regular file no larger than maxBytes (a doc grown to 400 MB since it was indexed is not read),
 * and the path resolved after the open must lie inside the root and be that same file (device and
 * inode), so a file swapped for a link to ~/.ssh/id_rsa between a check and the read is not read.
 * The bytes come from that descriptor, at most maxBytes + 1 of them.
 */
export async function readDocFile(root: string, absPath: string, maxBytes: number, options: DocFileReadOptions = {}): Promise<DocFileRead> {
  let handle: import("node:fs/promises").FileHandle;
  try {
    handle = await fs.open(absPath, openFlags(options));
  } catch (err) {
    return openFailure(err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return NOT_REGULAR;
    let inside: DocFileRead | undefined;
    try {
      const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(absPath)]);
      inside = sameFileInside(realRoot, real, await fs.stat(real), stat);
    } catch (err) {
      return { ok: false, reason: "unreadable", detail: (err as Error).message, transient: !isGone(err) };
    }
    if (inside) return inside;
    if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes);
    const bytes = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return readResult(bytes, filled, stat, maxBytes);
  } catch (err) {
    return { ok: false, reason: "unreadable", detail: (err as Error).message, transient: true };
  } finally {
    await handle.close().catch(() => {});
  }
}

/** readDocFile, synchronously (a chunk's text is read back inside a property getter): the same checks. */
export function readDocFileSync(root: string, absPath: string, maxBytes: number, options: DocFileReadOptions = {}): DocFileRead {
  let fd: number;
  try {
    fd = openSync(absPath, openFlags(options));
  } catch (err) {
    return openFailure(err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return NOT_REGULAR;
    let inside: DocFileRead | undefined;
    try {
      const real = realpathSync(absPath);
      inside = sameFileInside(realpathSync(root), real, statSync(real), stat);
    } catch (err) {
      return { ok: false, reason: "unreadable", detail: (err as Error).message, transient: !isGone(err) };
    }
    if (inside) return inside;
    if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes);
    const bytes = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return readResult(bytes, filled, stat, maxBytes);
  } catch (err) {
    return { ok: false, reason: "unreadable", detail: (err as Error).message, transient: true };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closing a descriptor we read from does not fail in a way that matters here.
    }
  }
}

// O_NOFOLLOW does not exist on Windows (constants leave it undefined): there the check after the
// open (same file, inside the root) is what refuses a link.
const openFlags = (options: DocFileReadOptions) => fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | (options.noFollow ? (fsConstants.O_NOFOLLOW ?? 0) : 0);

const NOT_REGULAR: DocFileRead = { ok: false, reason: "unreadable", detail: "not a regular file" };

function openFailure(err: unknown): DocFileRead {
  // ELOOP: the last part of the path became a symbolic link (O_NOFOLLOW).
  if ((err as NodeJS.ErrnoException).code === "ELOOP") return { ok: false, reason: "unreadable", detail: "a symbolic link (not read)" };
  return { ok: false, reason: "unreadable", detail: (err as Error).message, transient: !isGone(err) };
}

function sameFileInside(realRoot: string, real: string, realStat: import("node:fs").Stats, opened: import("node:fs").Stats): DocFileRead | undefined {
  if (relativeInside(realRoot, real) === undefined || realStat.dev !== opened.dev || realStat.ino !== opened.ino) {
    return { ok: false, reason: "unreadable", detail: "a symbolic link to a file outside the folder" };
  }
  return undefined;
}

const tooLarge = (size: number, maxBytes: number): DocFileRead => ({
  ok: false,
  reason: "too-large",
  detail: `${formatBytes(size)} is over the ${formatBytes(maxBytes)} limit`,
});

/** Read at most maxBytes + 1: a file that grew past the limit since the fstat is still refused. */
function readResult(bytes: Buffer, filled: number, stat: import("node:fs").Stats, maxBytes: number): DocFileRead {
  if (filled > maxBytes) return { ok: false, reason: "too-large", detail: `over the ${formatBytes(maxBytes)} limit` };
  return { ok: true, bytes: bytes.subarray(0, filled), size: stat.size, mtimeMs: stat.mtimeMs };
}
