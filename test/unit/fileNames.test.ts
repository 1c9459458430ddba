// File names that are not what they look like (issue 26, minors): `..notes.md` and a folder
// `..hidden` are inside the folder, not links out of it; a name that is not UTF-8 is skipped with
// that reason, not as a missing file.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { relativeInside } from "../../src/shared/node/paths.js";
import { listCorpus, readDocFile } from "../../src/engine/index/ingest/corpus.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";

const made: string[] = [];
after(async () => {
  for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
});

test("..notes.md and a folder ..hidden lie inside the folder; .. and ../x do not", async () => {
  const root = await makeTempDir("docent-names-");
  made.push(root);
  await writeTree(root, { "..notes.md": "# Dot dot notes\n\nThe zqdotdot word.\n", "..hidden/page.md": "# Hidden page\n\nThe zqhidden word.\n" });
  assert.equal(relativeInside(root, path.join(root, "..notes.md")), "..notes.md");
  assert.equal(relativeInside(root, path.join(root, "..hidden", "page.md")), "..hidden/page.md");
  assert.equal(relativeInside(root, path.join(root, "..")), undefined);
  assert.equal(relativeInside(root, path.join(root, "..", "x.md")), undefined);
  assert.equal(relativeInside(root, root), undefined);
  const read = await readDocFile(root, path.join(root, "..notes.md"), 1 << 20);
  assert.equal(read.ok ? "read" : read.detail, "read", "the reader does not take it for a link out of the folder");
  // Indexed when the include globs take dot files (the default globs leave dot files out).
  const index = new DocsIndex([root], { corpus: { include: ["**/*.md", "**/.*.md", "**/.*/**/*.md"] } });
  await index.update();
  assert.deepEqual([...index.files.values()].map((f) => f.relPath).sort(), ["..hidden/page.md", "..notes.md"]);
  assert.equal((await index.search("zqdotdot", { k: 1 }))[0]?.chunk.text.includes("zqdotdot"), true);
});

test("a file or folder name that is not UTF-8 is skipped with that reason", async () => {
  const root = await makeTempDir("docent-names-");
  made.push(root);
  await writeTree(root, { "fine.md": "# Fine\n" });
  const latin1 = (name: string) => Buffer.concat([Buffer.from(root + "/"), Buffer.from(name, "latin1")]);
  await fs.writeFile(latin1("caf\xe9.md"), "# Caf\n");
  await fs.mkdir(latin1("r\xe9sum\xe9"));
  await fs.writeFile(Buffer.concat([latin1("r\xe9sum\xe9"), Buffer.from("/inside.md")]), "# Inside\n");
  const listing = await listCorpus([root]);
  assert.deepEqual(
    listing.files.map((f) => f.relPath),
    ["fine.md"],
  );
  assert.deepEqual(listing.skipped.map((s) => [s.relPath, s.detail]).sort(), [
    ["caf\uFFFD.md", "its name is not valid UTF-8 (Docent reads only UTF-8 file names)"],
    ["r\uFFFDsum\uFFFD", "its name is not valid UTF-8 (Docent reads only UTF-8 file names)"],
  ]);
});
