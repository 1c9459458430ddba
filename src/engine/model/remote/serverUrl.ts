// The server address from settings: `http://gpu-box:8000/v1`, `http://gpu-box:8000` and
// `https://host/v1/` all mean the same server. The OpenAI routes live under /v1; llama-server's
// and vLLM's /tokenize and llama-server's /props live at the root.

export interface ServerAddress {
  /** Base of the OpenAI routes, ending in /v1 (no slash). */
  readonly apiBase: string;
  /** The server's root (no slash): /tokenize, /props, /health. */
  readonly root: string;
  /** For messages and the embedder's identity: origin and path, never credentials. */
  readonly label: string;
}

export function parseServerUrl(raw: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`docent.server.url is not a URL: "${raw}" (for example http://gpu-box:8000/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`docent.server.url must be http:// or https://, got "${url.protocol}"`);
  // A key belongs in SecretStorage or DOCENT_SERVER_API_KEY, not in a URL that lands in settings and logs.
  if (url.username || url.password) throw new Error("docent.server.url must not hold a user name or password; set the API key instead");
  if (url.search || url.hash) throw new Error("docent.server.url must not have a query or fragment");
  const path = url.pathname.replace(/\/+$/, "");
  const rootPath = path.endsWith("/v1") ? path.slice(0, -3) : path;
  const root = `${url.origin}${rootPath}`;
  return { apiBase: `${root}/v1`, root, label: root };
}
