// .gitignore rules (issue 26 item 3): matched in linear time (a pattern the `ignore` package turned
// into a backtracking regex hung indexing), with git's own semantics, checked against real git on
// the same tree.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listCorpus, isGitIgnoredFile } from "../../src/engine/index/ingest/corpus.js";
import { GitignoreRules } from "../../src/engine/index/ingest/gitignore.js";
import { makeTempDir, writeTree } from "../helpers/tempDocs.js";

const made: string[] = [];
after(async () => {
  for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const dir = await makeTempDir("docent-gitignore-");
  made.push(dir);
  return dir;
}

const listed = async (root: string) => (await listCorpus([root])).files.map((f) => f.relPath).sort();

test("a .gitignore pattern that backtracks (*a*a*a...*b against a name of 60 a's) is matched at once, and right", { timeout: 120_000 }, async () => {
  const stars = "*a".repeat(12);
  const root = await temp();
  const many = "a".repeat(60);
  await writeTree(root, {
    ".gitignore": `${stars}*b\n${stars}*x.md\n`,
    [`${many}.md`]: "# kept: neither pattern matches it\n",
    [`${many}x.md`]: "# ignored by the second pattern\n",
    [`${many}b/inside.md`]: "# in a folder the first pattern ignores\n",
    [`${many}c/inside.md`]: "# kept\n",
  });
  // The `ignore` package did not finish this listing in 120 s (x10 per extra `*a`: 12 of them here).
  assert.deepEqual(await listed(root), [`${many}.md`, `${many}c/inside.md`]);
  assert.equal(await isGitIgnoredFile(root, `${many}b/inside.md`), true, "the watcher's one-file check agrees");
  assert.equal(await isGitIgnoredFile(root, `${many}.md`), false);
  // The cost is bounded by path length x pattern length: a pattern of 5,000 `*a` against a 255-character name.
  const huge = new GitignoreRules(`${"*a".repeat(5000)}*b\n`);
  assert.equal(huge.match("a".repeat(254) + "c", false), undefined);
  assert.equal(huge.match("a".repeat(5001) + "b", false), true);
});

// Patterns and files covering gitignore(5); the same tree is asked of git itself.
const RULES = [
  "# a comment",
  "\\#hash.md",
  "build/",
  "*.draft.md",
  "/top.md",
  "docs/**/secret.md",
  "logs/**",
  "!logs/keep.md",
  "a?c.md",
  "[bc]at.md",
  "[!x]og.md",
  "[a-c]ange.md",
  "trailing.md   ",
  "escaped\\ space.md\\ ",
  "**/deep/x.md",
  "UPPER.md",
  "sub/*.md",
  "foo/**/bar/",
  "one**two.md",
  "\\!bang.md",
  "notes",
  "!notes.md",
  "dirs/only/",
  "",
].join("\n");

const FILES = [
  "#hash.md",
  "hash.md",
  "build/a.md",
  "x/build/b.md",
  "buildfile/c.md",
  "c.draft.md",
  "guide/d.draft.md",
  "guide/important.draft.md",
  "guide/private.md",
  "guide/local.md",
  "guide/more/local.md",
  "top.md",
  "x/top.md",
  "docs/secret.md",
  "docs/a/b/secret.md",
  "docs/public.md",
  "logs/a.md",
  "logs/keep.md",
  "logs/deeper/b.md",
  "abc.md",
  "axc.md",
  "abbc.md",
  "bat.md",
  "cat.md",
  "dat.md",
  "dog.md",
  "xog.md",
  "bange.md",
  "dange.md",
  "trailing.md",
  "escaped space.md ",
  "q/deep/x.md",
  "deep/x.md",
  "deep/y.md",
  "upper.md",
  "sub/a.md",
  "sub/x/a.md",
  "foo/bar/z.md",
  "foo/1/2/bar/z.md",
  "foo/bar.md",
  "onetwo.md",
  "one-and-two.md",
  "!bang.md",
  "notes/n.md",
  "x/notes/n.md",
  "notes.md",
  "dirs/only/f.md",
  "dirs/only.md",
  "plain.md",
];

test("the .gitignore rules leave out exactly what git leaves out (nested files, negation, anchors, **, classes, escapes, folders only)", async (t) => {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
  } catch {
    if (process.env.CI) throw new Error("git is needed for this test");
    t.skip("git is not installed");
    return;
  }
  const root = await temp();
  await writeTree(root, {
    ".gitignore": RULES,
    "guide/.gitignore": "private.md\n!important.draft.md\n/local.md\n",
    ...Object.fromEntries(FILES.map((f) => [f, `# ${f}\n`])),
  });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "core.ignorecase=true", "-c", "core.quotepath=off", ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: root },
    });
  git("init", "--quiet");
  const notIgnored = git("ls-files", "--others", "--exclude-standard", "-z")
    .split("\0")
    .filter((f) => f.endsWith(".md") || f.endsWith(".md "))
    .sort();
  // The walk's include globs take *.md only: "escaped space.md " (a trailing space) is not a doc name.
  const expected = notIgnored.filter((f) => f.endsWith(".md"));
  assert.ok(expected.length > 10 && expected.length < FILES.length - 10, `git keeps ${expected.length} of ${FILES.length}`);
  assert.deepEqual(await listed(root), expected);
  for (const file of FILES.filter((f) => f.endsWith(".md"))) {
    assert.equal(await isGitIgnoredFile(root, file), !expected.includes(file), `the one-file check of ${file}`);
  }
});

test("a .gitignore that is a FIFO is not read (the watcher's one-file check does not hang) and is treated as absent", { timeout: 60_000 }, async () => {
  const root = await temp();
  await writeTree(root, { "sub/a.md": "# A\n", "b.md": "# B\n" });
  execFileSync("mkfifo", [path.join(root, "sub", ".gitignore")]);
  assert.equal(await isGitIgnoredFile(root, "sub/a.md"), false);
  assert.deepEqual(await listed(root), ["b.md", "sub/a.md"]);
});
