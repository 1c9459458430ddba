// A streaming reader of the tar archives npm packs (ustar, with pax and GNU long names): enough to
// unpack a node-llama-cpp binary package without a tar dependency. Only regular files and folders
// are written; an entry whose path leaves the target folder (absolute, "..") fails the whole
// extraction, as does a link or device entry, so a hostile tarball cannot write elsewhere.
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";

const BLOCK = 512;

export interface ExtractOptions {
  /** Removed from the start of every entry's path ("package/" in npm tarballs); entries without it fail. */
  stripPrefix?: string;
}

/** Unpacks a tar stream (already gunzipped) into `dest`; returns the files written. */
export async function extractTar(stream: AsyncIterable<Buffer | Uint8Array>, dest: string, options: ExtractOptions = {}): Promise<number> {
  const root = path.resolve(dest);
  await fs.mkdir(root, { recursive: true });
  const reader = new BlockReader(stream);
  let files = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (;;) {
    const header = await reader.read(BLOCK);
    // A complete archive ends with zero blocks; a stream that just stops was cut short.
    if (!header) throw new Error("The tar archive is truncated (no end-of-archive block)");
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw new Error("Not a tar archive (header checksum mismatch)");
    const type = String.fromCharCode(header[156] || 48);
    const size = parseOctal(header.subarray(124, 136));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L" || type === "x" || type === "g") {
      const body = await reader.readExact(padded);
      const text = body.subarray(0, size).toString("utf8");
      if (type === "L") longName = text.replace(/\0.*$/s, "");
      else if (type === "x") paxPath = paxValue(text, "path") ?? paxPath;
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    longName = paxPath = undefined;
    const target = entryPath(root, name, options.stripPrefix);
    if (type === "5") {
      await fs.mkdir(target, { recursive: true });
      await reader.skip(padded);
    } else if (type === "0" || type === "7") {
      await fs.mkdir(path.dirname(target), { recursive: true });
      // Executable bits are kept (shared libraries); nothing is written setuid or world-writable.
      // pipeline(): a write error or a cut archive rejects here and closes the file (no leaked handle, no unhandled 'error').
      await pipeline(
        async function* () {
          let left = size;
          while (left > 0) {
            const chunk = await reader.readSome(left);
            if (!chunk) throw new Error(`The tar archive ends inside ${name}`);
            left -= chunk.length;
            yield chunk;
          }
        },
        createWriteStream(target, { mode: parseOctal(header.subarray(100, 108)) & 0o111 ? 0o755 : 0o644 }),
      );
      await reader.skip(padded - size);
      files++;
    } else {
      throw new Error(
        `The tar archive holds a ${type === "1" || type === "2" ? "link" : `type "${type}" entry`} (${name}); only files and folders are accepted`,
      );
    }
  }
  return files;
}

function entryPath(root: string, name: string, stripPrefix: string | undefined): string {
  let rel = name.replace(/\\/g, "/");
  if (stripPrefix) {
    if (!rel.startsWith(stripPrefix)) throw new Error(`Unexpected tar entry outside ${stripPrefix}: ${name}`);
    rel = rel.slice(stripPrefix.length);
  }
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel) || rel.split("/").includes("..")) throw new Error(`Unsafe path in the tar archive: ${name}`);
  const target = path.resolve(root, rel);
  if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`Unsafe path in the tar archive: ${name}`);
  return target;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString("utf8");
}

function parseOctal(buf: Buffer): number {
  // Sizes over 8 GB use base-256; npm packages never do.
  if (buf[0]! & 0x80) throw new Error("Tar entries over 8 GB are not supported");
  const text = cString(buf).trim();
  return text ? parseInt(text, 8) : 0;
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === parseOctal(header.subarray(148, 156));
}

function paxValue(text: string, key: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

/** Blocks and byte runs out of a stream of arbitrary chunks. */
class BlockReader {
  private readonly it: AsyncIterator<Buffer | Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(stream: AsyncIterable<Buffer | Uint8Array>) {
    this.it = stream[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const next = await this.it.next();
      if (next.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, Buffer.from(next.value)]) : Buffer.from(next.value);
    }
  }

  /** Exactly n bytes, or undefined at the end of the stream. */
  async read(n: number): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.buf.length < n) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async readExact(n: number): Promise<Buffer> {
    const out = await this.read(n);
    if (!out) throw new Error("The tar archive is truncated");
    return out;
  }

  /** Up to n bytes (at least one), or undefined at the end. */
  async readSome(n: number): Promise<Buffer | undefined> {
    await this.fill(1);
    if (this.buf.length === 0) return undefined;
    const take = Math.min(n, this.buf.length);
    const out = this.buf.subarray(0, take);
    this.buf = this.buf.subarray(take);
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const chunk = await this.readSome(left);
      if (!chunk) throw new Error("The tar archive is truncated");
      left -= chunk.length;
    }
  }
}
