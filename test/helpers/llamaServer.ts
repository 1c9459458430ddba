// A real llama.cpp `llama-server` for tests and benches, built by scripts/build-llama-server.sh
// from the llama.cpp source node-llama-cpp ships, started on 127.0.0.1 on a free port. Outside CI
// a missing binary skips the tests that need it (with the reason printed); with CI=true it fails.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./repoRoot.js";

/** Where install-test-deps.sh puts its tools (outside the clone). */
export function testToolsDir(): string {
  return process.env.DOCENT_TOOLS_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "docent", "test-tools");
}

/**
 * The llama-server binary: $DOCENT_LLAMA_SERVER, else the build for the llama.cpp release that
 * node-llama-cpp pins (the newest finished build of it, when several commits were built).
 */
export function findLlamaServer(): string | undefined {
  const fromEnv = process.env.DOCENT_LLAMA_SERVER;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  let tag = "unknown";
  try {
    tag = String((JSON.parse(readFileSync(path.join(repoRoot(), "node_modules/node-llama-cpp/llama/llama.cpp.info.json"), "utf8")) as { tag?: string }).tag);
  } catch {
    // no node-llama-cpp: no tag to match
  }
  const base = path.join(testToolsDir(), "llama-server");
  if (!existsSync(base)) return undefined;
  const builds = readdirSync(base)
    .filter((d) => d.startsWith(`${tag}-`) && existsSync(path.join(base, d, ".docent-built")) && existsSync(path.join(base, d, "bin", "llama-server")))
    .map((d) => ({ bin: path.join(base, d, "bin", "llama-server"), at: statSync(path.join(base, d, ".docent-built")).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  return builds[0]?.bin;
}

/** The binary, or a reason to skip: with CI=true a missing server is an error, never a skip. */
export function llamaServerOrSkip(): { bin: string; skip?: undefined } | { bin?: undefined; skip: string } {
  const bin = findLlamaServer();
  if (bin) return { bin };
  const reason = `llama-server not built (run scripts/install-test-deps.sh, or set DOCENT_LLAMA_SERVER); looked in ${path.join(testToolsDir(), "llama-server")}`;
  if (process.env.CI === "true") throw new Error(`CI=true and ${reason}`);
  console.log(`# SKIP model-server tests: ${reason}`);
  return { skip: reason };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface LlamaServerOptions {
  model: string;
  /** Serve /v1/embeddings (mean pooling) instead of chat. */
  embeddings?: boolean;
  lora?: string[];
  apiKey?: string;
  /** Parallel slots (the context is split among them). */
  parallel?: number;
  ctxSize?: number;
  threads?: number;
  alias?: string;
  port?: number;
  extraArgs?: string[];
}

export class LlamaServer {
  private proc?: ChildProcess;
  private output = "";

  private constructor(
    readonly bin: string,
    readonly options: LlamaServerOptions,
    readonly port: number,
  ) {}

  static async start(bin: string, options: LlamaServerOptions): Promise<LlamaServer> {
    const server = new LlamaServer(bin, options, options.port ?? (await freePort()));
    await server.launch();
    return server;
  }

  /** The base URL as a user would set it in docent.server.url. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The server's log so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  args(): string[] {
    const o = this.options;
    const args = ["-m", o.model, "--host", "127.0.0.1", "--port", String(this.port), "-t", String(o.threads ?? 1), "-ngl", "0"];
    args.push("-c", String(o.ctxSize ?? 2048), "--parallel", String(o.parallel ?? 1));
    if (o.embeddings) args.push("--embeddings", "--pooling", "mean");
    for (const l of o.lora ?? []) args.push("--lora", l);
    if (o.apiKey) args.push("--api-key", o.apiKey);
    if (o.alias) args.push("--alias", o.alias);
    args.push(...(o.extraArgs ?? []));
    return args;
  }

  private async launch(): Promise<void> {
    this.output = "";
    const proc = spawn(this.bin, this.args(), {
      stdio: ["ignore", "pipe", "pipe"],
      // Its shared libraries sit beside it (rpath $ORIGIN); LD_LIBRARY_PATH covers builds without it.
      env: { ...process.env, LD_LIBRARY_PATH: [path.dirname(this.bin), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") },
    });
    this.proc = proc;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    proc.stdout!.on("data", keep);
    proc.stderr!.on("data", keep);
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code, signal) => reject(new Error(`llama-server exited (${code ?? signal}):\n${this.output.slice(-3000)}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await Promise.race([
        fetch(`http://127.0.0.1:${this.port}/health`)
          .then((r) => r.ok)
          .catch(() => false),
        exited,
      ]);
      if (ok) return;
      if (Date.now() > deadline) {
        this.stop();
        throw new Error(`llama-server did not become healthy in 60 s:\n${this.output.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the process at once (a server that dies mid-answer); resolves when it has exited. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await gone;
  }

  /** Starts it again on the same port with the same options. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  stop(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGTERM");
  }

  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await gone;
    clearTimeout(timer);
  }
}
