// CUDA without a terminal: node-llama-cpp's CUDA binaries (`@node-llama-cpp/<platform>-cuda`,
// 180 MB, and `-cuda-ext`, 360 MB, with the CUDA runtime for machines that lack it) are too big to
// ship in every .vsix, so "Docent: Enable CUDA" fetches them on request from the npm registry into
// the extension's global storage, and the engine process makes node-llama-cpp find them there.
//
// How node-llama-cpp finds a prebuilt binary (node_modules/node-llama-cpp/dist/bindings/utils/
// compileLLamaCpp.js, getPrebuiltBinariesPackageDirectoryForBuildOptions): for each GPU type it
// tries, it runs `import("@node-llama-cpp/linux-x64-cuda")` (a bare specifier, resolved from its
// own folder upwards), calls the module's getBinsDir() and uses the binary only when the package
// version equals its own. A folder in global storage is no ancestor of the extension's
// node_modules, so the engine registers a module resolve hook (node:module register, Node >= 20.6)
// that maps exactly those package names to the copies in storage. The package's own index.js then
// reports its bins folder in storage, and node-llama-cpp's version check still applies.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { createGunzip } from "node:zlib";
import { downloadResumable, type ResumableDownloadOptions } from "../download/resumableDownload.js";
import { extractTar } from "./gpuPackageTar.js";
import { pipeline } from "node:stream/promises";

/** The folder in global storage that holds the fetched packages as a node_modules tree. */
export function gpuPackagesRoot(storageDir: string): string {
  return path.join(storageDir, "gpu-packages", "node_modules");
}

/** The CUDA packages of node-llama-cpp for a platform; undefined where there is no CUDA build. */
export function cudaPackageNames(platform: NodeJS.Platform = process.platform, arch: string = process.arch): { binary: string; runtime: string } | undefined {
  if (arch !== "x64") return undefined;
  if (platform === "linux") return { binary: "@node-llama-cpp/linux-x64-cuda", runtime: "@node-llama-cpp/linux-x64-cuda-ext" };
  if (platform === "win32") return { binary: "@node-llama-cpp/win-x64-cuda", runtime: "@node-llama-cpp/win-x64-cuda-ext" };
  return undefined;
}

/**
 * Whether the CUDA runtime libraries (cudart and cuBLAS) are installed system-wide, the way
 * node-llama-cpp checks it. Without them the `-cuda-ext` package, which carries them, is needed too.
 */
export async function hasSystemCudaRuntime(platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === "linux") {
    const dirs = [
      ...(process.env.LD_LIBRARY_PATH ?? "").split(":"),
      process.env.CUDA_PATH && path.join(process.env.CUDA_PATH, "lib64"),
      "/usr/lib",
      "/usr/lib64",
      "/usr/lib/x86_64-linux-gnu",
      "/usr/local/cuda/lib64",
      "/usr/local/cuda/targets/x86_64-linux/lib",
    ].filter((d): d is string => Boolean(d));
    return (await anyFile(dirs, /^libcudart\.so(\.\d+)*$/)) && (await anyFile(dirs, /^libcublas\.so(\.\d+)*$/));
  }
  if (platform === "win32") {
    const dirs = [...(process.env.PATH ?? "").split(";"), process.env.CUDA_PATH && path.join(process.env.CUDA_PATH, "bin")].filter((d): d is string =>
      Boolean(d),
    );
    return (await anyFile(dirs, /^cudart64_\d+\.dll$/i)) && (await anyFile(dirs, /^cublas64_\d+\.dll$/i));
  }
  return false;
}

async function anyFile(dirs: string[], name: RegExp): Promise<boolean> {
  for (const dir of dirs) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    if (names.some((n) => name.test(n))) return true;
  }
  return false;
}

export interface InstalledGpuPackage {
  name: string;
  version: string;
  /** The package folder. */
  dir: string;
  /** Its entry module, what `import(name)` must resolve to. */
  entry: string;
}

/** The fetched packages in storage whose version is `version` (node-llama-cpp's: others are ignored by it). */
export async function installedGpuPackages(storageDir: string, version: string): Promise<InstalledGpuPackage[]> {
  const scope = path.join(gpuPackagesRoot(storageDir), "@node-llama-cpp");
  const found: InstalledGpuPackage[] = [];
  for (const entry of await fs.readdir(scope).catch(() => [] as string[])) {
    if (entry.includes(".partial")) continue;
    const dir = path.join(scope, entry);
    try {
      const manifest = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string; main?: string };
      const entryFile = path.join(dir, manifest.main ?? "dist/index.js");
      if (manifest.name === `@node-llama-cpp/${entry}` && manifest.version === version && existsSync(entryFile)) {
        found.push({ name: manifest.name, version, dir, entry: entryFile });
      }
    } catch {
      // Not a complete package: ignored (a later Enable CUDA replaces it).
    }
  }
  return found;
}

let registered: Map<string, string> | undefined;

/**
 * Makes `import("<package name>")` anywhere in this process resolve to the copies in storage.
 * Call it before node-llama-cpp first looks for a binary. Only the given names are mapped; every
 * other import resolves as usual. Returns the names mapped (again on a second call: the first
 * mapping stays, as module resolution results are cached anyway).
 */
export async function registerGpuPackages(packages: InstalledGpuPackage[]): Promise<string[]> {
  if (packages.length === 0) return [];
  if (registered) return [...registered.keys()];
  const moduleApi = (await import("node:module")) as { register?: (specifier: string, options?: { data?: unknown }) => void };
  if (typeof moduleApi.register !== "function")
    throw new Error(`This Node.js (${process.version}) cannot register module hooks; CUDA from storage needs Node 20.6 or later`);
  registered = new Map(packages.map((p) => [p.name, pathToFileURL(p.entry).href]));
  moduleApi.register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, { data: { map: Object.fromEntries(registered) } });
  return [...registered.keys()];
}

/** The resolve hook, run by Node on its hooks thread: a fixed table of package name → file URL. */
const RESOLVE_HOOK = `
let map = {};
export function initialize(data) { map = data?.map ?? {}; }
export async function resolve(specifier, context, next) {
  const url = Object.hasOwn(map, specifier) ? map[specifier] : undefined;
  if (url) return { url, format: "module", shortCircuit: true };
  return next(specifier, context);
}`;

// ------------------------------------------------------------------ fetching from the registry

/**
 * The npm registry to use: npm's own configuration when it can be read (the environment, then the
 * user's ~/.npmrc), else registry.npmjs.org. Always ends with "/".
 */
export async function npmRegistry(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): Promise<string> {
  let registry = env.npm_config_registry || env.NPM_CONFIG_REGISTRY;
  if (!registry) {
    const npmrc = await fs.readFile(path.join(home, ".npmrc"), "utf8").catch(() => "");
    registry = /^\s*registry\s*=\s*(\S+)\s*$/m.exec(npmrc)?.[1];
  }
  registry = registry || "https://registry.npmjs.org/";
  return registry.endsWith("/") ? registry : `${registry}/`;
}

export interface PackageDist {
  tarball: string;
  /** Subresource integrity, e.g. "sha512-…". */
  integrity: string;
  unpackedSize?: number;
}

/** One version's metadata from the registry: where its tarball is and its integrity. */
export async function fetchPackageDist(registry: string, name: string, version: string, signal?: AbortSignal): Promise<PackageDist> {
  const url = `${registry}${name.replace("/", "%2f")}/${encodeURIComponent(version)}`;
  const res = await fetch(url, { signal, headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`The npm registry (${registry}) has no ${name}@${version}: HTTP ${res.status}`);
  const body = (await res.json()) as { name?: string; version?: string; dist?: Partial<PackageDist> };
  if (body.name !== name || body.version !== version) throw new Error(`The npm registry answered for ${body.name}@${body.version}, not ${name}@${version}`);
  if (!body.dist?.tarball) throw new Error(`${name}@${version}: the registry gives no tarball`);
  if (!body.dist.integrity?.startsWith("sha512-"))
    throw new Error(`${name}@${version}: the registry gives no sha512 integrity, so the download cannot be checked`);
  return { tarball: body.dist.tarball, integrity: body.dist.integrity, unpackedSize: body.dist.unpackedSize };
}

export interface FetchProgress {
  name: string;
  receivedBytes: number;
  totalBytes?: number;
}

/**
 * Downloads a file (resuming after a dropped connection, retrying a stalled one: see
 * resumableDownload.ts), then checks its sha512 against the SRI; throws (and deletes it) when they differ.
 */
export async function downloadVerified(
  url: string,
  integrity: string,
  file: string,
  options: { name: string; signal?: AbortSignal; onProgress?: (p: FetchProgress) => void; download?: DownloadTuning },
): Promise<void> {
  const expected = integrity.startsWith("sha512-") ? integrity.slice("sha512-".length) : undefined;
  if (!expected) throw new Error(`${options.name}: only sha512 integrity is accepted, got "${integrity.slice(0, 20)}"`);
  try {
    await downloadResumable(url, file, {
      ...options.download,
      name: options.name,
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ name: options.name, ...p }),
    });
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
  // Hashed from the file, which a resumed download wrote in pieces.
  const hash = createHash("sha512");
  await pipeline(createReadStream(file), hash);
  const actual = hash.digest("base64");
  if (actual !== expected) {
    await fs.rm(file, { force: true });
    throw new Error(`${options.name}: integrity check failed (the download's sha512 is not the registry's); nothing was installed`);
  }
}

/** The downloader's stall timeout and retry behaviour (tests shorten them; the log hears of each resume). */
export type DownloadTuning = Pick<ResumableDownloadOptions, "stallTimeoutMs" | "maxTriesWithoutProgress" | "retryDelayMs" | "onRetry">;

export interface InstallOptions {
  storageDir: string;
  name: string;
  version: string;
  registry?: string;
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  download?: DownloadTuning;
}

/**
 * Fetches one package version from the registry, checks its integrity and unpacks it into
 * storage, replacing an older copy only once the new one is complete.
 */
export async function installGpuPackage(options: InstallOptions): Promise<InstalledGpuPackage> {
  const { storageDir, name, version, signal } = options;
  if (!/^@node-llama-cpp\/[a-z0-9-]+$/.test(name)) throw new Error(`Not a node-llama-cpp binary package: ${name}`);
  const registry = options.registry ?? (await npmRegistry());
  const dist = await fetchPackageDist(registry, name, version, signal);
  const root = gpuPackagesRoot(storageDir);
  const finalDir = path.join(root, name);
  const work = `${finalDir}.partial-${process.pid}-${Date.now()}`;
  await fs.mkdir(work, { recursive: true });
  const tarball = path.join(work, "package.tgz");
  const unpacked = path.join(work, "package");
  try {
    await downloadVerified(dist.tarball, dist.integrity, tarball, { name, signal, onProgress: options.onProgress, download: options.download });
    signal?.throwIfAborted();
    await extractTar(createReadStream(tarball).pipe(createGunzip()), unpacked, { stripPrefix: "package/" });
    const manifest = JSON.parse(await fs.readFile(path.join(unpacked, "package.json"), "utf8")) as { name?: string; version?: string };
    if (manifest.name !== name || manifest.version !== version) throw new Error(`${name}: the tarball holds ${manifest.name}@${manifest.version}`);
    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.rename(unpacked, finalDir);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const installed = (await installedGpuPackages(storageDir, version)).find((p) => p.name === name);
  if (!installed) throw new Error(`${name}@${version} was unpacked but is not usable (no entry module)`);
  return installed;
}

/** Removes the fetched packages (Disable CUDA); returns whether there were any. */
export async function removeGpuPackages(storageDir: string): Promise<boolean> {
  const dir = path.dirname(gpuPackagesRoot(storageDir));
  const had = existsSync(dir);
  await fs.rm(dir, { recursive: true, force: true });
  return had;
}
