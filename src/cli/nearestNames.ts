// "Nearest defined names" for a name the docs do not define: by edit distance, a shared prefix
// breaking ties (`http.server.request.durations` → `http.server.request.duration`). The distance
// is computed only for candidates an index of the names offers (neighbours in sorted order, names
// sharing a part), never for every name: with 150,000 defined names a lookup
// compared them all (20 s, holding up every other MCP call).
import { lowerBound } from "../shared/lowerBound.js";

/** Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Neighbours taken on each side of the name in sorted order. */
const NEIGHBOURS = 64;
/** At most this many names are taken from the lists of the name's parts (rarest part first). */
const FROM_PARTS = 768;
/** So at most this many edit distances per lookup, whatever the number of names. */
export const MAX_COMPARED = 2 * NEIGHBOURS + FROM_PARTS;
/** And at most this long computing them. */
const TIME_BOUND_MS = 100;

/** A name's parts between `.`, `_`, `-`, `/`, `:` and spaces, of two characters or more. */
function partsOf(name: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = name.charCodeAt(i);
    // NaN past the end ends the last part too.
    if (!(c === 46 || c === 95 || c === 45 || c === 47 || c === 58 || c === 32 || Number.isNaN(c))) continue;
    if (i - start >= 2) parts.push(name.slice(start, i));
    start = i + 1;
  }
  return parts;
}

/**
 * The defined names in sorted order (names sharing a prefix with the query lie around its place)
 * and by part (names sharing a part, wherever the typo is): built once per set of names.
 */
export class NameNeighbours {
  private readonly sorted: string[];
  private readonly byPart = new Map<string, string[]>();

  constructor(names: Iterable<string>) {
    this.sorted = [...new Set(Array.from(names, (n) => n.toLowerCase()))].sort();
    for (const name of this.sorted) {
      for (const part of partsOf(name)) {
        const list = this.byPart.get(part);
        if (!list) this.byPart.set(part, [name]);
        else if (list[list.length - 1] !== name) list.push(name);
      }
    }
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The names worth comparing with `query` (lowercase): at most MAX_COMPARED. */
  candidates(query: string): Set<string> {
    const found = new Set<string>();
    const lo = lowerBound(this.sorted, query);
    for (let i = Math.max(0, lo - NEIGHBOURS); i < Math.min(this.sorted.length, lo + NEIGHBOURS); i++) found.add(this.sorted[i]!);
    const lists = [...new Set(partsOf(query))]
      .map((p) => this.byPart.get(p))
      .filter((l): l is string[] => Boolean(l))
      .sort((a, b) => a.length - b.length);
    let budget = FROM_PARTS;
    for (const list of lists) {
      for (let i = 0; i < list.length && budget > 0; i++) {
        if (found.has(list[i]!)) continue;
        found.add(list[i]!);
        budget--;
      }
      if (budget <= 0) break;
    }
    return found;
  }
}

/** The index of a set of names, kept while the set (an object with a generation) has not changed. */
const cache = new WeakMap<object, { generation: number; neighbours: NameNeighbours }>();

export function neighboursOf(owner: { generation: number; terms(): Iterable<string> }): NameNeighbours {
  const cached = cache.get(owner);
  if (cached?.generation === owner.generation) return cached.neighbours;
  const neighbours = new NameNeighbours(owner.terms());
  cache.set(owner, { generation: owner.generation, neighbours });
  return neighbours;
}

export interface NearestNames {
  names: string[];
  /** How many edit distances were computed (at most MAX_COMPARED). */
  compared: number;
}

/**
 * Up to `n` defined names nearest to `name` (case-insensitive) among the candidates the index
 * offers: fewest edits first, then the longest shared prefix, then alphabetical. Names further
 * than half the query's length (at least 3 edits) away are left out unless they share a prefix of
 * a third of it or more.
 */
export function nearestNamesIn(name: string, neighbours: NameNeighbours, n = 5): NearestNames {
  const query = name.toLowerCase();
  const limit = Math.max(3, Math.ceil(query.length / 2));
  const scored: { name: string; distance: number; prefix: number }[] = [];
  const deadline = performance.now() + TIME_BOUND_MS;
  let compared = 0;
  for (const candidate of neighbours.candidates(query)) {
    if (candidate === query) continue;
    if ((compared & 63) === 63 && performance.now() > deadline) break;
    compared++;
    const prefix = commonPrefix(query, candidate);
    const distance = editDistance(query, candidate, limit + 20);
    if (distance > limit && prefix < Math.max(3, query.length / 3)) continue;
    scored.push({ name: candidate, distance, prefix });
  }
  scored.sort((a, b) => a.distance - b.distance || b.prefix - a.prefix || a.name.localeCompare(b.name));
  return { names: scored.slice(0, n).map((s) => s.name), compared };
}

/** The nearest defined names of the docs' term index (see nearestNamesIn). */
export function nearestNames(name: string, terms: { generation: number; terms(): Iterable<string> }, n = 5): string[] {
  return nearestNamesIn(name, neighboursOf(terms), n).names;
}
