// Turning raw file bytes into text and lines we can index: binary detection, BOM, invalid UTF-8,
// line breaks as editors count them.
import { promises as fs } from "node:fs";

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

/** A file's lines as the indexer saw them (BOM removed, invalid UTF-8 replaced), or undefined if unreadable. */
export async function readLines(file: string): Promise<string[] | undefined> {
  try {
    return splitLines(decodeText(await fs.readFile(file)).text);
  } catch {
    return undefined;
  }
}
