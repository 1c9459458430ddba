// Answer-level metrics against a reference answer: token F1 and ROUGE-L (F-measure on the longest
// common subsequence of tokens), and citation precision and recall against the relevant files.

/** Lower-cased words and numbers, punctuation dropped (SQuAD-style normalisation, articles kept out). */
export function answerTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t !== "a" && t !== "an" && t !== "the");
}

export function tokenF1(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / p.length;
  const recall = overlap / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export function rougeL(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  // Longest common subsequence, two rows.
  let prev = new Array<number>(r.length + 1).fill(0);
  for (let i = 1; i <= p.length; i++) {
    const row = new Array<number>(r.length + 1).fill(0);
    for (let j = 1; j <= r.length; j++) row[j] = p[i - 1] === r[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    prev = row;
  }
  const lcs = prev[r.length]!;
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Precision: share of cited files that are relevant; recall: share of relevant files cited. */
export function citationScores(citedFiles: string[], relevant: string[]): { precision: number; recall: number } {
  const cited = new Set(citedFiles);
  const rel = new Set(relevant);
  let hits = 0;
  for (const f of cited) if (rel.has(f)) hits++;
  return { precision: cited.size ? hits / cited.size : 0, recall: rel.size ? hits / rel.size : 0 };
}
