// What can go wrong talking to an OpenAI-compatible server, as one error type with a kind and a
// message a user can act on. fetch (undici) reports most network problems as "fetch failed" with
// the real reason in `cause`; faultFromFetchError digs it out.

export type ServerFaultKind =
  | "unreachable" // connection refused, DNS, no route
  | "tls" // certificate or handshake problem
  | "auth" // 401 / 403
  | "unknown-model" // 404 for the model, or not in /v1/models
  | "busy" // 429 / 503 after the retries ran out
  | "stalled" // no byte for the stall timeout
  | "malformed" // a response or stream event that is not what the API says
  | "disconnected" // the server closed the connection mid-answer
  | "http"; // any other HTTP error

export class ServerFault extends Error {
  constructor(
    readonly kind: ServerFaultKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ServerFault";
  }
}

const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_NOT_YET_VALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);
const DISCONNECT_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** The innermost error code of an error chain (fetch wraps the socket error in `cause`). */
function errorCodes(err: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string") codes.push(e.code);
    if (typeof e.message === "string") messages.push(e.message);
    e = e.cause as typeof e;
  }
  return { codes, messages };
}

/** Whether a failed request never reached the server's handler (safe to send again once). */
export function isConnectionReset(err: unknown): boolean {
  return errorCodes(err).codes.some((c) => DISCONNECT_CODES.has(c));
}

/** A fetch or stream-read error as a ServerFault; `during` says what was going on. */
export function faultFromFetchError(err: unknown, server: string, during: "connect" | "stream"): ServerFault {
  if (err instanceof ServerFault) return err;
  const { codes, messages } = errorCodes(err);
  const detail = messages.at(-1) ?? String(err);
  if (codes.some((c) => TLS_CODES.has(c) || c.startsWith("ERR_TLS") || c.startsWith("ERR_SSL")) || /certificate|TLS|SSL/i.test(detail)) {
    return new ServerFault("tls", `TLS error talking to ${server}: ${detail}. Check the certificate (or use the URL the server's certificate names).`);
  }
  if (during === "stream" || codes.some((c) => DISCONNECT_CODES.has(c)) || /terminated|other side closed/i.test(detail)) {
    return new ServerFault("disconnected", `The model server ${server} closed the connection${during === "stream" ? " mid-answer" : ""} (${detail}).`);
  }
  if (codes.some((c) => UNREACHABLE_CODES.has(c)) || /fetch failed/i.test(detail)) {
    return new ServerFault("unreachable", `Cannot reach the model server ${server} (${codes[0] ?? detail}). Is it running, and is docent.server.url right?`);
  }
  return new ServerFault("unreachable", `Cannot reach the model server ${server}: ${detail}`);
}

/** An HTTP error status as a ServerFault, with the server's own message when it sent one. */
export function faultFromStatus(status: number, body: string, server: string, model: string | undefined): ServerFault {
  const said = serverMessage(body);
  const suffix = said ? `: ${said}` : "";
  if (status === 401 || status === 403) {
    return new ServerFault(
      "auth",
      `The model server ${server} refused the request (${status}${suffix}). Set the API key with "Docent: Set Server API Key" (the CLI reads DOCENT_SERVER_API_KEY).`,
      status,
    );
  }
  if (status === 404 && (model === undefined || /model/i.test(said))) {
    return new ServerFault("unknown-model", `The model server ${server} does not know the model "${model ?? "?"}" (${status}${suffix}).`, status);
  }
  if (status === 429 || status === 503) return new ServerFault("busy", `The model server ${server} is busy (${status}${suffix}).`, status);
  return new ServerFault("http", `The model server ${server} answered ${status}${suffix}.`, status);
}

/** The `error.message` of an OpenAI-style error body, else its first 200 characters. */
export function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (typeof m === "string") return oneLine(m);
  } catch {
    // not JSON
  }
  return oneLine(body);
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
