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
 * A view of `log` whose writers redact every secret `secrets` has returned (asked at each write, so
 * a key set later is covered, and a key replaced stays covered). Everything else (level, events,
 * show) is the log's own.
 */
export function redactingLog(log: vscode.LogOutputChannel, secrets: () => readonly (string | undefined)[]): vscode.LogOutputChannel {
  const seen = new Set<string>();
  const current = () => {
    for (const secret of secrets()) if (secret) seen.add(secret);
    return [...seen];
  };
  const clean = (v: unknown): unknown => {
    const known = current();
    if (typeof v === "string") return redactSecrets(v, known);
    if (v instanceof Error) {
      const copy = new Error(redactSecrets(v.message, known));
      copy.name = v.name;
      copy.stack = v.stack && redactSecrets(v.stack, known);
      return copy;
    }
    // An object argument is written out by the log: shown as redacted JSON when it holds a secret.
    if (typeof v === "object" && v !== null) {
      let json: string | undefined;
      try {
        json = JSON.stringify(v);
      } catch {
        return v;
      }
      const redacted = json === undefined ? undefined : redactSecrets(json, known);
      return redacted !== undefined && redacted !== json ? redacted : v;
    }
    return v;
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
