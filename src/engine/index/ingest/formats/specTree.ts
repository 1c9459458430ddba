// A YAML or JSON document (an OpenAPI or AsyncAPI spec) parsed by js-yaml, with the source lines of
// every mapping entry and sequence item, so that a section made from it cites the spec's own lines.
// js-yaml gives no positions in its result; its `listener` reports each node as it opens and closes
// (with the parser's offset), which is enough to rebuild them. It bounds nesting itself (maxDepth),
// aliases share one object instead of copying it (an alias bomb costs nothing to parse), and a
// malformed file throws: the file is then skipped with the parser's reason.
import { load, CORE_SCHEMA, type LoadOptions, type State } from "js-yaml";

/** Deeper than any real spec nests; js-yaml stops there with an error instead of recursing on. */
export const MAX_SPEC_DEPTH = 64;

/** 1-based lines of a mapping entry (its key's line to its value's last line) or a sequence item. */
export interface Span {
  startLine: number;
  endLine: number;
}

export interface SpecTree {
  root: unknown;
  /** Where `container[key]` is written: a mapping's entry, or a sequence's item (key = index). */
  spanOf(container: object, key: string | number): Span | undefined;
}

const MAPPING = 1;
const SEQUENCE = 2;
// A node's numbers, in this order.
const OPEN = 0;
const CLOSE = 1;
const FIRST_CHILD = 2;
const LAST_CHILD = 3;
const NEXT_SIBLING = 4;
const KIND = 5;

/** A key as the mapping holds it (js-yaml keeps `200:` as the property "200"). */
function keyOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return undefined;
}

/** The parser's message without its source excerpt, with the line it names. */
function reasonOf(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number }; message?: string };
  if (typeof e.reason === "string") return `${e.reason}${typeof e.mark?.line === "number" ? ` (line ${e.mark.line + 1})` : ""}`;
  return String(e.message ?? err).split("\n")[0]!;
}

export function parseSpecTree(source: string): SpecTree {
  // Line starts, counted as splitLines counts them (\n, \r\n and a lone \r each end a line).
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

  // The nodes in the order they open (a 2 MB spec has about a million): five numbers each in one
  // growing Int32Array (where it opens and closes, its first child, last child and next sibling; -1
  // for none) and its kind, and its value in an array beside it. Few objects: little garbage to collect.
  let nodes = new Int32Array(6 * 4096);
  let count = 0;
  const results: unknown[] = [];
  /** Each mapping's or sequence's node: the first to close with it (an alias closes with its anchor's value, later). */
  const nodeOf = new WeakMap<object, number>();
  const stack: number[] = [];
  const options: LoadOptions & { maxDepth: number } = {
    schema: CORE_SCHEMA,
    // JSON's rule for a repeated key (the last one wins) rather than an error that loses the whole file.
    json: true,
    maxDepth: MAX_SPEC_DEPTH,
    listener(event: "open" | "close", state: State) {
      if (event === "open") {
        const node = count++;
        if (count * 6 > nodes.length) {
          const grown = new Int32Array(nodes.length * 2);
          grown.set(nodes);
          nodes = grown;
        }
        const at = node * 6;
        nodes[at + OPEN] = state.position;
        nodes[at + CLOSE] = state.position;
        nodes[at + FIRST_CHILD] = -1;
        nodes[at + LAST_CHILD] = -1;
        nodes[at + NEXT_SIBLING] = -1;
        nodes[at + KIND] = 0;
        results.push(undefined);
        const parent = stack.length ? stack[stack.length - 1]! : -1;
        if (parent >= 0) {
          const last = nodes[parent * 6 + LAST_CHILD]!;
          if (last >= 0) nodes[last * 6 + NEXT_SIBLING] = node;
          else nodes[parent * 6 + FIRST_CHILD] = node;
          nodes[parent * 6 + LAST_CHILD] = node;
        }
        stack.push(node);
      } else if (stack.length) {
        const node = stack.pop()!;
        nodes[node * 6 + CLOSE] = state.position;
        const result = state.result as unknown;
        results[node] = result;
        const kind = state.kind === "mapping" ? MAPPING : state.kind === "sequence" ? SEQUENCE : 0;
        nodes[node * 6 + KIND] = kind;
        if (kind && typeof result === "object" && result !== null && !nodeOf.has(result)) nodeOf.set(result, node);
      }
    },
  };
  let root: unknown;
  try {
    root = load(source, options);
  } catch (err) {
    throw new Error(`not valid YAML or JSON: ${reasonOf(err)}`);
  }

  const firstLine = (node: number) => {
    let i = nodes[node * 6 + OPEN]!;
    const end = nodes[node * 6 + CLOSE]!;
    while (i < end && isSpace(source.charCodeAt(i))) i++;
    return lineAt(i);
  };
  const lastLine = (node: number) => {
    const start = nodes[node * 6 + OPEN]!;
    let i = Math.max(start, nodes[node * 6 + CLOSE]! - 1);
    while (i > start && isSpace(source.charCodeAt(i))) i--;
    return lineAt(i);
  };
  // js-yaml reports some nodes twice, one inside the other with the same result (a JSON document's
  // root, an explicit `? key`): the inner one is the node.
  const unwrap = (node: number) => {
    for (;;) {
      const child = nodes[node * 6 + FIRST_CHILD]!;
      if (child < 0 || nodes[child * 6 + NEXT_SIBLING] !== -1 || results[child] !== results[node]) return node;
      node = child;
    }
  };
  const childrenOf = (node: number) => {
    const children: number[] = [];
    for (let c = nodes[node * 6 + FIRST_CHILD]!; c >= 0; c = nodes[c * 6 + NEXT_SIBLING]!) children.push(unwrap(c));
    return children;
  };

  // Spans are worked out when first asked for, container by container: most of a spec is never asked about.
  const entries = new WeakMap<object, Map<string, Span>>();
  const items = new WeakMap<object, Span[]>();
  const entriesOf = (container: object): Map<string, Span> => {
    let spans = entries.get(container);
    if (spans) return spans;
    spans = new Map();
    entries.set(container, spans);
    const node = nodeOf.get(container);
    if (node === undefined || nodes[node * 6 + KIND] !== MAPPING) return spans;
    // A key, then its value: a pair only when the mapping holds that value under that key (a flow
    // mapping's `{a, b: 1}` has no value node after `a`).
    const children = childrenOf(node);
    const record = container as Record<string, unknown>;
    for (let i = 0; i + 1 < children.length; i++) {
      const keyNode = children[i]!;
      const valueNode = children[i + 1]!;
      const key = keyOf(results[keyNode]);
      if (key === undefined || !Object.hasOwn(record, key) || !Object.is(record[key], results[valueNode])) continue;
      const start = firstLine(keyNode);
      if (!spans.has(key)) spans.set(key, { startLine: start, endLine: Math.max(start, lastLine(valueNode)) });
      i++;
    }
    return spans;
  };
  const itemsOf = (container: unknown[]): Span[] => {
    let spans = items.get(container);
    if (spans) return spans;
    const node = nodeOf.get(container);
    const children = node !== undefined && nodes[node * 6 + KIND] === SEQUENCE ? childrenOf(node) : [];
    spans = children.length === container.length ? children.map((c) => ({ startLine: firstLine(c), endLine: lastLine(c) })) : [];
    items.set(container, spans);
    return spans;
  };
  return {
    root,
    spanOf(container, key) {
      if (Array.isArray(container)) return typeof key === "number" ? itemsOf(container)[key] : undefined;
      return entriesOf(container).get(String(key));
    },
  };
}
