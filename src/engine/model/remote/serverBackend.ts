// The model-server backend as the engine sees it: a connection built from the settings and the
// API key, and the chat and embedding models on it.
import type { ServerSettings } from "../../../shared/protocol.js";
import type { Logger } from "../../util/logger.js";
import { DEFAULT_STALL_TIMEOUT_MS, ServerConnection, type RetryPolicy } from "./serverConnection.js";

/** The environment variable the CLI (and the engine, when no key was passed) reads the API key from. */
export const SERVER_API_KEY_ENV = "DOCENT_SERVER_API_KEY";

export function connectionFor(settings: ServerSettings, apiKey: string | undefined, logger: Logger, retry?: Partial<RetryPolicy>): ServerConnection {
  const seconds = settings.timeoutSeconds;
  return new ServerConnection({
    url: settings.url,
    apiKey: apiKey || undefined,
    stallTimeoutMs: seconds && seconds > 0 ? seconds * 1000 : DEFAULT_STALL_TIMEOUT_MS,
    retry,
    logger,
  });
}

/** The server settings that decide the chat backend, as one comparable string. */
export function serverChatKey(settings: ServerSettings | undefined): string {
  return settings?.url ? JSON.stringify([settings.url, settings.chatModel ?? "", settings.timeoutSeconds ?? 0]) : "";
}

/** The server settings that decide the embedder. */
export function serverEmbeddingKey(settings: ServerSettings | undefined): string {
  return settings?.url && settings.embeddingModel ? JSON.stringify([embeddingServerUrl(settings), settings.embeddingModel, settings.timeoutSeconds ?? 0]) : "";
}

/** The embedding server: its own URL when set, else the chat server's. */
export function embeddingServerUrl(settings: ServerSettings): string {
  return settings.embeddingUrl?.trim() || settings.url;
}
