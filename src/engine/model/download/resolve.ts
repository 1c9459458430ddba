// Entry point: `resolveModelReference` turns a model reference into a local file path (local
// references are checked here, remote ones downloaded by remote.ts).
//
// Model references to local files: a local path is checked and returned; an `hf:` URI or an
// http(s) URL is downloaded into the models folder with node-llama-cpp's downloader (ipull under
// the hood: parallel range requests, resume from a `<file>.ipull` temp file, the final name only
// appears once the download is complete) and then verified here (size, SHA-256).
//
// Plain Node: never imports `vscode`. node-llama-cpp is ESM with top-level await, so it is
// imported lazily and only for remote references.
import { mkdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { withKeyLock } from "./cancellation.js";
import { normaliseSha256, sha256File } from "./checksum.js";
import { isRemoteModelReference, localReferencePath, OTHER_SCHEME } from "./references.js";
import { resolveRemote } from "./fetchModel.js";
import { ModelReferenceError, type ResolveModelOptions } from "./types.js";

/**
 * Resolves a model reference to an absolute local file path.
 *
 * - A local path (absolute, relative to `baseDir`, `~/...`, `file://...`) is returned when it is
 *   an existing file; otherwise a `ModelReferenceError` naming the path is thrown.
 * - `hf:<user>/<repo>/<path/file.gguf>[#branch]`, `hf:<user>/<repo>[:<quant>]` and http(s) URLs
 *   are downloaded into `modelsDir` (or reused from there) and verified: the size must be what the
 *   server announced and, when `expectedSha256` is given or the hub sends an LFS SHA-256
 *   (`x-linked-etag`), the checksum must match. A file that fails is deleted.
 */
export async function resolveModelReference(ref: string, options: ResolveModelOptions): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  const trimmed = ref.trim();
  if (trimmed === "") throw new ModelReferenceError("invalid-reference", "Model reference is empty", ref);
  const expectedSha256 = normaliseSha256(options.expectedSha256, ref);

  if (!isRemoteModelReference(trimmed)) {
    if (OTHER_SCHEME.test(trimmed) && !/^file:\/\//i.test(trimmed)) {
      throw new ModelReferenceError("invalid-reference", `Unsupported model reference "${ref}": use a local path, an hf: URI or an http(s) URL`, ref);
    }
    return resolveLocal(ref, trimmed, options.baseDir, expectedSha256, signal);
  }

  const modelsDir = resolve(options.modelsDir);
  await mkdir(modelsDir, { recursive: true });
  // Two concurrent calls for one file would write the same temp file: serialise them.
  return withKeyLock(`${modelsDir}\0${trimmed}`, signal, () => resolveRemote(ref, trimmed, modelsDir, expectedSha256, options));
}

async function resolveLocal(
  ref: string,
  trimmed: string,
  baseDir: string | undefined,
  expectedSha256: string | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const path = localReferencePath(trimmed, baseDir);
  let info;
  try {
    info = await stat(path);
  } catch {
    // "user/repo/file.gguf" or "user/repo:Q4_K_M" was probably meant for the hub.
    const hint = /^[\w-][\w.-]*\/[\w.-]+(\/\S+\.gguf|:[\w.-]+)$/i.test(trimmed) ? ` (for a Hugging Face model write hf:${trimmed})` : "";
    throw new ModelReferenceError("not-found", `Model file not found: ${path}${hint}`, ref, path);
  }
  if (!info.isFile()) {
    throw new ModelReferenceError("not-a-file", `Model path is not a file: ${path}`, ref, path);
  }
  if (expectedSha256) {
    const actual = await sha256File(path, signal);
    if (actual !== expectedSha256) {
      throw new ModelReferenceError("checksum-mismatch", `Model file ${path}: checksum mismatch, SHA-256 is ${actual}, expected ${expectedSha256}`, ref, path);
    }
  }
  return path;
}
