// `docent mcp` driven by the MCP SDK's own client over stdio, for tests: the built CLI (dist/cli.js)
// with its own cache folder, its standard error kept, and any stray stdout reported as an error.
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { repoRoot } from "./repoRoot.js";

export interface McpServer {
  client: Client;
  stderr: () => string;
  /** Anything on stdout that is not a protocol message shows up here. */
  errors: Error[];
  close(): Promise<void>;
}

export async function startMcpServer(args: string[], cacheHome: string): Promise<McpServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(repoRoot(), "dist", "cli.js"), "mcp", ...args],
    env: { ...(process.env as Record<string, string>), XDG_CACHE_HOME: cacheHome },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "docent-test", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (err) => errors.push(err);
  await client.connect(transport);
  return { client, stderr: () => stderr, errors, close: () => client.close() };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export const toolText = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
