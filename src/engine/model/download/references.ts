// Model reference parsing: which references are remote (`hf:`/`huggingface:` URIs, http(s)
// URLs), and the absolute path a local one (`~/`, `file:`, relative) points at.
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HF_PREFIX = /^(hf|huggingface):/i;
export const HTTP_PREFIX = /^https?:\/\//i;
/** A URL scheme of two letters or more ("C:\..." is a Windows path, not a scheme). */
export const OTHER_SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;

/** True for references that are downloaded (`hf:`/`huggingface:` URIs and http(s) URLs). */
export function isRemoteModelReference(ref: string): boolean {
  const trimmed = ref.trim();
  return HF_PREFIX.test(trimmed) || HTTP_PREFIX.test(trimmed);
}

/** The absolute path a local reference points at (`~/`, `file:` URLs and relative paths handled). */
export function localReferencePath(ref: string, baseDir: string = process.cwd()): string {
  const trimmed = ref.trim();
  if (/^file:\/\//i.test(trimmed)) return fileURLToPath(trimmed);
  if (trimmed === "~") return homedir();
  if (trimmed.startsWith("~/") || trimmed.startsWith("~\\")) return join(homedir(), trimmed.slice(2));
  return isAbsolute(trimmed) ? resolve(trimmed) : resolve(baseDir, trimmed);
}
