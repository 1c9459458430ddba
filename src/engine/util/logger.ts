// Where the engine's messages go: the language server's console, the CLI's stderr, or nowhere.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
