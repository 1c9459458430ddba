// Turning raw file bytes into text we can index: binary detection, BOM, invalid UTF-8.
import { promises as fs } from "node:fs";

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export interface DecodedText {
  text: string;
  /** True when some bytes were not valid UTF-8 and were replaced with U+FFFD. */
  hadInvalidUtf8: boolean;
}

/** A NUL byte in the first 8 KB is how git and most editors decide a file is binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

export function decodeText(bytes: Uint8Array): DecodedText {
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
