// The engine connection's log with secrets taken out. The model server's API key travels to the
// engine in LSP messages (initialize, docent/setServerApiKey), and with `docent.trace.server` at
// "verbose" the language client writes every message's parameters to its log: the key would then
// sit in the Output view and in the log files users attach to bug reports.
import type * as vscode from "vscode";

export const REDACTED = "[redacted]";

/** `text` with every occurrence of each secret (as written, and as JSON writes it) replaced. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // A very short "secret" would blank out ordinary words; keys are never that short.
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join(REDACTED);
  }
  return out;
}

const WRITERS = new Set(["append", "appendLine", "replace", "trace", "debug", "info", "warn", "error"]);

/**
 * A view of `log` whose writers redact the current secrets (read at each write, so a key set later
 * is covered too). Everything else (level, events, show) is the log's own.
 */
export function redactingLog(log: vscode.LogOutputChannel, secrets: () => readonly (string | undefined)[]): vscode.LogOutputChannel {
  const clean = (v: unknown): unknown => {
    if (typeof v === "string") return redactSecrets(v, secrets());
    if (!(v instanceof Error)) return v;
    const copy = new Error(redactSecrets(v.message, secrets()));
    copy.name = v.name;
    copy.stack = v.stack && redactSecrets(v.stack, secrets());
    return copy;
  };
  return new Proxy(log, {
    get(target, property) {
      // Read and called on the log itself: its members may rely on being called on it.
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property !== "string" || !WRITERS.has(property)) return method.bind(target);
      return (...args: unknown[]) => method.apply(target, args.map(clean));
    },
  });
}
