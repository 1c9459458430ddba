// Combining ranked lists.

/** Reciprocal rank fusion: each list adds weight / (k + rank) for every id it contains. */
export function fuseRankings<T>(lists: { ids: T[]; weight?: number }[], k = 60): { id: T; score: number }[] {
  const scores = new Map<T, number>();
  for (const { ids, weight = 1 } of lists) {
    ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
