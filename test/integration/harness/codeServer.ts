// Runs Docent's in-editor tests inside a real VS Code where desktop VS Code cannot be had:
// code-server (VS Code 1.139 in the browser, from .tools) driven by Playwright + Debian's Chromium.
// - startCodeServer: an isolated code-server on 127.0.0.1 (own user-data, extensions, XDG dirs).
// - runMochaSuiteInCodeServer: a mocha suite in code-server's real Node extension host, through
//   the smoke-test-driver hooks (codeAutomationLog / codeAutomationExit).
// - openWorkbench + webview/notification/command helpers: for Playwright UI (e2e) tests.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, promises as fs, readdirSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { format } from "node:util";
import { chromium, type Browser, type Frame, type FrameLocator, type Locator, type Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath, codeServerEntry, node24Path } from "./tools.js";

// ------------------------------------------------------------------------------------ code-server

export interface StartCodeServerOptions {
  /** Folder the workbench opens (absolute). */
  workspace: string;
  /**
   * An extension folder to load in development mode when a workbench is opened through this server
   * (through the URL's `payload`, which a built VS Code honours only with the smoke-test driver on,
   * so giving this turns `smokeTestDriver` on unless it is set to false).
   */
  extensionDevelopmentPath?: string;
  /** .vsix file(s) installed into this server's own extensions dir before it starts. */
  installVsix?: string | string[];
  /** Merged over the harness defaults and written to <user-data>/User/settings.json (and Machine/settings.json). */
  userSettings?: Record<string, unknown>;
  /** Fixed port; by default a free one is picked. */
  port?: number;
  /** Extra environment for code-server, inherited by its extension host (and so by the tests). */
  env?: Record<string, string | undefined>;
  /**
   * Start VS Code with enable-smoke-test-driver: needed for the URL payload (development extension,
   * tests path) and codeAutomationLog/Exit. Side effect: notification toasts are not shown (they
   * still reach the notification centre). Default: on when extensionDevelopmentPath is given.
   */
  smokeTestDriver?: boolean;
  /** Extra code-server command-line arguments. */
  extraArgs?: string[];
  /** How long to wait for the server to answer; default 60 s. */
  startTimeoutMs?: number;
  /** Echo code-server's own output (default: only kept in dirs.log; DOCENT_HARNESS_VERBOSE=1 echoes). */
  echoOutput?: boolean;
  /** Leave the temporary folder in place after stop() (default: DOCENT_HARNESS_KEEP=1). */
  keepDirs?: boolean;
}

export interface CodeServerDirs {
  root: string;
  userData: string;
  extensions: string;
  xdgConfig: string;
  xdgData: string;
  xdgCache: string;
  /** TMPDIR of code-server and its extension host (vscode-ipc-*.sock, tsserver dirs, the suite's temp files). */
  tmp: string;
  /** code-server's stdout and stderr. */
  log: string;
}

export interface CodeServer {
  /** Workbench URL for the workspace (with the development extension, when one was given). */
  url: string;
  port: number;
  /** The authority the browser sees, e.g. "127.0.0.1:41234"; vscode-remote URIs must use it. */
  authority: string;
  dirs: CodeServerDirs;
  workspace: string;
  extensionDevelopmentPath?: string;
  smokeTestDriver: boolean;
  /** Kills code-server and every process it started; removes the temp dirs unless kept. */
  stop(): Promise<void>;
}

/** Settings that keep a test workbench quiet and deterministic. */
export const DEFAULT_TEST_SETTINGS: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "chat.disableAIFeatures": true,
  "git.enabled": false,
  "window.restoreWindows": "none",
  // VS Code in a browser (code-server) defaults to "afterDelay" (1 s); desktop VS Code to "off".
  // An auto save that starts while a test edits and saves a document runs its save participants
  // (a round trip to the extension host); an explicit TextDocument.save() arriving meanwhile is
  // dropped ("refusing to save() recursively from save participant") and resolves false.
  "files.autoSave": "off",
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A `vscode-remote://` URI for an absolute path on the code-server machine, as the workbench expects. */
export function remoteUri(authority: string, absPath: string): string {
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join("/");
  return `vscode-remote://${authority}${p.startsWith("/") ? p : `/${p}`}`;
}

export interface WorkbenchUrlOptions {
  folder?: string;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
}

/**
 * The workbench URL. `folder` is a plain absolute path (code-server turns it into a vscode-remote
 * URI); the payload entries must already be vscode-remote URIs with this server's authority.
 */
export function workbenchUrl(server: Pick<CodeServer, "port" | "authority">, opts: WorkbenchUrlOptions = {}): string {
  const url = new URL(`http://${server.authority}/`);
  if (opts.folder) url.searchParams.set("folder", path.resolve(opts.folder));
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", remoteUri(server.authority, opts.extensionDevelopmentPath)]);
  if (opts.extensionTestsPath) payload.push(["extensionTestsPath", remoteUri(server.authority, opts.extensionTestsPath)]);
  if (payload.length) url.searchParams.set("payload", JSON.stringify(payload));
  return url.toString();
}

function codeServerEnv(dirs: CodeServerDirs, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Variables that would make code-server or the extension host misbehave under a test runner.
  for (const k of ["NODE_OPTIONS", "ELECTRON_RUN_AS_NODE", "VSCODE_IPC_HOOK_CLI", "VSCODE_PID", "VSCODE_CWD", "PASSWORD", "HASHED_PASSWORD"]) delete env[k];
  // Else code-server writes ~/.config/code-server/config.yaml and ~/.local/share/code-server, and
  // VS Code's device id lands in ~/.cache/Microsoft.
  env.XDG_CONFIG_HOME = dirs.xdgConfig;
  env.XDG_DATA_HOME = dirs.xdgData;
  env.XDG_CACHE_HOME = dirs.xdgCache;
  // The extension host leaves vscode-ipc-*.sock files (and the TypeScript extension its dirs) in
  // the temp folder; keep them in ours, which stop() removes.
  env.TMPDIR = dirs.tmp;
  // No extension gallery: offline machines otherwise log getaddrinfo errors for open-vsx.org.
  env.EXTENSIONS_GALLERY ??= "{}";
  env.DONT_PROMPT_WSL_INSTALL = "1";
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

async function makeDirs(): Promise<CodeServerDirs> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "docent-cs-"));
  const dirs: CodeServerDirs = {
    root,
    userData: path.join(root, "user-data"),
    extensions: path.join(root, "extensions"),
    xdgConfig: path.join(root, "xdg-config"),
    xdgData: path.join(root, "xdg-data"),
    xdgCache: path.join(root, "xdg-cache"),
    tmp: path.join(root, "t"), // short: unix socket paths are limited to 107 bytes
    log: path.join(root, "code-server.log"),
  };
  for (const d of [dirs.userData, dirs.extensions, dirs.xdgConfig, dirs.xdgData, dirs.xdgCache, dirs.tmp]) await fs.mkdir(d, { recursive: true });
  return dirs;
}

/** All descendants of `pid`, read from /proc (Linux), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* process went away */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills a process, its process group (spawned detached) and every descendant found in /proc
 * (the extension host and pty host may start their own groups). SIGTERM, then SIGKILL.
 */
export async function killProcessTree(pid: number, graceMs = 3000): Promise<void> {
  const signalAll = (sig: NodeJS.Signals) => {
    const pids = [...descendants(pid), pid];
    try {
      process.kill(-pid, sig);
    } catch {
      /* no such group */
    }
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        /* already gone */
      }
    }
    return pids;
  };
  const pids = signalAll("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await sleep(100);
  if (pids.some(alive)) {
    signalAll("SIGKILL");
    for (const p of pids)
      if (alive(p))
        try {
          process.kill(p, "SIGKILL");
        } catch {
          /* gone */
        }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitForHttp(url: string, proc: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`code-server exited early (${proc.exitCode ?? proc.signalCode}); log:\n${tail(logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      lastErr = new Error(`HTTP ${res.status}`);
    } catch (e) {
      lastErr = e;
    }
    await sleep(150);
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms (${String(lastErr)}); log:\n${tail(logFile)}`);
}

function tail(file: string, chars = 4000): string {
  try {
    const s = readFileSync(file, "utf8");
    return s.slice(-chars);
  } catch {
    return "(no log)";
  }
}

/** Installs a .vsix into the given extensions dir with code-server's own CLI (works offline). */
export function installVsix(vsix: string, dirs: CodeServerDirs, env?: Record<string, string | undefined>): void {
  const res = spawnSync(
    node24Path(),
    [codeServerEntry(), "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions, "--install-extension", path.resolve(vsix), "--force"],
    { env: codeServerEnv(dirs, env), encoding: "utf8", timeout: 120_000 },
  );
  if (res.status !== 0) throw new Error(`installing ${vsix} failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
}

export async function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServer> {
  const workspace = path.resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`docent harness: workspace ${workspace} does not exist`);
  const dirs = await makeDirs();
  const keep = opts.keepDirs ?? process.env.DOCENT_HARNESS_KEEP === "1";
  const echo = opts.echoOutput ?? process.env.DOCENT_HARNESS_VERBOSE === "1";

  const settings = { ...DEFAULT_TEST_SETTINGS, ...opts.userSettings };
  await fs.mkdir(path.join(dirs.userData, "User"), { recursive: true });
  await fs.writeFile(path.join(dirs.userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  // Machine-scoped settings (Docent's model paths) belong to the remote machine's settings in a
  // remote window, which code-server's workbench is: VS Code may leave them out of the user
  // settings there. The same values go to <user-data>/Machine/settings.json.
  await fs.mkdir(path.join(dirs.userData, "Machine"), { recursive: true });
  await fs.writeFile(path.join(dirs.userData, "Machine", "settings.json"), JSON.stringify(opts.userSettings ?? {}, null, 2));

  for (const vsix of ([] as string[]).concat(opts.installVsix ?? [])) installVsix(vsix, dirs, opts.env);

  const smokeTestDriver = opts.smokeTestDriver ?? !!opts.extensionDevelopmentPath;
  const port = opts.port ?? (await freePort());
  const authority = `127.0.0.1:${port}`;
  const args = [
    codeServerEntry(),
    "--auth",
    "none",
    "--bind-addr",
    authority,
    "--user-data-dir",
    dirs.userData,
    "--extensions-dir",
    dirs.extensions,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--ignore-last-opened",
    ...(smokeTestDriver ? ["--vscode-option", "enable-smoke-test-driver"] : []),
    ...(opts.extraArgs ?? []),
    workspace,
  ];
  const log = createWriteStream(dirs.log);
  const proc = spawn(node24Path(), args, {
    cwd: workspace,
    env: codeServerEnv(dirs, opts.env),
    detached: true, // its own process group, so stop() can take the whole tree down
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [proc.stdout!, proc.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      log.write(chunk);
      if (echo) process.stderr.write(`[code-server] ${chunk.toString()}`);
    });
  }
  // If the test process dies without calling stop(), do not leave code-server behind.
  const onExit = () => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  process.once("exit", onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", onExit);
    if (proc.pid) await killProcessTree(proc.pid);
    await new Promise<void>((r) => log.end(r));
    if (!keep) await fs.rm(dirs.root, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    await waitForHttp(`http://${authority}/healthz`, proc, opts.startTimeoutMs ?? 60_000, dirs.log);
  } catch (e) {
    await stop();
    throw e;
  }
  const server = { port, authority };
  return {
    url: workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: opts.extensionDevelopmentPath }),
    port,
    authority,
    dirs,
    workspace,
    extensionDevelopmentPath: opts.extensionDevelopmentPath,
    smokeTestDriver,
    stop,
  };
}

// ------------------------------------------------------------------------------------ Chromium

export interface LaunchChromiumOptions {
  /** Extra Chromium flags. */
  args?: string[];
  headless?: boolean;
}

/**
 * Debian's Chromium through playwright-core, with a fresh temporary profile (Playwright makes one
 * per launch) and its own XDG dirs (Chromium otherwise writes ~/.config/chromium/Crash Reports).
 */
export async function launchChromium(opts: LaunchChromiumOptions = {}): Promise<Browser> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "docent-chromium-"));
  // Synchronous: a test that calls process.exit() right after browser.close() would cut an async rm short.
  const cleanup = () => rmSync(home, { recursive: true, force: true });
  try {
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: opts.headless ?? true,
      chromiumSandbox: false, // --no-sandbox: root in containers and CI
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      env: { ...process.env, XDG_CONFIG_HOME: path.join(home, "config"), XDG_CACHE_HOME: path.join(home, "cache") },
      timeout: 60_000,
    });
    browser.on("disconnected", cleanup);
    return browser;
  } catch (e) {
    cleanup();
    throw e;
  }
}

// ------------------------------------------------------------------------------------ mocha suite

export interface RunSuiteOptions {
  /** The extension under test (folder holding its package.json). */
  extensionDevelopmentPath: string;
  /**
   * The suite entry: a module exporting `run(): Promise<void>` (or `run(testsRoot, cb)`).
   * code-server 1.139 loads it with import() when it ends in .mjs, or when it sits inside an extension
   * whose package.json says "type": "module" and does not end in .cjs; otherwise with require().
   * So Docent's ESM out/test/integration/index.js works as it is (runDesktop.ts shims it for
   * desktop VS Code before 1.100, which only require()s).
   */
  extensionTestsPath: string;
  workspace: string;
  /** Hard limit for starting and running the suite (clean-up comes after); default 5 minutes. */
  timeoutMs?: number;
  /** Extra environment for the extension host (the suite reads it through process.env). */
  env?: Record<string, string | undefined>;
  userSettings?: Record<string, unknown>;
  installVsix?: string | string[];
  /** Where the suite's output goes as it arrives; default process.stdout. Pass null to stay quiet. */
  output?: NodeJS.WritableStream | null;
  /** Save a screenshot of the workbench here if the suite fails or times out. */
  screenshotOnFailure?: string;
}

export interface RunSuiteResult {
  /** The suite's exit code: 0 when every test passed; 124 on timeout; 1 when it could not start. */
  exitCode: number;
  /** What the suite printed (console and stdout/stderr of the extension host), workbench chatter left out. */
  log: string;
  /** Every line the workbench passed to codeAutomationLog, unfiltered. */
  rawLog: string;
  /** The workbench's own log files, as handed to codeAutomationExit (window.log, ...). */
  workbenchLogs: { relativePath: string; contents: string }[];
  timedOut: boolean;
  durationMs: number;
}

/**
 * Lines that the workbench itself logs through codeAutomationLog on every start. The suite's
 * output arrives through the same channel, at the same levels, so chatter is dropped by pattern
 * (DOCENT_HARNESS_VERBOSE=1 streams everything).
 */
export const WORKBENCH_CHATTER: RegExp[] = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(/,
  /^\[reconnection-grace-time\]/,
  /^\[Service Worker\]/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[AgentHost:/,
  /^\[AccountPolicyGate\]/,
  /^Creation of workbench contribution '.*' took \d+ms/,
  /^Canceled: Canceled/,
  /^Extension host \(.*\) is unresponsive/,
  /^getaddrinfo ENOTFOUND/,
  /^No search provider registered for scheme/,
];

function isChatter(text: string): boolean {
  return WORKBENCH_CHATTER.some((re) => re.test(text));
}

/**
 * Runs a mocha suite inside code-server's real extension host. The browser page is the
 * "renderer": with enable-smoke-test-driver VS Code calls window.codeAutomationLog(level, msg)
 * for its log lines (the extension host's console output included) and
 * window.codeAutomationExit(code) when the test runner finishes.
 */
export async function runMochaSuiteInCodeServer(opts: RunSuiteOptions): Promise<RunSuiteResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const out = opts.output === undefined ? process.stdout : opts.output;
  const verbose = process.env.DOCENT_HARNESS_VERBOSE === "1";
  const lines: string[] = [];
  const rawLines: string[] = [];
  let workbenchLogs: RunSuiteResult["workbenchLogs"] = [];
  const emit = (text: string, chatter = false) => {
    rawLines.push(text);
    if (chatter && !verbose) return;
    if (!chatter) lines.push(text);
    out?.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  for (const [what, p] of [
    ["extensionDevelopmentPath", opts.extensionDevelopmentPath],
    ["extensionTestsPath", opts.extensionTestsPath],
  ] as const)
    if (!existsSync(p)) throw new Error(`docent harness: ${what} ${p} does not exist`);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let exitCode = 1;
  try {
    const work = (async () => {
      const s = await startCodeServer({
        workspace: opts.workspace,
        env: opts.env,
        userSettings: opts.userSettings,
        installVsix: opts.installVsix,
        smokeTestDriver: true,
      });
      if (timedOut) {
        await s.stop(); // the hard timeout fired while it was starting
        return 124;
      }
      server = s;
      const b = await launchChromium();
      if (timedOut) {
        await b.close();
        return 124;
      }
      browser = b;
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const exited = new Promise<number>((resolve) => {
        // Exposed before navigation, so they exist when the workbench boots.
        void page.exposeFunction("codeAutomationExit", (code: number, logs?: RunSuiteResult["workbenchLogs"]) => {
          if (Array.isArray(logs)) workbenchLogs = logs;
          resolve(Number(code));
        });
      });
      // message = the console.log arguments (format string first), or [line] for workbench logs;
      // the extension host's stdout arrives at level info, stderr and console.error at error.
      await page.exposeFunction("codeAutomationLog", (level: string, message: unknown) => {
        const text = Array.isArray(message) ? format(...(message as unknown[])) : String(message);
        const line = level === "info" || level === "trace" || level === "debug" ? text : `[${level}] ${text}`;
        emit(line.replace(/\n$/, ""), isChatter(text));
      });
      page.on("pageerror", (err) => emit(`[page error] ${err.message}`));
      const url = workbenchUrl(server, {
        folder: opts.workspace,
        extensionDevelopmentPath: opts.extensionDevelopmentPath,
        extensionTestsPath: opts.extensionTestsPath,
      });
      await page.goto(url, { waitUntil: "domcontentloaded" });
      const code = await exited;
      if (code !== 0 && opts.screenshotOnFailure) await page.screenshot({ path: opts.screenshotOnFailure }).catch(() => {});
      return code;
    })();
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        emit(`[harness] suite did not finish within ${timeoutMs} ms`);
        resolve(124);
      }, timeoutMs);
    });
    work.catch(() => {}); // after a timeout, closing the browser makes the pending work reject
    exitCode = await Promise.race([work, timeout]);
    if (timedOut && opts.screenshotOnFailure && browser) {
      const page = browser.contexts()[0]?.pages()[0];
      await page?.screenshot({ path: opts.screenshotOnFailure }).catch(() => {});
    }
  } catch (e) {
    emit(`[harness] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    exitCode = 1;
  } finally {
    clearTimeout(timer);
    await (browser as Browser | undefined)?.close().catch(() => {});
    await (server as CodeServer | undefined)?.stop().catch(() => {});
  }
  return { exitCode, log: lines.join("\n"), rawLog: rawLines.join("\n"), workbenchLogs, timedOut, durationMs: Date.now() - started };
}

// ------------------------------------------------------------------------------------ UI (e2e)

export interface OpenWorkbenchOptions {
  /** A running server; its workspace and development extension are used unless overridden. */
  server?: CodeServer;
  /** Or a full workbench URL. */
  url?: string;
  folder?: string;
  extensionDevelopmentPath?: string;
  /** Reuse a browser (a new context and page are made in it); otherwise Chromium is launched. */
  browser?: Browser;
  viewport?: { width: number; height: number };
  timeoutMs?: number;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Closes the page's context, and the browser if this call launched it. */
  close(): Promise<void>;
}

/** Opens the workbench in Chromium and waits until the folder is open and extensions are running. */
export async function openWorkbench(opts: OpenWorkbenchOptions): Promise<Workbench> {
  const timeout = opts.timeoutMs ?? 60_000;
  let url = opts.url;
  if (!url) {
    if (!opts.server) throw new Error("openWorkbench: give server or url");
    const extensionDevelopmentPath = opts.extensionDevelopmentPath ?? opts.server.extensionDevelopmentPath;
    if (extensionDevelopmentPath && !opts.server.smokeTestDriver)
      throw new Error("openWorkbench: a development extension needs a server started with smokeTestDriver (or install a .vsix)");
    url = workbenchUrl(opts.server, { folder: opts.folder ?? opts.server.workspace, extensionDevelopmentPath });
  }
  const ownBrowser = !opts.browser;
  const browser = opts.browser ?? (await launchChromium());
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const close = async () => {
    await context.close().catch(() => {});
    if (ownBrowser) await browser.close().catch(() => {});
  };
  try {
    await page.goto(url, { waitUntil: "domcontentloaded", timeout });
    await waitForWorkbenchReady(page, timeout);
  } catch (e) {
    await close();
    throw e;
  }
  return { browser, page, close };
}

/**
 * Ready = the workbench is restored (the smoke-test driver's whenWorkbenchRestored when it is on,
 * else the Problems status-bar entry, which appears at the same phase) and the remote extension host
 * is connected (the forwarded-ports entry appears then; best effort). It does not mean that a given
 * extension is active: wait for that extension's own UI (a status-bar item, a view) in the test.
 */
export async function waitForWorkbenchReady(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: timeoutMs });
  await page.locator('.part.statusbar [id="status.problems"]').waitFor({ state: "visible", timeout: timeoutMs });
  const hasDriver = await page.evaluate(`typeof window.driver?.whenWorkbenchRestored === "function"`);
  if (hasDriver) await page.evaluate(`window.driver.whenWorkbenchRestored()`);
  await page
    .locator('.part.statusbar [id="status.forwardedPorts"]')
    .waitFor({ state: "visible", timeout: Math.min(timeoutMs, 15_000) })
    .catch(() => {});
}

/**
 * Reads `probe` until `done` accepts what it gives or `timeoutMs` has passed, and returns the last
 * value read: the caller asserts on it, so a state that never came fails with what was seen.
 * For UI states that settle a moment after an input (focus, a context key, a recalled value).
 */
export async function settled<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await sleep(100);
  }
}

/** Workbench and editor hovers as shown now (hidden ones stay in the DOM). */
const VISIBLE_HOVERS = ".monaco-hover:visible, .workbench-hover:visible, .workbench-hover-container:visible";

/** Milliseconds left before `deadline`, at least 1 (Playwright reads a timeout of 0 as no limit). */
function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/**
 * Takes the mouse to a spot that has no hover of its own and waits until no hover is shown. A
 * workbench hover opens where the mouse rests (a status-bar item, a tab, an activity-bar icon, a
 * tree row) and stays up while the mouse is over it, so a click aimed at whatever lies beneath it
 * lands on the hover on every retry. Tried spots, in order: the empty end of the editor's tab
 * strip, the bottom middle of the editor area, the middle of the status bar.
 */
export async function moveMouseAwayFromHovers(page: Page, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const hovers = page.locator(VISIBLE_HOVERS);
  const spots = async (): Promise<{ x: number; y: number }[]> => {
    const editor = await page.locator(".monaco-workbench .part.editor").boundingBox();
    const status = await page.locator(".monaco-workbench .part.statusbar").boundingBox();
    const out: { x: number; y: number }[] = [];
    if (editor) out.push({ x: editor.x + editor.width * 0.6, y: editor.y + 15 }, { x: editor.x + editor.width * 0.5, y: editor.y + editor.height - 30 });
    if (status) out.push({ x: status.x + status.width * 0.5, y: status.y + status.height / 2 });
    return out.length ? out : [{ x: 600, y: 400 }];
  };
  for (let round = 0; ; round++) {
    const all = await spots();
    const spot = all[round % all.length]!;
    await page.mouse.move(spot.x, spot.y);
    // A hover hides a moment after the mouse leaves it (and one may be opening under the old spot).
    const quietUntil = Math.min(deadline, Date.now() + 2_000);
    while ((await hovers.count()) > 0 && Date.now() < quietUntil) await sleep(100);
    if ((await hovers.count()) === 0) return;
    if (Date.now() >= deadline)
      throw new Error(
        `a hover stays on screen wherever the mouse goes: ${await hovers
          .first()
          .innerText({ timeout: 1_000 })
          .catch(() => "?")}`,
      );
  }
}

/**
 * Clicks `target` as a user would, after taking the mouse away from anything that opens a hover
 * (see moveMouseAwayFromHovers). A click that a hover (or a re-rendered element) intercepts anyway
 * is tried again from a fresh mouse position until `timeoutMs` has passed.
 */
export async function clickUnobstructed(
  page: Page,
  target: Locator,
  opts: { button?: "left" | "right"; position?: { x: number; y: number }; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    await moveMouseAwayFromHovers(page, remaining(deadline)).catch(() => undefined);
    await target.waitFor({ state: "visible", timeout: remaining(deadline) });
    try {
      // A short attempt: Playwright's own retry keeps the mouse on the target, under the hover.
      await target.click({ button: opts.button, position: opts.position, timeout: Math.min(5_000, remaining(deadline)) });
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
  }
}

/**
 * Runs a command through the command palette by its title as shown there (e.g. "Docent: Ask").
 * Clicks the editor area first: after a click inside a webview the keyboard focus stays in it.
 */
export async function runCommandFromPalette(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  await page
    .locator(".monaco-workbench .part.editor")
    .click({ position: { x: 10, y: 10 }, timeout: 5_000 })
    .catch(() => {});
  await page.keyboard.press("F1");
  const widget = page.locator(".quick-input-widget");
  const input = widget.locator("input");
  await input.waitFor({ state: "visible", timeout: timeoutMs });
  await input.fill(`>${title}`);
  // Click the row whose label is exactly the title. Pressing Enter would run the focused row,
  // which can still be a stale entry while the list filters (or "Docent: Ask Selection" for "Docent: Ask").
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  const row = widget
    .locator(".monaco-list-row")
    .filter({ has: page.locator(".label-name", { hasText: exact }) })
    .first();
  await row.waitFor({ state: "visible", timeout: timeoutMs });
  // The mouse rested on the editor's top-left corner (a tab, whose hover can cover the list).
  await clickUnobstructed(page, row, { timeoutMs });
  await widget.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => {});
}

export interface WebviewFrameOptions {
  /** Only webviews of this extension (publisher.name); the outer iframe's src names it. */
  extensionId?: string;
  /** Which matching webview, in DOM order; default the last one (the newest). */
  index?: number;
  timeoutMs?: number;
}

function outerWebviewSelector(opts: WebviewFrameOptions): string {
  return `iframe.webview.ready${opts.extensionId ? `[src*="extensionId=${opts.extensionId}"]` : ""}`;
}

/**
 * A webview's content as a FrameLocator. VS Code nests it two frames deep: the outer
 * `iframe.webview.ready` (VS Code's host page) holds `iframe#active-frame` (the extension's HTML).
 */
export function webviewFrameLocator(page: Page, opts: WebviewFrameOptions = {}): FrameLocator {
  const outers = page.locator(outerWebviewSelector(opts));
  const outer = opts.index === undefined ? outers.last() : outers.nth(opts.index);
  return outer.contentFrame().locator("iframe#active-frame").contentFrame();
}

/** The same as a Frame (for evaluate, waitForFunction...), waiting until it has loaded. */
export async function webviewFrame(page: Page, opts: WebviewFrameOptions = {}): Promise<Frame> {
  const timeout = opts.timeoutMs ?? 30_000;
  const outers = page.locator(outerWebviewSelector(opts));
  const outer = opts.index === undefined ? outers.last() : outers.nth(opts.index);
  await outer.waitFor({ state: "attached", timeout });
  const outerFrame = await (await outer.elementHandle({ timeout }))!.contentFrame();
  if (!outerFrame) throw new Error("webviewFrame: outer webview iframe has no frame");
  const inner = outerFrame.locator("iframe#active-frame");
  await inner.waitFor({ state: "attached", timeout });
  const frame = await (await inner.elementHandle({ timeout }))!.contentFrame();
  if (!frame) throw new Error("webviewFrame: iframe#active-frame has no frame");
  await frame.waitForLoadState("domcontentloaded", { timeout });
  return frame;
}

export interface NotificationInfo {
  message: string;
  /** "Source: <extension name>" line, when shown. */
  source?: string;
  severity?: "info" | "warning" | "error";
  buttons: string[];
}

/**
 * Reads the notifications from the notification centre (with enable-smoke-test-driver the toasts are
 * hidden, and toasts time out anyway). Opens the centre if needed; leaves it open unless `close`.
 */
export async function readNotifications(page: Page, opts: { close?: boolean; timeoutMs?: number } = {}): Promise<NotificationInfo[]> {
  const center = page.locator(".notifications-center");
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  // The palette's command shows the centre whatever its state. The status bar's bell toggles it
  // instead: a click landing while the centre was still opening closed it again, and a loaded CI
  // machine then waited out the whole timeout on a hidden centre.
  while (!(await center.isVisible())) {
    if (Date.now() > deadline) throw new Error("the notification centre did not open");
    await runCommandFromPalette(page, "Notifications: Show Notifications").catch(() => undefined);
    // A hover left where the mouse rests can cover the centre's lowest buttons.
    await moveMouseAwayFromHovers(page).catch(() => undefined);
    await center.waitFor({ state: "visible", timeout: 5_000 }).catch(() => undefined);
  }
  // One DOM read for all rows: per-element locator reads would wait out the default timeout for
  // parts a row lacks (a progress row has no buttons, the source line is often empty).
  // (runs in the page; `any` because this project compiles without the DOM types)
  const rows = await center.locator(".notifications-list-container .monaco-list-row").evaluateAll((els: any[]) =>
    els.map((row: any): NotificationInfo => {
      const text = (sel: string): string => (row.querySelector(sel)?.textContent ?? "").trim();
      const icon: string = row.querySelector(".notification-list-item-icon")?.className ?? "";
      return {
        message: text(".notification-list-item-message"),
        source: text(".notification-list-item-source") || undefined,
        severity: /codicon-error/.test(icon) ? "error" : /codicon-warning/.test(icon) ? "warning" : "info",
        buttons: Array.from(row.querySelectorAll(".notification-list-item-buttons-container .monaco-button") as ArrayLike<any>).map((b: any) =>
          String(b.textContent ?? "").trim(),
        ),
      };
    }),
  );
  if (opts.close) await page.keyboard.press("Escape");
  return rows;
}

/** Waits until a notification whose message contains `text` is in the notification centre. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<NotificationInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A centre that would not open this time is tried again until the deadline, not a failure.
    const shown = await readNotifications(page).catch((err: unknown) => (Date.now() > deadline ? Promise.reject(err) : []));
    const found = shown.find((n) => (typeof text === "string" ? n.message.includes(text) : text.test(n.message)));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no notification matching ${String(text)} within ${timeoutMs} ms`);
    await sleep(500);
  }
}
