// `docent mcp <dir>...`: Docent as a Model Context Protocol server on stdin/stdout, for AI agents
// (Claude Code, Copilot agent mode, Cursor, Continue). The same engine and saved index as the other
// commands; a watcher keeps the index up to date as docs change. stdout carries the protocol and
// nothing else: every log line goes to stderr.
import { DEFAULT_MAX_FILE_BYTES } from "../../engine/index/ingest/corpus.js";
import type { Engine } from "../../engine/engine.js";
import { parse, UsageError, intOption } from "../args.js";
import { watchDocs } from "../docsWatcher.js";
import { createDocentMcpServer } from "./server.js";
import { StdioLineTransport } from "./lineTransport.js";
import { modelOptions } from "../modelOptions.js";
import { pipelineOptions, pipelineSettingsFrom } from "../pipelineOptions.js";
import { openEngine, requireDir, stderrLogger } from "../openEngine.js";

const VERSION = "0.1.0";

export async function mcpCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...modelOptions,
    index: { type: "string" },
    include: { type: "string", multiple: true },
    exclude: { type: "string", multiple: true },
    watch: { type: "string" },
    "poll-interval": { type: "string" },
    ...pipelineOptions,
  });
  if (positionals.length === 0) throw new UsageError("missing <dir>");
  const roots = [...new Set(await Promise.all(positionals.map((d) => requireDir(d))))];
  const watchMode = (values.watch ?? "fs") as "fs" | "poll" | "off";
  if (!["fs", "poll", "off"].includes(watchMode)) throw new UsageError('--watch is "fs" (default), "poll" or "off"');
  const pollMs = intOption(values["poll-interval"], "poll-interval", 2000);
  const pipeline = pipelineSettingsFrom(values);

  // Whatever a library prints with console.log must not corrupt the protocol on stdout.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

  // The server answers `initialize` and `tools/list` at once; tools wait for the index.
  const opening = openEngine(roots, values, { pipeline });
  opening.catch(() => {}); // handled below, where the command waits on it
  const server = createDocentMcpServer({ roots, engine: opening, ask: Boolean(values.model || values.server), version: VERSION });
  const transport = new StdioLineTransport(process.stdin, process.stdout, (m) => stderrLogger.warn(m));
  await server.connect(transport);

  let engine: Engine;
  try {
    engine = await opening;
  } catch (err) {
    await server.close().catch(() => {});
    throw err;
  }
  const index = engine.docsIndex;
  const watcher = watchDocs(roots, {
    mode: watchMode,
    pollMs,
    corpus: { include: values.include ?? [], exclude: values.exclude ?? [], maxFileBytes: DEFAULT_MAX_FILE_BYTES },
    isKnownFile: (file) => index.files.has(file),
    onFiles: (files) => void engine.filesChanged(files),
    onRescan: () => void engine.reindex().catch((err: Error) => stderrLogger.warn(`Re-indexing failed: ${err.message}`)),
    logger: stderrLogger,
  });
  const how = engine.opening?.load === "loaded" ? "saved index loaded" : "index built";
  stderrLogger.info(
    `docent mcp: ${index.fileCount} files, ${index.chunkCount} sections (${how}; ${engine.indexFile}); watching: ${watcher.mode}; serving on stdio`,
  );

  // Until the client goes: stdin closes, or a signal.
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    server.server.onclose = resolve;
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  watcher.close();
  await server.close().catch(() => {});
  await engine.dispose();
}
