// A file's facts and heading paths as the index file and its journal both write them: one encoding,
// so the two cannot drift apart (a journal replayed onto an index must read what a save wrote).
import type { BlockWriter, ByteReader } from "./binaryFormat.js";
import type { FileEntry } from "../fileEntry.js";

/** A content hash (SHA-1) in bytes. */
export const HASH_BYTES = 20;

export function hashBytes(hex: string): Buffer {
  const b = Buffer.from(hex, "hex");
  if (b.length !== HASH_BYTES) throw new Error(`unexpected content hash ${hex}`);
  return b;
}

export type FileFacts = Pick<FileEntry, "title" | "hash" | "size" | "mtimeMs" | "hadInvalidUtf8">;

export function writeFileFacts(w: BlockWriter, entry: FileFacts): void {
  w.str(entry.title);
  w.bytes(hashBytes(entry.hash));
  w.varuint(entry.size);
  w.f64(entry.mtimeMs);
  w.u8(entry.hadInvalidUtf8 ? 1 : 0);
}

export function readFileFacts(r: ByteReader): FileFacts {
  return { title: r.str(), hash: r.bytes(HASH_BYTES).toString("hex"), size: r.varuint(), mtimeMs: r.f64(), hadInvalidUtf8: r.u8() === 1 };
}

export function writeHeadings(w: BlockWriter, headings: readonly (readonly string[])[]): void {
  w.varuint(headings.length);
  for (const h of headings) {
    w.varuint(h.length);
    for (const part of h) w.str(part);
  }
}

/** A file's entry as read back: its place, then its facts and heading paths (in the order written). */
export function readFileEntry(r: ByteReader, where: Pick<FileEntry, "file" | "root" | "relPath">, slot: number): FileEntry {
  const facts = readFileFacts(r);
  return { ...where, ...facts, chunkIds: [], sections: [], headings: readHeadings(r), slot };
}

export function readHeadings(r: ByteReader): string[][] {
  const headings: string[][] = [];
  const count = r.count();
  for (let h = 0; h < count; h++) headings.push(Array.from({ length: r.count() }, () => r.str()));
  return headings;
}
