// Docent in the editor's AI features: two language-model tools (#docs and the define tool) that
// agent mode and other extensions can call, an MCP server definition (the CLI's `docent mcp` on the
// workspace folders) for VS Code's MCP list, and an @docent chat participant that answers with
// Docent's own pipeline. Each is registered only where the running VS Code has the API and only
// when its setting (docent.agents.*) is on; the settings are read at activation, and a change asks
// to reload the window.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { READING_SHOWN_SECONDS, readingText, type AnswerSource } from "../shared/answer.js";
import { definitionMarkdown, searchResultsMarkdown } from "../shared/node/docsMarkdown.js";
import type { Definition, SearchSection } from "../shared/protocol.js";
import { Disposable } from "./disposable.js";
import type { EngineClient } from "./engineClient.js";

export const SEARCH_TOOL = "docent_searchDocs";
export const DEFINE_TOOL = "docent_define";
export const CHAT_PARTICIPANT_ID = "docent.docent";
export const MCP_PROVIDER_ID = "docent.mcp";

/** What VS Code 1.101+ calls McpStdioServerDefinition (not in the @types/vscode this extension builds against). */
export interface McpStdioServerDefinition {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string | number | null>;
  version?: string;
}
type McpStdioServerDefinitionClass = new (
  label: string,
  command: string,
  args?: string[],
  env?: Record<string, string | number | null>,
  version?: string,
) => McpStdioServerDefinition;
interface McpServerDefinitionProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<McpStdioServerDefinition[]>;
}
interface LmWithMcp {
  registerMcpServerDefinitionProvider?: (id: string, provider: McpServerDefinitionProvider) => vscode.Disposable;
}

interface SearchInput {
  query: string;
  k?: number;
}
interface DefineInput {
  name: string;
}

/** `file:///abs/path#L60-L95`: the lines, as a link editors (and chat) open. */
export function lineUri(file: string, startLine: number, endLine: number): vscode.Uri {
  return vscode.Uri.file(file).with({ fragment: `L${startLine}-L${endLine}` });
}

const lineLink = (file: string, startLine: number, endLine: number) => lineUri(file, startLine, endLine).toString();

export function searchMarkdown(query: string, sections: SearchSection[], manyFolders: boolean): string {
  if (!sections.length) return `No section of the docs matches "${query}".`;
  return searchResultsMarkdown(sections, {
    manyFolders,
    link: lineLink,
    cutNote: (s) => `section cut at 4,000 characters: lines ${s.startLine}-${s.endLine} hold the rest`,
  });
}

export function defineMarkdown(name: string, def: Definition | null): string {
  if (!def)
    return `\`${name}\` is not defined in the docs (only names with a dot, underscore, hyphen, colon or slash are looked up; search the docs for plain words).`;
  return definitionMarkdown(def, lineLink);
}

const sourceLine = (s: AnswerSource) => `[${s.n}] [${s.path}:${s.startLine}-${s.endLine}](${lineUri(s.file, s.startLine, s.endLine).toString()}) ${s.heading}`;

export interface AgentsOptions {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  engine: () => EngineClient | undefined;
  roots: () => string[];
}

export class DocentAgents extends Disposable {
  /** What was registered (the test API reports it). */
  readonly registered = { tools: [] as string[], mcpServerDefinitionProvider: false, chatParticipant: false };
  private readonly mcpChanged = this.register(new vscode.EventEmitter<void>());
  private asks = 0;

  constructor(private readonly options: AgentsOptions) {
    super();
    const config = vscode.workspace.getConfiguration("docent.agents");
    if (config.get<boolean>("languageModelTools", true)) this.registerTools();
    if (config.get<boolean>("mcpServer", true)) this.registerMcpServer();
    if (config.get<boolean>("chatParticipant", true)) this.registerChatParticipant();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.mcpChanged.fire()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration("docent.agents")) return;
        void vscode.window
          .showInformationMessage("Docent: the AI integration settings apply after the window reloads.", "Reload Window")
          .then((a) => a && vscode.commands.executeCommand("workbench.action.reloadWindow"));
      }),
    );
  }

  private registerTools(): void {
    if (typeof vscode.lm?.registerTool !== "function") {
      this.options.log.info("This VS Code has no language-model tools API: #docs and the define tool are not registered");
      return;
    }
    const text = (markdown: string) => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(markdown)]);
    this.register(
      vscode.lm.registerTool<SearchInput>(SEARCH_TOOL, {
        prepareInvocation: (o) => ({ invocationMessage: `Searching the workspace docs for "${o.input.query}"` }),
        invoke: async (o, token) => {
          const engine = this.options.engine();
          if (!engine) return text("Docent has no workspace folder open, so there are no docs to search.");
          const k = Math.min(20, Math.max(1, Math.round(o.input.k ?? 5)));
          const sections = await engine.request("search", { query: o.input.query, k }, token);
          return text(searchMarkdown(o.input.query, sections, this.options.roots().length > 1));
        },
      }),
    );
    this.register(
      vscode.lm.registerTool<DefineInput>(DEFINE_TOOL, {
        prepareInvocation: (o) => ({ invocationMessage: `Looking up \`${o.input.name}\` in the workspace docs` }),
        invoke: async (o, token) => {
          const engine = this.options.engine();
          if (!engine) return text("Docent has no workspace folder open, so there are no docs to look the name up in.");
          const name = o.input.name.trim().replace(/^`|`$/g, "");
          return text(defineMarkdown(name, await engine.request("define", { name }, token)));
        },
      }),
    );
    this.registered.tools.push(SEARCH_TOOL, DEFINE_TOOL);
  }

  /** The CLI bundled with the extension (dist/cli.js). */
  get cliPath(): string {
    return path.join(this.options.context.extensionPath, "dist", "cli.js");
  }

  /**
   * `docent mcp <folders>`, run by the runtime that runs the extension host (and the engine
   * process): process.execPath with ELECTRON_RUN_AS_NODE=1, which is Node in code-server and
   * Electron-as-Node in desktop VS Code. That runtime is known to load the bundled node-llama-cpp
   * (the engine process does), whereas a `node` on PATH may be missing or of another ABI.
   */
  mcpServerDefinitions(): McpStdioServerDefinition[] {
    const roots = this.options.roots();
    const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionClass }).McpStdioServerDefinition;
    if (!roots.length || !Definition || !fs.existsSync(this.cliPath)) return [];
    const version = (this.options.context.extension.packageJSON as { version?: string }).version;
    return [new Definition("Docent docs", process.execPath, [this.cliPath, "mcp", ...roots], { ELECTRON_RUN_AS_NODE: "1" }, version)];
  }

  private registerMcpServer(): void {
    const lm = vscode.lm as unknown as LmWithMcp | undefined;
    if (typeof lm?.registerMcpServerDefinitionProvider !== "function") {
      this.options.log.info("This VS Code has no MCP server definition API: Docent's MCP server is not offered");
      return;
    }
    this.register(
      lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: this.mcpChanged.event,
        provideMcpServerDefinitions: () => this.mcpServerDefinitions(),
      }),
    );
    this.registered.mcpServerDefinitionProvider = true;
  }

  private registerChatParticipant(): void {
    if (typeof vscode.chat?.createChatParticipant !== "function") {
      this.options.log.info("This VS Code has no chat participant API: @docent is not registered");
      return;
    }
    const participant = this.register(vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, this.chatHandler));
    participant.iconPath = vscode.Uri.joinPath(this.options.context.extensionUri, "media", "docent.svg");
    this.registered.chatParticipant = true;
  }

  /** @docent: answers with Docent's pipeline, streaming the answer and referencing its sources. */
  readonly chatHandler: vscode.ChatRequestHandler = async (request, _context, stream, token) => {
    const engine = this.options.engine();
    if (!engine) {
      stream.markdown("Docent has no workspace folder open, so there are no docs to answer from. Open a folder and ask again.");
      return {};
    }
    const status = engine.status;
    if (status.state !== "ready") {
      const what = status.message ?? status.state;
      stream.markdown(`Docent is not ready yet (${what}). Ask again when its status bar item says the docs are indexed.`);
      return {};
    }
    const question = request.prompt.trim();
    if (!question) {
      stream.markdown("Ask a question about this workspace's docs, e.g. `@docent what does http.server.request.duration measure?`");
      return {};
    }
    const id = `chat-participant-${++this.asks}`;
    let streamed = false;
    stream.progress("Searching the docs");
    const subscription = engine.onAskEvent(({ id: eventId, event }) => {
      if (eventId !== id) return;
      if (event.type === "answer-chunk") {
        streamed = true;
        stream.markdown(event.text);
      } else if (event.type === "stage" && event.status === "started" && event.stage === "answer") {
        stream.progress("Writing the answer");
      } else if (event.type === "notice") {
        stream.progress(event.text);
      } else if (event.type === "reading" && event.seconds !== undefined && event.seconds >= READING_SHOWN_SECONDS) {
        stream.progress(readingText(event.promptTokens, event.seconds));
      }
    });
    try {
      const result = await engine.request("ask", { id, question }, token);
      if (!streamed && result.answer) stream.markdown(result.answer);
      if (result.note) stream.markdown(`\n\n_${result.note}_`);
      if (result.sources.length) stream.markdown(`\n\n**Sources**\n\n${result.sources.map(sourceLine).join("  \n")}`);
      for (const s of result.sources) {
        stream.reference(new vscode.Location(vscode.Uri.file(s.file), new vscode.Range(s.startLine - 1, 0, s.endLine - 1, 0)));
      }
      return { metadata: { mode: result.mode, sources: result.sources.length } };
    } catch (err) {
      if (token.isCancellationRequested) return {};
      this.options.log.error(`@docent failed: ${(err as Error).stack ?? err}`);
      return { errorDetails: { message: `Docent could not answer: ${(err as Error).message}` } };
    } finally {
      subscription.dispose();
    }
  };
}
