// The HEAD probe of a remote model file: the size and SHA-256 the hub (or a plain server)
// announces, independently of the downloader, for verifying the download.
import type { Logger } from "../../util/logger.js";

const PROBE_TIMEOUT_MS = 15_000;

export interface RemoteFacts {
  /** Size announced by the hub/server independently of the downloader (x-linked-size, HEAD). */
  size?: number;
  /** SHA-256 announced by the hub (x-linked-etag, or an HF etag that is one). */
  sha256?: string;
  /** Where the facts came from, for messages. */
  source: string;
}

/**
 * HEAD without following redirects, like huggingface_hub: the hub answers a `resolve` URL with a
 * redirect carrying `x-linked-size` and `x-linked-etag` (the LFS SHA-256). A plain server's 200
 * gives its content-length. Failures are logged and ignored: the downloader's own size stands.
 */
export async function probeRemote(
  url: string | undefined,
  endpoint: string | undefined,
  signal: AbortSignal,
  logger: Logger,
): Promise<RemoteFacts | undefined> {
  if (!url) return undefined;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "HEAD",
      redirect: "manual",
      headers: {
        "accept-encoding": "identity",
        // node-llama-cpp sends HF_TOKEN to the hub by itself; the probe does the same.
        ...(process.env.HF_TOKEN && isHubUrl(url, endpoint) ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {}),
      },
      signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
    });
  } catch (err) {
    signal.throwIfAborted();
    logger.warn(`Model download: HEAD ${url} failed (${String(err)}); size check uses the download's own size`);
    return undefined;
  }
  const facts: RemoteFacts = { source: `${url} (HEAD)` };
  const linkedSize = parseSize(response.headers.get("x-linked-size"));
  if (linkedSize !== undefined) facts.size = linkedSize;
  else if (response.status === 200) {
    const length = parseSize(response.headers.get("content-length"));
    if (length !== undefined && length > 0) facts.size = length;
  }
  const linkedEtag = sha256FromEtag(response.headers.get("x-linked-etag"));
  if (linkedEtag) facts.sha256 = linkedEtag;
  else if (isHubUrl(url, endpoint)) {
    // On the hub (not its CDN) a 64-hex etag is the LFS SHA-256; a 40-hex one is a git blob id.
    const etag = sha256FromEtag(response.headers.get("etag"));
    if (etag) facts.sha256 = etag;
  }
  if (response.status >= 400) {
    logger.warn(`Model download: HEAD ${url} answered ${response.status}`);
    return undefined;
  }
  return facts;
}

function isHubUrl(url: string, endpoint: string | undefined): boolean {
  try {
    const host = new URL(url).hostname;
    if (host === "huggingface.co" || host === "hf.co") return true;
    const configured = endpoint ?? process.env.MODEL_ENDPOINT ?? process.env.HF_ENDPOINT;
    return configured ? new URL(configured).hostname === host : false;
  } catch {
    return false;
  }
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

function sha256FromEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  const bare = value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}
