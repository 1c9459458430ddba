/**
 * The model probe: a model file Docent has not loaded before is first loaded in a short-lived
 * child process (loadProbeChild.ts, bundled as dist/modelProbe.js), with the settings Docent will use.
 *
 * llama.cpp has many more asserts than the GGUF validator can list, and an assert aborts the
 * whole process (SIGABRT). In the child, an abort only ends the child, and becomes a
 * `ModelProbeError` naming the file. The child also renders the chat template once, so that a
 * template that loops for long is caught here (the parent kills the child after
 * `templateTimeoutMs`) and ChatModel falls back to a wrapper that does not render it.
 *
 * Results are cached by a fingerprint of the file (see `modelFingerprint`) and the settings that
 * change what llama.cpp does, in a small JSON file (`cacheFile`; the engine keeps it in its
 * models folder), and in memory for the life of the process.
 */
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../../util/atomicFile.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import type { GpuSetting } from "./gpuSetting.js";

export interface ProbeRequest {
  kind: "chat" | "embedding";
  path: string;
  lora: { path: string; scale: number }[];
  gpu: GpuSetting;
  threads: number;
  contextSize?: number;
  /** Render the chat template (chat models with a Jinja template). */
  checkTemplate: boolean;
}

export type ProbeStep = "model" | "context" | "lora" | "evaluate" | "template";

export type ProbeMessage =
  { step: ProbeStep } | { step: "done"; template?: { ok: boolean; ms: number; wrapper?: string; error?: string } } | { step: "error"; error: string };

export interface ProbeResult {
  /** "ok": rendering the template took under the limit; "slow"/"error": do not render it. */
  template: "ok" | "slow" | "error" | "none";
  /** The detail of a "slow" or "error" template. */
  templateDetail?: string;
  /** True when the result came from the cache, not a child process. */
  cached: boolean;
  ms: number;
}

export interface ProbeOptions {
  /** The JSON cache of files that loaded; none: only the in-memory cache. */
  cacheFile?: string;
  /** Limit for the template rendering in the child (default 3 s). */
  templateTimeoutMs?: number;
  /** Limit for the whole probe (default 10 minutes: a large model on a slow disk). */
  timeoutMs?: number;
  logger?: Logger;
  /** The child script; default: modelProbe.js beside the bundle, or loadProbeChild.js beside this module. */
  script?: string;
}

/** llama.cpp aborted, exited or failed while loading the file: the message names it. */
export class ModelProbeError extends Error {
  override readonly name = "ModelProbeError";
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly signal?: NodeJS.Signals,
    readonly exitCode?: number,
  ) {
    super(`llama.cpp could not load ${path}: ${problem}`);
  }
}

export const DEFAULT_TEMPLATE_TIMEOUT_MS = 3000;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const CACHE_VERSION = 1;
/** Bytes hashed from the start of the file: the header (metadata, tensor table) is within. */
const HEAD_BYTES = 32 << 20;
const SAMPLES = 16;
const SAMPLE_BYTES = 64 << 10;

const memory = new Map<string, ProbeResult>();

/**
 * A cheap fingerprint of a model file: its size, a SHA-256 of its first 32 MB (where the header
 * lives: every key and tensor shape llama.cpp asserts on) and of 16 samples of 64 KB spread over
 * the rest. About 35 MB of reads for any model size (tens of ms warm), where a full SHA-256 of a
 * 4 GB model takes seconds. The modification time is left out, so a copy of a probed file is
 * not probed again.
 */
export async function modelFingerprint(file: string): Promise<string> {
  const fh = await fs.open(file, "r");
  try {
    const { size } = await fh.stat();
    const hash = createHash("sha256").update(`size:${size}\n`);
    const read = async (position: number, length: number): Promise<void> => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      hash.update(buf.subarray(0, got));
    };
    const head = Math.min(size, HEAD_BYTES);
    for (let pos = 0; pos < head; pos += 4 << 20) await read(pos, Math.min(4 << 20, head - pos));
    if (size > head) {
      const rest = size - head;
      for (let i = 0; i < SAMPLES; i++) {
        const pos = head + Math.floor((rest * i) / SAMPLES);
        await read(pos, Math.min(SAMPLE_BYTES, size - pos));
      }
    }
    return hash.digest("hex");
  } finally {
    await fh.close();
  }
}

/**
 * node-llama-cpp's version: a new llama.cpp can assert on what the old one loaded, so a probe
 * passed under one version is not trusted under another.
 */
function llamaCppPackageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve("node-llama-cpp"));
    for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
      const pkg = path.join(dir, "package.json");
      if (existsSync(pkg)) return (require(pkg) as { version?: string }).version ?? "unknown";
    }
  } catch {
    // Not resolvable (an unusual install): the key says so, and the probe runs again if it changes.
  }
  return "unknown";
}

async function cacheKey(request: ProbeRequest): Promise<string> {
  const parts = [
    `v${CACHE_VERSION}`,
    `node-llama-cpp:${llamaCppPackageVersion()}`,
    request.kind,
    await modelFingerprint(request.path),
    ...(await Promise.all(request.lora.map(async (a) => `lora:${await modelFingerprint(a.path)}:${a.scale}`))),
    `gpu:${request.gpu}`,
    `ctx:${request.contextSize ?? "default"}`,
    `template:${request.checkTemplate}`,
  ];
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

interface CacheFile {
  version: number;
  entries: Record<string, { file: string; template: ProbeResult["template"]; templateDetail?: string; at: string }>;
}

async function readCache(file: string): Promise<CacheFile> {
  try {
    const data = JSON.parse(await fs.readFile(file, "utf8")) as CacheFile;
    if (data?.version === CACHE_VERSION && typeof data.entries === "object" && data.entries !== null) return data;
  } catch {
    // missing or unreadable: start afresh
  }
  return { version: CACHE_VERSION, entries: {} };
}

async function writeCache(file: string, key: string, request: ProbeRequest, result: ProbeResult): Promise<void> {
  const data = await readCache(file);
  data.entries[key] = {
    file: request.path,
    template: result.template,
    ...(result.templateDetail !== undefined ? { templateDetail: result.templateDetail } : {}),
    at: new Date().toISOString(),
  };
  await writeFileAtomic(file, JSON.stringify(data, null, 1));
}

/** The child script: dist/modelProbe.js beside the bundle that runs this, or loadProbeChild.js beside this module. */
export function probeScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const name of ["modelProbe.js", "loadProbeChild.js"]) {
    const candidate = path.join(here, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the model probe script (modelProbe.js) is missing beside ${here}`);
}

/**
 * Loads the model of `request` in a child process unless the same file and settings loaded
 * before. Throws `ModelProbeError` when llama.cpp aborts or fails there.
 */
export async function probeModel(request: ProbeRequest, options: ProbeOptions = {}): Promise<ProbeResult> {
  const logger = options.logger ?? silentLogger;
  const started = performance.now();
  const key = await cacheKey(request);
  const remembered = memory.get(key);
  if (remembered) return { ...remembered, cached: true, ms: performance.now() - started };
  if (options.cacheFile) {
    const entry = (await readCache(options.cacheFile)).entries[key];
    if (entry) {
      const result: ProbeResult = {
        template: entry.template,
        ...(entry.templateDetail !== undefined ? { templateDetail: entry.templateDetail } : {}),
        cached: true,
        ms: performance.now() - started,
      };
      memory.set(key, result);
      return result;
    }
  }
  logger.info(`Checking that llama.cpp loads ${request.path} (in a separate process, once per file)`);
  const result = await runChild(request, options);
  result.ms = performance.now() - started;
  memory.set(key, result);
  // A "slow" template may only have met a busy machine: it is not written down for good, so the
  // next start of the engine checks it again.
  if (options.cacheFile && result.template !== "slow") {
    await writeCache(options.cacheFile, key, request, result).catch((err: unknown) =>
      logger.warn(`Could not save the model probe cache ${options.cacheFile}: ${(err as Error).message}`),
    );
  }
  logger.info(
    `llama.cpp loads ${request.path} (checked in ${result.ms.toFixed(0)} ms${result.template !== "ok" && result.template !== "none" ? `; chat template ${result.template}` : ""})`,
  );
  return result;
}

function runChild(request: ProbeRequest, options: ProbeOptions): Promise<ProbeResult> {
  const templateTimeoutMs = options.templateTimeoutMs ?? DEFAULT_TEMPLATE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = fork(options.script ?? probeScript(), [], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
      // Not the parent's flags: a debugged engine (--inspect=6019) would give the child the same port.
      execArgv: [],
    });
    // A probe never outlives the process that asked for it (a closed window, an engine restart).
    const killChild = () => child.kill("SIGKILL");
    process.once("exit", killChild);
    child.once("exit", () => process.off("exit", killChild));
    let step: ProbeStep = "model";
    let done: ProbeResult | undefined;
    let failure: string | undefined;
    let stderr = "";
    let settled = false;
    let templateTimer: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => {
      failure = `it did not finish within ${((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000).toFixed(0)} s (${describeStep(step, request)})`;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    overall.unref();
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    child.on("message", (message: ProbeMessage) => {
      if (message.step === "error") {
        failure = message.error;
      } else if (message.step === "done") {
        clearTimeout(templateTimer);
        const t = message.template;
        done = {
          template: !t ? "none" : t.ok ? (t.ms > templateTimeoutMs ? "slow" : "ok") : "error",
          ...(t && !t.ok ? { templateDetail: t.error } : t && t.ms > templateTimeoutMs ? { templateDetail: `rendering took ${t.ms.toFixed(0)} ms` } : {}),
          cached: false,
          ms: 0,
        };
      } else {
        step = message.step;
        if (step === "template") {
          templateTimer = setTimeout(() => {
            // The model loaded; only the template is slow: ChatModel does without it.
            done = { template: "slow", templateDetail: `rendering a test conversation took over ${templateTimeoutMs} ms`, cached: false, ms: 0 };
            child.kill("SIGKILL");
          }, templateTimeoutMs);
        }
      }
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(templateTimer);
      if (done) return resolve(done);
      const detail = lastLines(stderr);
      if (failure !== undefined) {
        return reject(new ModelProbeError(request.path, `${failure}${detail ? ` (${detail})` : ""}`, signal ?? undefined, code ?? undefined));
      }
      const how = signal ? `it ${signal === "SIGABRT" ? "aborted" : "was killed"} (${signal})` : `it exited with code ${code}`;
      reject(
        new ModelProbeError(
          request.path,
          `${how} ${describeStep(step, request)}; the file is probably malformed or made for another llama.cpp version${detail ? `. llama.cpp said: ${detail}` : ""}`,
          signal ?? undefined,
          code ?? undefined,
        ),
      );
    };
    child.on("exit", finish);
    child.on("error", (err) => {
      failure = `the probe process failed: ${err.message}`;
      finish(null, null);
      child.kill("SIGKILL");
    });
    child.send(request);
  });
}

function describeStep(step: ProbeStep, request: ProbeRequest): string {
  switch (step) {
    case "model":
      return "while loading the model";
    case "context":
      return request.kind === "embedding" ? "while creating the embedding context" : "while creating the context";
    case "lora":
      return `while applying the LoRA adapter${request.lora.length > 1 ? "s" : ""} ${request.lora.map((a) => a.path).join(", ")}`;
    case "evaluate":
      return "while evaluating a first text";
    case "template":
      return "while rendering the chat template";
  }
}

/** The last lines llama.cpp wrote to stderr (its assert message), shortened. */
function lastLines(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^(#\d|\[New LWP|libggml|\/lib|.*\.so)/.test(l));
  const assertLine = lines.find((l) => /GGML_ASSERT|error|failed/i.test(l));
  const out = assertLine ?? lines.at(-1) ?? "";
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}
