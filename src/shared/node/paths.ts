// Whether a path lies inside a folder: the one check behind the watcher's root lookup, the
// symlink check of the corpus walk, and the extension's "open only workspace files" rule.
import * as path from "node:path";

/** The path relative to the folder (forward slashes), or undefined when it is the folder itself or outside it. */
export function relativeInside(folder: string, target: string): string | undefined {
  const rel = path.relative(path.resolve(folder), path.resolve(target));
  // Outside means a leading `..` segment: `..notes.md` or a folder `..hidden` is inside.
  if (!rel || rel === ".." || rel.startsWith(".." + path.sep) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join("/");
}
