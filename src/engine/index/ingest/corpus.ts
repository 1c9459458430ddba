// Finds the documentation files under one or more folders: include/exclude globs,
// .gitignore rules, and the size limit. Reading and decoding happens in the indexer.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import picomatch from "picomatch";
import { DEFAULT_INCLUDE } from "../../../shared/defaults.js";
import { relativeInside } from "../../../shared/node/paths.js";
import { formatBytes, readDocFile, readDocFileSync, type DocFileRead, type SkipReason } from "./docFile.js";
import { decodeText, looksBinary } from "./fileText.js";
import { GitignoreRules } from "./gitignore.js";

export { formatBytes, readDocFile, readDocFileSync, type DocFileRead, type DocFileReadOptions, type SkipReason } from "./docFile.js";

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
  rules: GitignoreRules;
}

/** Lists the doc files under the given roots, in a stable (sorted) order. */
export async function listCorpus(roots: string[], options: CorpusOptions = {}): Promise<CorpusListing> {
  const filter = new CorpusFilter(options);
  const listing: CorpusListing = { files: [], skipped: [] };
  for (const root of roots) {
    await walk(path.resolve(root), "", filter.useGitignore ? await infoExcludeScopes(path.resolve(root)) : [], filter, listing);
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
    const detail = relDir.includes("\uFFFD") ? NOT_UTF8_NAME : String((err as Error).message);
    listing.skipped.push({ absPath: absDir, relPath: relDir || ".", reason: "unreadable", detail });
    return;
  }
  if (filter.useGitignore && entries.some((e) => e.isFile() && e.name === ".gitignore")) {
    const rules = await readGitignore(root, relDir);
    if (rules) scopes = [...scopes, { dir: relDir, rules }];
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

/** Why a file or folder whose name has bytes that are not UTF-8 (Latin-1, say) is skipped: readdir gives its name with U+FFFD in it, which names no file. */
const NOT_UTF8_NAME = "its name is not valid UTF-8 (Docent reads only UTF-8 file names)";

/** A listed file, or why it is left out (nothing when it is not a regular file). Never rejects. */
async function examineFile(root: string, relPath: string, isLink: boolean, filter: CorpusFilter): Promise<{ file?: CorpusFile; skipped?: SkippedFile }> {
  const absPath = path.join(root, relPath);
  let stat: import("node:fs").Stats;
  try {
    stat = await fs.stat(absPath);
  } catch (err) {
    // A name that is not UTF-8 (Latin-1 bytes) comes back from readdir with U+FFFD in it, a name no file has.
    const detail = relPath.includes("\uFFFD") ? NOT_UTF8_NAME : (err as Error).message;
    return { skipped: { absPath, relPath, reason: "unreadable", detail } };
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

/** A .gitignore larger than this is treated as absent (git has no limit; ours bounds the rules tested per file). */
export const MAX_GITIGNORE_BYTES = 1024 * 1024;

/**
 * The rules of the .gitignore in a folder (relative to the root), read as docs are (a FIFO, a link
 * out of the folder or a huge file is not read); undefined when there is none or it cannot be read.
 */
async function readGitignore(root: string, relDir: string): Promise<GitignoreRules | undefined> {
  const text = ignoreFileText(await readDocFile(root, path.join(root, relDir, ".gitignore"), MAX_GITIGNORE_BYTES));
  return text === undefined ? undefined : new GitignoreRules(text);
}

/** An ignore file's text as read by the docs reader, or undefined when it is absent, unreadable or binary. */
function ignoreFileText(read: DocFileRead): string | undefined {
  return read.ok && !looksBinary(read.bytes) ? decodeText(read.bytes).text : undefined;
}

const infoExcludePath = (root: string) => path.join(root, ".git", "info", "exclude");

/**
 * Whether a path relative to the root is git-ignored: it or a folder above it is, by the
 * .gitignore files between the root and it, a deeper file's rules overriding a shallower one's (as
 * git: a file's own folder may re-include what the root's .gitignore leaves out, but nothing inside
 * an ignored folder comes back).
 */
function isGitIgnored(scopes: GitignoreScope[], relPath: string, isDir: boolean): boolean {
  if (!scopes.length) return false;
  const parts = relPath.split("/");
  for (let depth = 1; depth <= parts.length; depth++) {
    const sub = depth === parts.length ? relPath : parts.slice(0, depth).join("/");
    if (verdictOf(scopes, sub, depth < parts.length || isDir)) return true;
  }
  return false;
}

function verdictOf(scopes: GitignoreScope[], relPath: string, isDir: boolean): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const { dir, rules } = scopes[i]!;
    if (dir && !relPath.startsWith(dir + "/")) continue;
    const verdict = rules.match(dir ? relPath.slice(dir.length + 1) : relPath, isDir);
    if (verdict !== undefined) return verdict;
  }
  return false;
}

/**
 * Whether one file is left out by the .gitignore files between its root and its folder (the
 * watcher's single-file path; a full walk applies the same rules as it goes).
 */
export async function isGitIgnoredFile(root: string, relPath: string): Promise<boolean> {
  const parts = relPath.split("/");
  const scopes: GitignoreScope[] = await infoExcludeScopes(root);
  for (let depth = 0; depth < parts.length; depth++) {
    const dir = parts.slice(0, depth).join("/");
    const rules = await readGitignore(root, dir);
    if (rules) scopes.push({ dir, rules });
    if (depth > 0 && isGitIgnored(scopes, dir, true)) return true;
  }
  return isGitIgnored(scopes, relPath, false);
}

/** The repository's own exclude file (`.git/info/exclude`, as git reads it) when the root is a repository's top. */
async function infoExcludeScopes(root: string): Promise<GitignoreScope[]> {
  const text = ignoreFileText(await readDocFile(root, infoExcludePath(root), MAX_GITIGNORE_BYTES));
  return text === undefined ? [] : [{ dir: "", rules: new GitignoreRules(text) }];
}

/**
 * The listing's rules for one path at a time, synchronously (a watcher's filter asks before it
 * watches a folder or a file): the include and exclude globs, the folders never walked, and the
 * .gitignore files (and `.git/info/exclude`) between the root and the path, each read once.
 */
export class DocsPathRules {
  private readonly filter: CorpusFilter;
  private readonly scopes = new Map<string, GitignoreScope | undefined>();

  constructor(
    readonly root: string,
    options: CorpusOptions = {},
  ) {
    this.filter = new CorpusFilter(options);
  }

  /** Whether a folder (relative to the root, "" for the root) is left out, with all it holds. */
  ignoresDir(relDir: string): boolean {
    if (!relDir) return false;
    const parts = relDir.split("/");
    for (let depth = 1; depth <= parts.length; depth++) {
      const dir = parts.slice(0, depth).join("/");
      if (ALWAYS_SKIPPED_DIRS.has(parts[depth - 1]!) || this.filter.excludesDir(dir) || this.gitIgnored(dir, true)) return true;
    }
    return false;
  }

  /** Whether a file (relative to the root) is not a doc of the index, by the globs and ignore files. */
  ignoresFile(relPath: string): boolean {
    const slash = relPath.lastIndexOf("/");
    return !this.filter.matches(relPath) || (slash > 0 && this.ignoresDir(relPath.slice(0, slash))) || this.gitIgnored(relPath, false);
  }

  /** A .gitignore changed: it is read again when next needed. */
  forget(relDir: string): void {
    this.scopes.delete(relDir);
  }

  private gitIgnored(relPath: string, isDir: boolean): boolean {
    if (!this.filter.useGitignore) return false;
    const parts = relPath.split("/");
    const scopes: GitignoreScope[] = [];
    for (let depth = 0; depth < parts.length; depth++) {
      const scope = this.scope(parts.slice(0, depth).join("/"));
      if (scope) scopes.push(scope);
    }
    return isGitIgnored(scopes, relPath, isDir);
  }

  private scope(relDir: string): GitignoreScope | undefined {
    if (this.scopes.has(relDir)) return this.scopes.get(relDir);
    // The repository's exclude file first: a .gitignore's rules, read after it, take precedence (as in git).
    const files = [...(relDir ? [] : [infoExcludePath(this.root)]), path.join(this.root, relDir, ".gitignore")];
    const texts = files.map((file) => ignoreFileText(readDocFileSync(this.root, file, MAX_GITIGNORE_BYTES))).filter((t) => t !== undefined);
    const scope = texts.length ? { dir: relDir, rules: new GitignoreRules(texts.join("\n")) } : undefined;
    this.scopes.set(relDir, scope);
    return scope;
  }
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
