// What the output flags may write over: never a file the same command reads (the same path, link
// or inode), and, for --index, only a Docent index (or nothing).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { foreignIndexFile } from "../engine/index/disk/indexFiles.js";

/** A path and the flag it was given with (for the message). */
export interface FlagPath {
  flag: string;
  file: string;
}

/** The real path of a file, or of its folder joined with its name when the file does not exist yet. */
async function realPathOf(file: string): Promise<string> {
  const abs = path.resolve(file);
  const real = await fs.realpath(abs).catch(() => undefined);
  if (real) return real;
  const dir = await fs.realpath(path.dirname(abs)).catch(() => path.dirname(abs));
  return path.join(dir, path.basename(abs));
}

async function inode(file: string): Promise<string | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? `${stat.dev}:${stat.ino}` : undefined;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  if ((await realPathOf(a)) === (await realPathOf(b))) return true;
  const [ia, ib] = await Promise.all([inode(a), inode(b)]);
  return ia !== undefined && ia === ib;
}

/** Throws when an output is the same file as an input (a hard link or a symbolic link included): writing it would destroy the input. */
export async function refuseOutputOverInput(outputs: FlagPath[], inputs: FlagPath[]): Promise<void> {
  for (const out of outputs) {
    for (const input of inputs) {
      if (await sameFile(out.file, input.file)) {
        throw new Error(
          `refused to write ${out.flag} ${out.file}: it is the same file as ${input.flag} ${input.file}, which would be overwritten. Choose another ${out.flag.split(" ")[0]}.`,
        );
      }
    }
  }
}

/** Throws when --index names an existing file that is not a Docent index: saving would overwrite it. */
export async function refuseForeignIndex(file: string): Promise<void> {
  const why = await foreignIndexFile(file);
  if (why) throw new Error(`refused to use --index ${file}: ${why}, and saving the index would overwrite it. Choose another --index path.`);
}
