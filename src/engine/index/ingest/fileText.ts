// Turning raw file bytes into text and lines we can index: binary detection, BOM, invalid UTF-8,
// line breaks as editors count them. The one decoder and the one line splitter of every reader.
import { readDocFile, type DocFileRead, type DocFileReadOptions } from "./docFile.js";

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export interface DecodedText {
  text: string;
  /** True when some bytes were not valid UTF-8 (or UTF-16, after its byte order mark) and were replaced with U+FFFD. */
  hadInvalidUtf8: boolean;
}

/** The UTF-16 encoding a byte order mark announces (a UTF-32 one, FF FE 00 00, is not UTF-16). */
function utf16Bom(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe && !(bytes[2] === 0 && bytes[3] === 0)) return "utf-16le";
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

/**
 * A NUL byte in the first 8 KB is how git and most editors decide a file is binary. UTF-16 text (which
 * Windows tools write, with a byte order mark) is full of NUL bytes and is text.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  if (utf16Bom(bytes)) return false;
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

export function decodeText(bytes: Uint8Array): DecodedText {
  const utf16 = utf16Bom(bytes);
  if (utf16) {
    const body = bytes.subarray(2);
    try {
      return { text: new TextDecoder(utf16, { fatal: true, ignoreBOM: true }).decode(body), hadInvalidUtf8: false };
    } catch {
      return { text: new TextDecoder(utf16, { fatal: false, ignoreBOM: true }).decode(body), hadInvalidUtf8: true };
    }
  }
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const body = bytes.subarray(start);
  try {
    return { text: utf8Strict.decode(body), hadInvalidUtf8: false };
  } catch {
    return { text: utf8Lenient.decode(body), hadInvalidUtf8: true };
  }
}

/** Splits on \n, \r\n and lone \r so that line numbers match what editors show. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export type DocTextRead =
  { ok: true; text: string; lines: string[]; hadInvalidUtf8: boolean; size: number; mtimeMs: number } | Extract<DocFileRead, { ok: false }>;

/**
 * A doc's text and lines as the indexer saw them (BOM removed, UTF-16 decoded, invalid UTF-8
 * replaced, split at \n, \r\n and lone \r), with the size and modification time of the file read,
 * read through readDocFile's checks: what every reader of docs after indexing (the answer path,
 * cards, read_section) uses, so they agree with the index.
 */
export async function readDocText(root: string, absPath: string, maxBytes: number, options?: DocFileReadOptions): Promise<DocTextRead> {
  const read = await readDocFile(root, absPath, maxBytes, options);
  if (!read.ok) return read;
  if (looksBinary(read.bytes)) return { ok: false, reason: "binary", detail: "contains NUL bytes" };
  const { text, hadInvalidUtf8 } = decodeText(read.bytes);
  return { ok: true, text, lines: splitLines(text), hadInvalidUtf8, size: read.size, mtimeMs: read.mtimeMs };
}
