import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listCorpus, readDocFile, type CorpusFile, type DocFileRead } from "../../src/engine/index/ingest/corpus.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { ReadAhead } from "../../src/engine/index/ingest/readAhead.js";
import { makeTempDir, tempDocs } from "../helpers/tempDocs.js";

const files: CorpusFile[] = Array.from({ length: 20 }, (_, i) => ({
  absPath: `/docs/f${i}.md`,
  root: "/docs",
  relPath: `f${i}.md`,
  size: 10,
  mtimeMs: 1,
}));

/** A reader that records which files it was asked for and answers only when told to. */
function recordingReader() {
  const asked: number[] = [];
  const pending = new Map<number, (r: DocFileRead) => void>();
  const read = (file: CorpusFile) => {
    const i = files.indexOf(file);
    asked.push(i);
    return new Promise<DocFileRead>((resolve) => pending.set(i, resolve));
  };
  const answer = (i: number) => pending.get(i)!({ ok: true, bytes: Buffer.from(`# f${i}`), size: 10, mtimeMs: 1 });
  return { asked, read, answer };
}

test("read-ahead: asking for a file starts the reads of the files after it, before the first one is done", async () => {
  const reader = recordingReader();
  const ahead = new ReadAhead(files, reader.read, () => true, 4);
  const first = ahead.read(0);
  // Five reads in flight (the one asked for and four ahead) while none has finished.
  assert.deepEqual(reader.asked, [0, 1, 2, 3, 4]);
  reader.answer(0);
  assert.equal(((await first) as { bytes: Buffer }).bytes.toString(), "# f0");
  // The next file's read is the one already started, not a second read of it.
  const second = ahead.read(1);
  assert.deepEqual(reader.asked, [0, 1, 2, 3, 4, 5]);
  reader.answer(1);
  assert.equal(((await second) as { bytes: Buffer }).bytes.toString(), "# f1");
});

test("read-ahead: unchanged files are never read, passed-over files are not read late, and the window stops at the end", async () => {
  const reader = recordingReader();
  const unchanged = new Set([2, 3, 15]);
  const ahead = new ReadAhead(files, reader.read, (f) => !unchanged.has(files.indexOf(f)), 3);
  void ahead.read(0);
  assert.deepEqual(reader.asked, [0, 1]);
  // The indexer skips to file 12 (files 1 to 11 were unchanged by their listing, say): files 5 to 11
  // are not read on the way, only 12 and the three after it (15 is unchanged).
  void ahead.read(12);
  assert.deepEqual(reader.asked, [0, 1, 12, 13, 14]);
  void ahead.read(18);
  assert.deepEqual(reader.asked, [0, 1, 12, 13, 14, 18, 19]);
  void ahead.read(19);
  assert.deepEqual(reader.asked, [0, 1, 12, 13, 14, 18, 19], "no read past the last file, none twice");
  // A file judged unchanged when the window reached it, but asked for anyway, is read then.
  void ahead.read(15);
  assert.deepEqual(reader.asked.at(-1), 15);
});

test("an update with reads ahead indexes every file with its own content and still leaves out a link out of the folder", async () => {
  const docs: Record<string, string> = {};
  for (let i = 0; i < 40; i++) docs[`d${String(i).padStart(2, "0")}.md`] = `# Page ${i}\n\nThe word unique${i}word appears only here.\n`;
  const root = await tempDocs(docs);
  const outside = path.join(await makeTempDir(), "outside.md");
  await fs.writeFile(outside, "# Outside\n\nsecretword\n");
  await fs.rm(path.join(root, "d07.md"));
  await fs.symlink(outside, path.join(root, "d07.md"));
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.equal(report.added.length, 39);
  assert.ok(!report.added.includes("d07.md"));
  for (let i = 0; i < 40; i++) {
    if (i === 7) continue;
    const hits = await index.search(`unique${i}word`, { k: 1 });
    assert.equal(hits[0]?.chunk.relPath, `d${String(i).padStart(2, "0")}.md`, `file ${i}`);
    assert.equal(hits[0]?.chunk.startLine, 1);
  }
  assert.deepEqual(await index.search("secretword", { k: 3 }), []);
});

test("a file swapped for a link out of the folder after the listing is not read ahead either", async () => {
  const docs: Record<string, string> = {};
  for (let i = 0; i < 6; i++) docs[`p${i}.md`] = `# Page ${i}\n`;
  const root = await tempDocs(docs);
  const outside = path.join(await makeTempDir(), "secret.md");
  await fs.writeFile(outside, "# Secret\n\nsecretword\n");
  const { files: listed } = await listCorpus([root]);
  // Swapped between the listing and the read, as a race with another process would.
  await fs.rm(path.join(root, "p3.md"));
  await fs.symlink(outside, path.join(root, "p3.md"));
  const ahead = new ReadAhead(
    listed,
    (f) => readDocFile(f.root, f.absPath, 1024 * 1024),
    () => true,
  );
  const first = await ahead.read(0);
  assert.equal(first.ok, true);
  const swapped = await ahead.read(3);
  assert.equal(swapped.ok, false);
  assert.match((swapped as { detail: string }).detail, /outside the folder/);
  assert.equal((await ahead.read(4)).ok, true);
});
