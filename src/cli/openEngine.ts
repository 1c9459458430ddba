// The CLI's way to the engine: flags become engine settings, the index lives in the user's cache
// folder unless --index says otherwise, and model problems fail the command (exit 1) instead of
// falling back as the editor does.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_PIPELINE, type PipelineSettings } from "../shared/pipelineSettings.js";
import type { EngineStatus } from "../shared/protocol.js";
import { Engine } from "../engine/engine.js";
import { DEFAULT_MAX_FILE_BYTES } from "../engine/index/ingest/corpus.js";
import { isRemoteModelReference } from "../engine/model/download/references.js";
import { SERVER_API_KEY_ENV } from "../engine/model/remote/serverBackend.js";
import type { Logger } from "../engine/util/logger.js";
import { UsageError } from "./args.js";
import { modelSettingsFrom, type ModelFlags } from "./modelOptions.js";
import { refuseForeignIndex } from "./outputPaths.js";
import { safeLines, safeText } from "./terminalText.js";

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${safeLines(m)}\n`),
  warn: (m) => process.stderr.write(`warning: ${safeLines(m)}\n`),
  error: (m) => process.stderr.write(`error: ${safeLines(m)}\n`),
};

/** Only warnings and errors: what `index`, `search` and `eval` print about the engine's work. */
const quietLogger: Logger = { ...stderrLogger, info: () => {} };

export async function requireDir(dir: string | undefined, what = "<dir>"): Promise<string> {
  if (!dir) throw new UsageError(`missing ${what}`);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  return path.resolve(dir);
}

/** Docent's folder in the user's cache (XDG_CACHE_HOME, else ~/.cache). */
export function userCacheDir(...parts: string[]): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "docent", ...parts);
}

/**
 * Where the CLI keeps an index when no --index is given: one file per folder and embedding model
 * (a local model by its absolute path, so `./m.gguf` and `/abs/m.gguf` share one index).
 */
export function defaultIndexFile(dir: string | string[], embeddingModel?: string): string {
  const model = embeddingModel && !isRemoteModelReference(embeddingModel) ? path.resolve(embeddingModel) : embeddingModel;
  // One folder keeps the key it always had; several folders share one index, keyed by all of them
  // (NUL cannot occur in a path, so no set of folders collides with another, or with one folder).
  const dirs = (Array.isArray(dir) ? dir : [dir]).map((d) => path.resolve(d));
  const key = createHash("sha1")
    .update(dirs.join("\0") + (model ? `\n${model}` : ""))
    .digest("hex")
    .slice(0, 16);
  return userCacheDir("indexes", `${key}.json`);
}

export interface IndexFlags {
  index?: string;
  include?: string[];
  exclude?: string[];
}

export interface OpenEngineOptions {
  /** Pipeline settings from the command's flags. */
  pipeline?: Partial<PipelineSettings>;
  signal?: AbortSignal;
  /** Log every step (dataset) or only problems (index, search, eval, ask, which prints its own stages). */
  verbose?: boolean;
}

/**
 * Opens the engine on one docs folder (or several, in one index): index loaded or built (and
 * saved), models loaded.
 */
export async function openEngine(dir: string | string[], flags: IndexFlags & ModelFlags, options: OpenEngineOptions = {}): Promise<Engine> {
  const models = modelSettingsFrom(flags);
  if (flags.index) await refuseForeignIndex(path.resolve(flags.index));
  const roots = Array.isArray(dir) ? dir : [dir];
  const engine = new Engine({
    roots,
    // A server's embedding model keys the index by server and model, as a local one by its path.
    indexFile: flags.index
      ? path.resolve(flags.index)
      : defaultIndexFile(
          dir,
          models.server?.embeddingModel ? `${models.server.embeddingUrl || models.server.url}|${models.server.embeddingModel}` : models.embeddingModel,
        ),
    modelsDir: flags["models-dir"] ?? userCacheDir("models"),
    settings: {
      include: flags.include ?? [],
      exclude: flags.exclude ?? [],
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      ...memoryBudget(),
      ...models,
      pipeline: { ...DEFAULT_PIPELINE, ...options.pipeline },
    },
    logger: options.verbose ? stderrLogger : quietLogger,
    events: { status: printDownloadProgress() },
    onFailure: "throw",
    // The key never goes on the command line (shell history, process lists): only the environment.
    serverApiKey: process.env[SERVER_API_KEY_ENV] || undefined,
  });
  try {
    await engine.start(options.signal);
  } catch (err) {
    await engine.dispose();
    throw err;
  }
  return engine;
}

/** The CLI's memory budget for indexing: DOCENT_MEMORY_BUDGET_MB (the editor has docent.index.memoryBudgetMB), else the default. */
export const MEMORY_BUDGET_ENV = "DOCENT_MEMORY_BUDGET_MB";

function memoryBudget(): { memoryBudgetMB?: number } {
  const value = process.env[MEMORY_BUDGET_ENV];
  if (value === undefined || value === "") return {};
  const mb = Number(value);
  if (!Number.isInteger(mb) || mb <= 0) throw new UsageError(`${MEMORY_BUDGET_ENV} must be a positive whole number of MB, got "${value}"`);
  return { memoryBudgetMB: mb };
}

/** Download progress on stderr, one line rewritten in place. */
function printDownloadProgress(): (status: EngineStatus) => void {
  let downloading = false;
  return (status) => {
    if (status.state === "downloading-model") {
      const pct = status.progress === undefined ? "" : `: ${(100 * status.progress).toFixed(0)}%`;
      process.stderr.write(`\r${safeText(status.message ?? "Downloading")}${pct}`);
      downloading = true;
    } else if (downloading) {
      process.stderr.write("\n");
      downloading = false;
    }
  };
}

/** Runs a command on the opened engine and always closes it (models released, pending save done). */
export async function withEngine<T>(engine: Engine, run: (engine: Engine) => Promise<T>): Promise<T> {
  try {
    return await run(engine);
  } finally {
    await engine.dispose();
  }
}
