import { test } from "node:test";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import assert from "node:assert/strict";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { listCorpus } from "../../src/engine/index/corpus.js";
import { tempDocs } from "../helpers/tempDocs.js";

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
