// What activate() returns: an API for the integration tests (a real VS Code runs them), built from
// the extension's context and the few views of its state that only tests read.
import * as path from "node:path";
import * as vscode from "vscode";
import type { AnswerResult } from "../shared/answer.js";
import { FEEDBACK_FILE } from "../shared/defaults.js";
import type { EngineSettings, EngineStatus, ModelFailure } from "../shared/protocol.js";
import type { DocentAgents, McpStdioServerDefinition } from "./agents.js";
import { exportDataset } from "./commands.js";
import type { DocentContext } from "./context.js";
import type { FailedDownload } from "./model/modelFailures.js";
import { modelPickItems, type ModelPickItem } from "./model/models.js";
import { showModelStatus, type ShownModelStatus } from "./model/modelStatus.js";
import { lastHighlight, openSource, resolveLink, type LinkTarget } from "./chat/openSource.js";

/** What the extension returns from activate(): used by the integration tests. */
export interface DocentApi {
  /** Resolves when the engine reports "ready" (index loaded or built). */
  whenReady(timeoutMs?: number): Promise<EngineStatus>;
  status(): EngineStatus | undefined;
  ask(question: string): Promise<AnswerResult | undefined>;
  /** Exports the dataset to a file without asking where (tests). */
  exportDataset(file: string, limit?: number): Promise<unknown>;
  /** The engine process id, for tests that kill it. */
  enginePid(): number | undefined;
  feedbackFile(): string;
  /** The status bar item's tooltip (Model Status lines included once the engine reported them). */
  statusBarTooltip(): string;
  /** Runs "Docent: Show Model Status" and returns what it showed. */
  showModelStatus(): Promise<ShownModelStatus | undefined>;
  /** Docent in the editor's AI features: what was registered, the MCP definitions, @docent's handler. */
  agents: {
    registered: { tools: string[]; mcpServerDefinitionProvider: boolean; chatParticipant: boolean };
    mcpServerDefinitions(): McpStdioServerDefinition[];
    chatHandler: vscode.ChatRequestHandler;
  };
  activationMs: number;
  /** The first-ten-minutes UX, for the integration tests. */
  ux: {
    /** Looks up the name in the active editor and returns the `docent.explainable` context key's value. */
    explainable(): Promise<{ value: boolean; name: string | undefined }>;
    modelPickItems(): ModelPickItem[];
    failedDownloads(): FailedDownload[];
    /** What Retry does in the failure notification. */
    retryModel(setting: ModelFailure["setting"]): Promise<void>;
    /** The settings the engine was last started with (failed downloads left out). */
    startedWith(): EngineSettings | undefined;
    restartEngine(): Promise<void>;
    lastHighlight(): { file: string; startLine: number; endLine: number } | undefined;
    /** What a click on a source in the chat does. */
    openSource(file: string, startLine: number, endLine: number): Promise<boolean>;
    /** Where a link in the chat leads (what a click would open), without opening it. */
    resolveLink(href: string, bases: string[]): LinkTarget;
  };
}

/** The extension's state that only the test API reads, beside its context. */
export interface TestedExtension extends DocentContext {
  readonly agents: DocentAgents;
  readonly storageDir: string;
  whenReady(timeoutMs?: number): Promise<EngineStatus>;
  statusBarTooltip(): string;
  explainable(): Promise<{ value: boolean; name: string | undefined }>;
  failedDownloads(): FailedDownload[];
  retryModel(setting: ModelFailure["setting"]): Promise<void>;
  startedWith(): EngineSettings | undefined;
}

export function testApi(ext: TestedExtension, activationMs: number): DocentApi {
  return {
    whenReady: (t) => ext.whenReady(t),
    status: () => ext.engine()?.status,
    ask: (q) => ext.chat.askFromCommand(q),
    exportDataset: (file, limit) => exportDataset(ext, vscode.Uri.file(file), limit),
    enginePid: () => ext.engine()?.status.pid,
    feedbackFile: () => path.join(ext.storageDir, FEEDBACK_FILE),
    statusBarTooltip: () => ext.statusBarTooltip(),
    showModelStatus: () => showModelStatus(ext.engine()),
    agents: {
      registered: ext.agents.registered,
      mcpServerDefinitions: () => ext.agents.mcpServerDefinitions(),
      chatHandler: ext.agents.chatHandler,
    },
    activationMs,
    ux: {
      explainable: () => ext.explainable(),
      modelPickItems: () => modelPickItems(),
      failedDownloads: () => ext.failedDownloads(),
      retryModel: (setting) => ext.retryModel(setting),
      startedWith: () => ext.startedWith(),
      restartEngine: () => ext.restartEngine(),
      lastHighlight: () => lastHighlight,
      openSource: (file, start, end) => openSource(file, start, end, ext.log),
      resolveLink: (href, bases) => resolveLink(href, bases),
    },
  };
}
