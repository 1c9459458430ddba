// "Did you mean": the defined names closest to one the docs do not define, by edit distance, a
// shared prefix breaking ties (`http.server.request.durations` → `http.server.request.duration`).

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

/**
 * Up to `n` names from `names` nearest to `name` (case-insensitive): fewest edits first, then the
 * longest shared prefix, then alphabetical. Names further than half the query's length (at least
 * 3 edits) away are left out unless they share a prefix of a third of it or more.
 */
export function nearestNames(name: string, names: Iterable<string>, n = 5): string[] {
  const query = name.toLowerCase();
  const limit = Math.max(3, Math.ceil(query.length / 2));
  const scored: { name: string; distance: number; prefix: number }[] = [];
  for (const candidate of names) {
    const c = candidate.toLowerCase();
    if (c === query) continue;
    const prefix = commonPrefix(query, c);
    const distance = editDistance(query, c, limit + 20);
    if (distance > limit && prefix < Math.max(3, query.length / 3)) continue;
    scored.push({ name: candidate, distance, prefix });
  }
  scored.sort((a, b) => a.distance - b.distance || b.prefix - a.prefix || a.name.localeCompare(b.name));
  return scored.slice(0, n).map((s) => s.name);
}
