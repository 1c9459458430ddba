// Finds the documentation files under one or more folders: include/exclude globs,
// .gitignore rules, and the size limit. Reading and decoding happens in the indexer.
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, constants as fsConstants, promises as fs } from "node:fs";
import * as path from "node:path";
import ignore, { type Ignore } from "ignore";
import picomatch from "picomatch";
import { DEFAULT_INCLUDE } from "../../../shared/defaults.js";
import { relativeInside } from "../../../shared/node/paths.js";

export { DEFAULT_INCLUDE };
export const DEFAULT_EXCLUDE = ["**/node_modules/**", "**/.git/**"];
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

/** How many files of a folder are stat'ed at once while listing. */
const STAT_AHEAD = 64;

/** Folders never worth walking into, whatever the globs say. */
const ALWAYS_SKIPPED_DIRS = new Set(["node_modules", ".git"]);

export interface CorpusOptions {
  include?: string[];
  exclude?: string[];
  maxFileBytes?: number;
  /** Honour .gitignore files found while walking (default true). */
  useGitignore?: boolean;
}

export interface CorpusFile {
  /** Absolute path. */
  absPath: string;
  /** The folder it was found under (absolute). */
  root: string;
  /** Path relative to its root, with forward slashes. */
  relPath: string;
  size: number;
  mtimeMs: number;
}

export type SkipReason = "too-large" | "binary" | "unreadable";

export interface SkippedFile {
  absPath: string;
  relPath: string;
  reason: SkipReason;
  detail: string;
}

export interface CorpusListing {
  files: CorpusFile[];
  skipped: SkippedFile[];
}

export class CorpusFilter {
  private readonly isIncluded: (p: string) => boolean;
  private readonly isExcluded: (p: string) => boolean;
  readonly maxFileBytes: number;
  readonly useGitignore: boolean;

  constructor(options: CorpusOptions = {}) {
    const include = options.include?.length ? options.include : DEFAULT_INCLUDE;
    const exclude = [...DEFAULT_EXCLUDE, ...(options.exclude ?? [])];
    this.isIncluded = picomatch(include, { dot: false, nocase: true });
    this.isExcluded = picomatch(exclude, { dot: true });
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.useGitignore = options.useGitignore ?? true;
  }

  /** Whether a path relative to its root is a doc we index (globs only, no .gitignore). */
  matches(relPath: string): boolean {
    return this.isIncluded(relPath) && !this.isExcluded(relPath);
  }

  excludesDir(relDir: string): boolean {
    return this.isExcluded(relDir + "/") || this.isExcluded(relDir + "/x");
  }
}

interface GitignoreScope {
  /** Directory (relative to root) the .gitignore lives in; "" for the root. */
  dir: string;
  rules: Ignore;
}

/** Lists the doc files under the given roots, in a stable (sorted) order. */
export async function listCorpus(roots: string[], options: CorpusOptions = {}): Promise<CorpusListing> {
  const filter = new CorpusFilter(options);
  const listing: CorpusListing = { files: [], skipped: [] };
  for (const root of roots) {
    await walk(path.resolve(root), "", [], filter, listing);
  }
  listing.files.sort((a, b) => (a.absPath < b.absPath ? -1 : a.absPath > b.absPath ? 1 : 0));
  return listing;
}

async function walk(root: string, relDir: string, scopes: GitignoreScope[], filter: CorpusFilter, listing: CorpusListing): Promise<void> {
  const absDir = path.join(root, relDir);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(absDir, { withFileTypes: true });
  } catch (err) {
    listing.skipped.push({ absPath: absDir, relPath: relDir || ".", reason: "unreadable", detail: String((err as Error).message) });
    return;
  }
  if (filter.useGitignore && entries.some((e) => e.isFile() && e.name === ".gitignore")) {
    try {
      const rules = ignore().add(await fs.readFile(path.join(absDir, ".gitignore"), "utf8"));
      scopes = [...scopes, { dir: relDir, rules }];
    } catch {
      // An unreadable .gitignore is treated as absent.
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  // The files' stats run STAT_AHEAD at a time (one after another, each waiting on the thread pool,
  // they were most of a big tree's listing time; all at once, a folder of 50,000 files would hold
  // up every other file-system call). Results are taken in name order: the listing is unchanged.
  const examined = new Array<Promise<{ file?: CorpusFile; skipped?: SkippedFile }> | undefined>(entries.length);
  let started = 0;
  const startUpTo = (end: number) => {
    for (; started < Math.min(end, entries.length); started++) {
      const entry = entries[started]!;
      if (!(entry.isFile() || entry.isSymbolicLink())) continue;
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (!filter.matches(relPath) || isGitIgnored(scopes, relPath, false)) continue;
      examined[started] = examineFile(root, relPath, entry.isSymbolicLink(), filter);
    }
  };
  for (let i = 0; i < entries.length; i++) {
    startUpTo(i + STAT_AHEAD);
    const entry = entries[i]!;
    if (entry.isDirectory()) {
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (ALWAYS_SKIPPED_DIRS.has(entry.name) || filter.excludesDir(relPath)) continue;
      if (isGitIgnored(scopes, relPath, true)) continue;
      await walk(root, relPath, scopes, filter, listing);
      continue;
    }
    const outcome = await examined[i];
    if (outcome?.file) listing.files.push(outcome.file);
    else if (outcome?.skipped) listing.skipped.push(outcome.skipped);
  }
}

/** A listed file, or why it is left out (nothing when it is not a regular file). Never rejects. */
async function examineFile(root: string, relPath: string, isLink: boolean, filter: CorpusFilter): Promise<{ file?: CorpusFile; skipped?: SkippedFile }> {
  const absPath = path.join(root, relPath);
  let stat: import("node:fs").Stats;
  try {
    stat = await fs.stat(absPath);
  } catch (err) {
    return { skipped: { absPath, relPath, reason: "unreadable", detail: (err as Error).message } };
  }
  if (!stat.isFile()) return {};
  // A link that leads out of the folder (say, to ~/.aws/credentials) is not the docs.
  if (isLink && !(await linkStaysInside(root, absPath))) {
    return { skipped: { absPath, relPath, reason: "unreadable", detail: "a symbolic link to a file outside the folder" } };
  }
  if (stat.size > filter.maxFileBytes) {
    return {
      skipped: {
        absPath,
        relPath,
        reason: "too-large",
        detail: `${formatBytes(stat.size)} is over the ${formatBytes(filter.maxFileBytes)} limit`,
      },
    };
  }
  return { file: { absPath, root, relPath, size: stat.size, mtimeMs: stat.mtimeMs } };
}

function isGitIgnored(scopes: GitignoreScope[], relPath: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const inner = scope.dir ? relPath.slice(scope.dir.length + 1) : relPath;
    if (scope.rules.ignores(isDir ? inner + "/" : inner)) return true;
  }
  return false;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Whether one file is left out by the .gitignore files between its root and its folder (the
 * watcher's single-file path; a full walk applies the same rules as it goes).
 */
export async function isGitIgnoredFile(root: string, relPath: string): Promise<boolean> {
  const parts = relPath.split("/");
  const scopes: GitignoreScope[] = [];
  for (let depth = 0; depth < parts.length; depth++) {
    const dir = parts.slice(0, depth).join("/");
    try {
      const text = await fs.readFile(path.join(root, dir, ".gitignore"), "utf8");
      scopes.push({ dir, rules: ignore().add(text) });
    } catch {
      // No .gitignore at this level.
    }
    if (depth > 0 && isGitIgnored(scopes, dir, true)) return true;
  }
  return isGitIgnored(scopes, relPath, false);
}

/** Whether a path, once links are resolved, still lies inside the root (resolved too). */
export async function linkStaysInside(root: string, absPath: string): Promise<boolean> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(absPath)]);
    return relativeInside(realRoot, real) !== undefined;
  } catch {
    return false;
  }
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
