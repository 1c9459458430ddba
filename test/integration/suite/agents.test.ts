// Docent in the editor's AI features, inside a real VS Code (code-server 1.139 here): the two
// language-model tools through vscode.lm, the MCP server definition the provider hands VS Code, and
// the @docent chat participant's handler driven with a recording response stream. code-server has
// no chat model provider, so the chat UI itself cannot send a request to @docent or let a model
// pick a tool; the tests call the same entry points that UI would.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as vscode from "vscode";
import type { DocentApi } from "../../../src/extension/extension.js";

const EXTENSION_ID = "docent.docent";

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const toolText = (result: vscode.LanguageModelToolResult) => result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : "")).join("");

export function registerAgentsSuite(): void {
  describe("Docent in the editor's AI features", function () {
    let api: DocentApi;

    before(async function () {
      const ext = vscode.extensions.getExtension<DocentApi>(EXTENSION_ID);
      assert.ok(ext);
      api = await ext.activate();
      await api.whenReady(180_000);
    });

    it("what this VS Code offers: the chat and MCP APIs, and whether any chat model is there", async function () {
      const commands = await vscode.commands.getCommands(true);
      const models = typeof vscode.lm?.selectChatModels === "function" ? await vscode.lm.selectChatModels() : [];
      console.log(
        `[figures] VS Code ${vscode.version}: lm.tools ${Array.isArray(vscode.lm?.tools)}, chat view command ${commands.includes("workbench.action.chat.open")}, ` +
          `chat models ${models.length}, MCP provider API ${typeof (vscode.lm as unknown as Record<string, unknown>).registerMcpServerDefinitionProvider === "function"}`,
      );
      assert.deepEqual(api.agents.registered, { tools: ["docent_searchDocs", "docent_define"], mcpServerDefinitionProvider: true, chatParticipant: true });
    });

    it("vscode.lm.tools lists Docent's two tools, #docs among them", function () {
      const mine = vscode.lm.tools.filter((t) => t.name.startsWith("docent_"));
      assert.deepEqual(mine.map((t) => t.name).sort(), ["docent_define", "docent_searchDocs"]);
      const search = mine.find((t) => t.name === "docent_searchDocs")!;
      assert.match(search.description, /workspace/);
      assert.deepEqual((search.inputSchema as { required?: string[] }).required, ["query"]);
    });

    it("docent_searchDocs finds the metric's section with a link to its lines", async function () {
      const token = new vscode.CancellationTokenSource().token;
      const result = await vscode.lm.invokeTool(
        "docent_searchDocs",
        { input: { query: "http.server.request.duration" }, toolInvocationToken: undefined },
        token,
      );
      const text = toolText(result);
      assert.match(text, /^1\. \[docs\/http\/http-metrics\.md:\d+-\d+\]\(file:\/\/\/[^)]*http-metrics\.md#L\d+-L\d+\)/m);
      assert.match(text, /exact name `http\.server\.request\.duration`/);
      assert.match(text, /Duration of HTTP server requests/);
    });

    it("docent_define gives the defining section, its link and its table row (Histogram, s)", async function () {
      const token = new vscode.CancellationTokenSource().token;
      const result = await vscode.lm.invokeTool("docent_define", { input: { name: "http.server.request.duration" }, toolInvocationToken: undefined }, token);
      const text = toolText(result);
      assert.match(text, /\*\*`http\.server\.request\.duration`\*\* is defined in \[docs\/http\/http-metrics\.md:60-\d+\]\(file:\/\/\/[^)]*#L60-L\d+\)/);
      assert.match(text, /- Instrument Type: Histogram/);
      assert.match(text, /- Unit \(UCUM\): `s`/);
      const missing = toolText(await vscode.lm.invokeTool("docent_define", { input: { name: "no.such.metric" }, toolInvocationToken: undefined }, token));
      assert.match(missing, /not defined in the docs/);
    });

    it("the MCP server definition runs the bundled dist/cli.js mcp on the workspace folders", function () {
      const defs = api.agents.mcpServerDefinitions();
      assert.equal(defs.length, 1);
      const [def] = defs;
      assert.equal(def!.label, "Docent docs");
      assert.equal(def!.command, process.execPath);
      assert.ok(existsSync(def!.command));
      assert.match(def!.args[0]!, /dist[\\/]cli\.js$/);
      assert.ok(existsSync(def!.args[0]!), `${def!.args[0]} exists`);
      assert.deepEqual(def!.args.slice(1), ["mcp", ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)]);
      assert.equal(def!.env.ELECTRON_RUN_AS_NODE, "1");
    });

    it("that definition, run as VS Code would run it, answers MCP initialize and lists search_docs", async function () {
      const [def] = api.agents.mcpServerDefinitions();
      const env = { ...process.env, ...Object.fromEntries(Object.entries(def!.env).map(([k, v]) => [k, String(v)])) };
      const child = spawn(def!.command, def!.args, { env, stdio: ["pipe", "pipe", "ignore"] });
      try {
        let out = "";
        const reply = (id: number) =>
          until(`MCP reply ${id}`, () => out.split("\n").find((l) => l.includes(`"id":${id}`)), 30_000).then((l) => JSON.parse(l) as { result: unknown });
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        const send = (m: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...m })}\n`);
        send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "0" } } });
        const init = (await reply(1)).result as { serverInfo: { name: string } };
        assert.equal(init.serverInfo.name, "docent");
        send({ method: "notifications/initialized" });
        send({ id: 2, method: "tools/list" });
        const tools = (await reply(2)).result as { tools: { name: string }[] };
        assert.ok(tools.tools.some((t) => t.name === "search_docs"));
      } finally {
        child.kill();
      }
    });

    it("@docent streams the answer and references its sources", async function () {
      const markdown: string[] = [];
      const references: vscode.Location[] = [];
      const stream = {
        markdown: (m: string | vscode.MarkdownString) => markdown.push(typeof m === "string" ? m : m.value),
        reference: (r: vscode.Location) => references.push(r),
        progress: () => undefined,
      } as unknown as vscode.ChatResponseStream;
      const request = { prompt: "What does http.server.request.duration measure?" } as vscode.ChatRequest;
      const context = { history: [] } as unknown as vscode.ChatContext;
      const result = await api.agents.chatHandler(request, context, stream, new vscode.CancellationTokenSource().token);
      assert.equal((result as vscode.ChatResult).errorDetails, undefined);
      const text = markdown.join("");
      console.log(
        `[figures] @docent: ${markdown.length} markdown parts, ${references.length} references, mode ${JSON.stringify((result as vscode.ChatResult).metadata)}`,
      );
      assert.ok(markdown.length >= 2, "the answer came in parts");
      assert.match(text, /\*\*Sources\*\*/);
      assert.match(text, /\[1\] \[docs\/http\/http-metrics\.md:60-\d+\]\(file:\/\/\/[^)]*#L60-L\d+\)/);
      assert.ok(references.length > 0);
      assert.ok(references[0] instanceof vscode.Location);
      assert.match(references[0]!.uri.fsPath, /http-metrics\.md$/);
      assert.equal(references[0]!.range.start.line, 59);
    });

    it("@docent stops when its request is cancelled, and answers again afterwards", async function () {
      const cts = new vscode.CancellationTokenSource();
      let parts = 0;
      const stream = {
        markdown: () => {
          if (++parts === 1) cts.cancel();
        },
        reference: () => undefined,
        progress: () => undefined,
      } as unknown as vscode.ChatResponseStream;
      const context = { history: [] } as unknown as vscode.ChatContext;
      const cancelled = (await api.agents.chatHandler(
        { prompt: "What is jvm.memory.used?" } as vscode.ChatRequest,
        context,
        stream,
        cts.token,
      )) as vscode.ChatResult;
      assert.equal(cancelled.errorDetails, undefined, "a cancelled answer is not reported as an error");
      console.log(`[figures] @docent cancelled after its first part: ${parts} markdown parts in all`);
      const again = await api.ask("What is jvm.memory.used?");
      assert.ok(again && again.sources.length > 0, "the engine answers the next question");
    });
  });
}
