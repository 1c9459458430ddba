// The repository root, for every test, fixture, harness and bench file (compiled to out/... or run from test/...).
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The first folder above this module that holds package.json and scripts/ (the repository, not out/ or a package). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "scripts"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`docent tests: no repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
