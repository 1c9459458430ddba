// The import-graph check (`npm run lint` runs it after ESLint): fails, naming the files, on
//   - any import cycle among the TypeScript files of src/ and webview/, type-only imports included
//     (ESLint's import-x/no-cycle skips `import type`, so a cycle made of types alone passed it);
//   - inside src/engine, any import from a lower layer to a higher one (ENGINE_LAYERS below).
// Imports are read with the TypeScript compiler's own scanner (ts.preProcessFile): static imports,
// `import type`, `export ... from`, and `import("...")` in code and in types. Only relative
// specifiers are followed: a package cannot import our files back.
//
// Usage: node scripts/checkImports.mjs [--root DIR]   (DIR defaults to the repository root)
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * src/engine's layers, lowest first: a file may import its own layer and the layers before it,
 * never one after it. Folders on one line are one layer. "." is the engine front: the files
 * directly in src/engine (engine.ts, lookup.ts, examples.ts, ...).
 */
export const ENGINE_LAYERS = [["util"], ["model"], ["index"], ["cards"], ["answer"], ["eval", "finetune"], ["."]];

/** The folders whose files make up the graph (relative to the root). */
const SCANNED = ["src", "webview"];
/** Folders never scanned: build outputs and packages. */
const SKIPPED_DIRS = new Set(["node_modules", "out", "dist"]);
const TS_FILE = /\.(ts|mts|cts|tsx)$/;
const ENGINE = "src/engine";

/** Every TypeScript file under the scanned folders, as root-relative paths with forward slashes. */
function sourceFiles(root) {
  const found = [];
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of names) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(rel);
      } else if (TS_FILE.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(rel);
    }
  };
  for (const dir of SCANNED) walk(dir);
  return found.sort();
}

/** The scanned file a relative specifier names (`./a.js` is `./a.ts`), or undefined. */
function resolve(from, specifier, known) {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = base.replace(/\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c));
}

/** The import graph: each file and the scanned files it imports, in the order it imports them. */
export function importGraph(root) {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
    const targets = new Set();
    for (const { fileName } of info.importedFiles) {
      const target = resolve(file, fileName, known);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Strongly connected components with a cycle in them (Tarjan), each with one cycle through it. */
export function findCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  // Iterative, so a long chain of imports cannot overflow the stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const members = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          members.push(member);
        } while (member !== frame.node);
        const selfImport = members.length === 1 && (graph.get(members[0]) ?? []).includes(members[0]);
        if (members.length > 1 || selfImport) components.push(members.sort());
      }
    }
  }
  return components.map((members) => ({ members, cycle: shortestCycle(graph, members) }));
}

/** The shortest cycle through the component's first file, staying inside the component. */
function shortestCycle(graph, members) {
  const inside = new Set(members);
  const start = members[0];
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    for (const to of graph.get(node) ?? []) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const cycle = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return members;
}

/** A src/engine file's layer (its index in ENGINE_LAYERS), -1 for a folder in no layer, undefined outside src/engine. */
function engineLayer(file) {
  if (!file.startsWith(`${ENGINE}/`)) return undefined;
  const rest = file.slice(ENGINE.length + 1);
  const folder = rest.includes("/") ? rest.slice(0, rest.indexOf("/")) : ".";
  return ENGINE_LAYERS.findIndex((layer) => layer.includes(folder));
}

const layerName = (rank) => ENGINE_LAYERS[rank].map((f) => (f === "." ? "the engine front" : f)).join("/");

/** Imports inside src/engine that point from a lower layer to a higher one, and files in no layer. */
export function findLayerViolations(graph) {
  const problems = [];
  for (const [file, targets] of graph) {
    const from = engineLayer(file);
    if (from === undefined) continue;
    if (from < 0) {
      problems.push(`${file}: its folder is in no layer of src/engine; add it to ENGINE_LAYERS in scripts/checkImports.mjs`);
      continue;
    }
    for (const target of targets) {
      const to = engineLayer(target);
      if (to !== undefined && to > from) problems.push(`${file} (${layerName(from)}) imports ${target} (${layerName(to)}, a higher layer)`);
    }
  }
  return problems;
}

/** Every problem the check finds under `root`, one message each. */
export function checkImports(root) {
  const graph = importGraph(root);
  const cycles = findCycles(graph).map(({ members, cycle }) => {
    const others = members.length > cycle.length - 1 ? ` (files in this tangle: ${members.join(", ")})` : "";
    return `import cycle: ${cycle.join(" -> ")}${others}`;
  });
  return [...cycles, ...findLayerViolations(graph)];
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--root");
  const root = at >= 0 ? path.resolve(args[at + 1] ?? ".") : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`checkImports: no folder ${root}`);
    process.exit(2);
  }
  const problems = checkImports(root);
  if (problems.length === 0) {
    console.log("checkImports: no import cycles, src/engine's imports point down its layers.");
    return;
  }
  console.error(`checkImports: ${problems.length} import problem${problems.length === 1 ? "" : "s"}:`);
  for (const problem of problems) console.error(`  ${problem}`);
  console.error(
    `(Type-only imports count: move a shared type to a module both sides can import. Layers: ${ENGINE_LAYERS.map((_, i) => layerName(i)).join(" < ")}.)`,
  );
  process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
