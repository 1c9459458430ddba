import { test } from "node:test";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { listCorpus, readDocFile, type CorpusFile } from "../../src/engine/index/ingest/corpus.js";
import { makeTempDir, rewrite, tempDocs } from "../helpers/tempDocs.js";

test("corpus walk honours include globs, .gitignore, node_modules and .git", async () => {
  const root = await tempDocs({
    "README.md": "# Readme",
    "guide/intro.mdx": "# Intro",
    "guide/notes.txt": "notes",
    "guide/ref.rst": "Ref\n===\n",
    "src/code.ts": "export {}",
    "node_modules/pkg/README.md": "# dep",
    ".git/HEAD.md": "# no",
    ".gitignore": "build/\n*.draft.md\n",
    "build/out.md": "# built",
    "guide/wip.draft.md": "# wip",
    "guide/.gitignore": "private.md\n",
    "guide/private.md": "# secret",
  });
  const { files } = await listCorpus([root]);
  assert.deepEqual(
    files.map((f) => f.relPath),
    ["README.md", "guide/intro.mdx", "guide/notes.txt", "guide/ref.rst"],
  );
  const narrowed = await listCorpus([root], { include: ["guide/**"], exclude: ["**/*.txt"] });
  assert.deepEqual(
    narrowed.files.map((f) => f.relPath),
    ["guide/intro.mdx", "guide/ref.rst"],
  );
});

test("binary and oversized files are skipped with a reason; invalid UTF-8 and a BOM are decoded", async () => {
  const invalid = Buffer.concat([Buffer.from("# Latin\n\nCaf"), Buffer.from([0xe9]), Buffer.from(" au lait, alpha beta\n")]);
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("# Bommed\n\nzeta content\n")]);
  const root = await tempDocs({
    "ok.md": "# Fine\n\nplain gamma text\n",
    "blob.md": Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]),
    "huge.md": "# Huge\n\n" + "log line with words\n".repeat(3000),
    "latin1.md": invalid,
    "bom.md": bom,
  });
  const index = new DocsIndex([root], { corpus: { maxFileBytes: 20_000 } });
  const report = await index.update();
  const reasons = Object.fromEntries(report.skipped.map((s) => [s.relPath, s.reason]));
  assert.deepEqual(reasons, { "blob.md": "binary", "huge.md": "too-large" });
  assert.match(report.skipped.find((s) => s.relPath === "huge.md")!.detail, /over the 19\.5 KB limit/);
  assert.deepEqual(report.invalidUtf8, ["latin1.md"]);
  assert.equal(index.fileCount, 3);
  const [latin] = await index.search("au lait alpha", { k: 1 });
  assert.equal(latin!.chunk.relPath, "latin1.md");
  assert.ok(latin!.chunk.text.includes("Caf\uFFFD au lait"));
  const [bommed] = await index.search("zeta", { k: 1 });
  assert.deepEqual(bommed!.chunk.headingPath, ["Bommed"]);
  assert.equal(bommed!.chunk.startLine, 1);
});

test("a symbolic link to a file outside the folder is skipped, one inside is indexed", async () => {
  const outside = await tempDocs({ "secret.md": "# Secret\n\naws_secret_access_key = xyz\n" });
  const root = await tempDocs({ "guide.md": "# Guide\n\nHello.\n", "real/notes.md": "# Notes\n\nInside notes.\n" });
  await fs.symlink(path.join(outside, "secret.md"), path.join(root, "leak.md"));
  await fs.symlink(path.join(root, "real", "notes.md"), path.join(root, "alias.md"));
  const { files, skipped } = await listCorpus([root]);
  assert.deepEqual(
    files.map((f) => f.relPath),
    ["alias.md", "guide.md", "real/notes.md"],
  );
  assert.deepEqual(
    skipped.map((s) => [s.relPath, s.detail]),
    [["leak.md", "a symbolic link to a file outside the folder"]],
  );
  const index = new DocsIndex([root]);
  await index.update();
  assert.equal(await index.refreshFile(path.join(root, "leak.md")), "ignored");
  assert.equal((await index.search("aws secret access key")).length, 0);
});

/** Indexes one listed file the way update() does, after the test has changed it on disk. */
async function indexListed(index: DocsIndex, file: CorpusFile) {
  const report = {
    added: [],
    updated: [],
    removed: [],
    unchanged: 0,
    skipped: [] as { relPath: string; detail: string }[],
    invalidUtf8: [],
    chunksAdded: 0,
    ms: 0,
  };
  // indexFile is the ingester's (ingest/ingester.ts), private to the index.
  const { ingester } = index as unknown as { ingester: { indexFile(f: CorpusFile, r: unknown): Promise<string> } };
  const outcome = await ingester.indexFile(file, report);
  return { outcome, skipped: report.skipped };
}

test("a file swapped for a link out of the folder after the walk is not read (the opened file is checked)", async () => {
  const outside = await tempDocs({ "secret.md": "# Secret\n\naws_secret_access_key = xyz\n", "sub/inner.md": "# Inner\n\nprivate key material\n" });
  const root = await tempDocs({ "guide.md": "# Guide\n\nHello.\n", "sub/page.md": "# Page\n\nA page.\n", "pipe.md": "# Pipe\n" });
  const { files } = await listCorpus([root]);
  const index = new DocsIndex([root]);
  // The file itself becomes a link out; a folder on its path becomes a link out; a FIFO.
  await fs.rm(path.join(root, "guide.md"));
  await fs.symlink(path.join(outside, "secret.md"), path.join(root, "guide.md"));
  await fs.rename(path.join(root, "sub"), path.join(root, "sub-old"));
  await fs.symlink(path.join(outside, "sub"), path.join(root, "sub"));
  await fs.rename(path.join(outside, "sub", "inner.md"), path.join(outside, "sub", "page.md"));
  await fs.rm(path.join(root, "pipe.md"));
  await promisify(execFile)("mkfifo", [path.join(root, "pipe.md")]);
  const details: string[] = [];
  for (const file of files) {
    const { outcome, skipped } = await indexListed(index, file);
    assert.equal(outcome, "skipped", file.relPath);
    details.push(`${file.relPath}: ${skipped[0]!.detail}`);
  }
  assert.deepEqual(details, [
    "guide.md: a symbolic link to a file outside the folder",
    "pipe.md: not a regular file",
    "sub/page.md: a symbolic link to a file outside the folder",
  ]);
  assert.equal((await index.search("aws secret access key")).length, 0);
  assert.equal((await index.search("private key material")).length, 0);
  const read = await readDocFile(root, path.join(root, "guide.md"), 1 << 20);
  assert.equal(read.ok, false);
});

test("symbolic link loops and links to folders are walked past without hanging", async () => {
  const root = await tempDocs({ "a/doc.md": "# Doc\n\nLoop test.\n" });
  await fs.symlink(root, path.join(root, "a", "up"));
  await fs.symlink(path.join(root, "loop1.md"), path.join(root, "loop2.md"));
  await fs.symlink(path.join(root, "loop2.md"), path.join(root, "loop1.md"));
  await fs.symlink(path.join(root, "a"), path.join(root, "a-again"));
  const { files, skipped } = await listCorpus([root]);
  assert.deepEqual(
    files.map((f) => f.relPath),
    ["a/doc.md"],
  );
  assert.deepEqual(skipped.map((s) => s.relPath).sort(), ["loop1.md", "loop2.md"]);
  const index = new DocsIndex([root]);
  await index.update();
  assert.equal(index.fileCount, 1);
});

test("20,000 tiny files are indexed", async () => {
  const root = await makeTempDir();
  for (let d = 0; d < 100; d++) {
    const dir = path.join(root, `d${d}`);
    await fs.mkdir(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => fs.writeFile(path.join(dir, `f${i}.md`), `# T${d}x${i}\n\nterm${d}x${i}\n`)));
  }
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.equal(report.added.length, 20_000);
  assert.equal((await index.search("term42x7", { k: 1 }))[0]!.chunk.relPath, "d42/f7.md");
});

test("files changing while they are indexed: the update finishes, and the next one settles on what is on disk", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 60; i++) files[`f${i}.md`] = `# File ${i}\n\nversion0 text ${i}\n`;
  const root = await tempDocs(files);
  const index = new DocsIndex([root]);
  let stop = false;
  let version = 0;
  const churn = (async () => {
    while (!stop) {
      version++;
      const i = version % 60;
      const file = path.join(root, `f${i}.md`);
      if (version % 7 === 0) await fs.rm(file, { force: true });
      else await rewrite(file, `# File ${i}\n\nversion${version} text ${i} ${"x".repeat(version % 50)}\n`);
      await new Promise((r) => setImmediate(r));
    }
  })();
  await index.update();
  await index.update();
  stop = true;
  await churn;
  await index.update();
  const onDisk = (await fs.readdir(root)).filter((n) => n.endsWith(".md")).sort();
  assert.deepEqual([...index.files.values()].map((f) => f.relPath).sort(), onDisk);
  for (const name of onDisk) {
    const text = await fs.readFile(path.join(root, name), "utf8");
    const word = /version\d+/.exec(text)![0];
    const hits = await index.search(`${word} text ${name.slice(1, -3)}`, { k: 1 });
    assert.equal(hits[0]?.chunk.relPath, name);
    assert.ok(hits[0]!.chunk.text.includes(word), name);
  }
});
