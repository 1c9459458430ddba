import { test } from "node:test";
import assert from "node:assert/strict";
import { REDACTED, redactingLog, redactSecrets } from "../../src/extension/redactingLog.js";

/** What a LogOutputChannel receives, with a private field like VS Code's own (called on a proxy, it would throw). */
class RecordingLog {
  readonly #lines: string[] = [];
  readonly name = "Docent";
  get lines(): string[] {
    return this.#lines;
  }
  trace(message: string): void {
    this.#lines.push(`trace ${message}`);
  }
  info(message: string): void {
    this.#lines.push(`info ${message}`);
  }
  error(error: string | Error): void {
    this.#lines.push(`error ${typeof error === "string" ? error : `${error.message} | ${error.stack ?? ""}`}`);
  }
  appendLine(value: string): void {
    this.#lines.push(value);
  }
  show(): string {
    this.#lines.push("shown");
    return this.name;
  }
  warn(message: string, ...args: unknown[]): void {
    this.#lines.push(`warn ${message} ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);
  }
}

test("the engine log never shows the server API key, in the forms a verbose LSP trace writes it", () => {
  let key: string | undefined = 'sk-live-"quoted"\\slash-1234';
  const inner = new RecordingLog();
  const log = redactingLog(inner as unknown as Parameters<typeof redactingLog>[0], () => [key]);
  const params = { apiKey: key };
  // vscode-jsonrpc's trace: the parameters as indented JSON, so quotes and backslashes are escaped.
  log.trace(`Sending request 'docent/setServerApiKey - (3)'.\nParams: ${JSON.stringify(params, null, 4)}`);
  log.info(`Initialize options: ${JSON.stringify({ serverApiKey: key, roots: ["/w"] })}`);
  log.error(new Error(`401 from the server with key ${key}`));
  log.appendLine(`raw ${key}`);
  assert.equal(inner.lines.length, 4);
  for (const line of inner.lines) {
    assert.ok(!line.includes("sk-live"), line);
    assert.ok(line.includes(REDACTED), line);
  }
  assert.ok(inner.lines[1]!.includes('"roots":["/w"]'), "the rest of the message is kept");
  assert.equal((log as unknown as RecordingLog).name, "Docent");
  // A key set later is covered from then on, and a key replaced or removed stays covered.
  key = "sk-second-key";
  log.info("now sk-second-key");
  key = undefined;
  log.info('still sk-second-key and sk-live-"quoted"\\slash-1234');
  assert.deepEqual(inner.lines.slice(4), [`info now ${REDACTED}`, `info still ${REDACTED} and ${REDACTED}`]);
  // Object arguments holding a key are written as redacted JSON; others pass as they are.
  log.warn("request", { headers: { authorization: "Bearer sk-second-key" } }, { plain: 1 });
  assert.equal(inner.lines.at(-1), `warn request {"headers":{"authorization":"Bearer ${REDACTED}"}} {"plain":1}`);
  // Members that are not writers are the log's own, called on it (private fields work).
  assert.equal(log.show(), "Docent");
  assert.equal(inner.lines.at(-1), "shown");
});

test("redaction leaves text alone when there is no key, or one too short to be a key", () => {
  assert.equal(redactSecrets("the a b", [undefined, "", "a"]), "the a b");
  assert.equal(redactSecrets("k=abcd k=abcd", ["abcd"]), `k=${REDACTED} k=${REDACTED}`);
});
