// Retrieval for the answer pipeline: the question's own ranking, lifted by the model's draft
// only as far as the draft agrees with the question. See docs/retrieval.md for the measurements
// behind this (plain reciprocal rank fusion lets a noisy draft sink the right sections).
import type { ScoredDoc } from "../index/search/bm25.js";
import type { DocsIndex, TermHit } from "../index/docsIndex.js";
import { fuseRankings } from "../index/search/fusion.js";
import type { SearchHit } from "../index/types.js";

export interface DraftFusionOptions {
  /** How deep each list goes. */
  depth?: number;
  /** The most a fully agreeing draft can weigh against the question (1 = as much). */
  maxDraftWeight?: number;
  /** How many top results of each list are compared to measure agreement. */
  agreementDepth?: number;
}

export const DEFAULT_DRAFT_FUSION: Required<DraftFusionOptions> = { depth: 100, maxDraftWeight: 1, agreementDepth: 20 };

export interface DraftFusionResult {
  ranked: ScoredDoc[];
  /** Weight the draft got, 0..maxDraftWeight. */
  draftWeight: number;
  /** Share of the question's top results that the draft's top results also hold. */
  agreement: number;
}

/**
 * Combines the question's and the draft's full-text rankings. Each list's scores are scaled to
 * its best score; the draft's are added with a weight proportional to how many of the
 * question's top results it also finds. A draft on the question's topic (agreement high)
 * re-orders and extends the candidates; an off-topic or noisy draft (agreement near zero)
 * changes almost nothing.
 */
export function fuseQuestionAndDraft(question: ScoredDoc[], draft: ScoredDoc[], options: DraftFusionOptions = {}): DraftFusionResult {
  const { maxDraftWeight, agreementDepth } = { ...DEFAULT_DRAFT_FUSION, ...options };
  if (draft.length === 0 || question.length === 0) {
    return { ranked: question.length ? question : draft, draftWeight: question.length ? 0 : 1, agreement: 0 };
  }
  const qTop = new Set(question.slice(0, agreementDepth).map((d) => d.id));
  const overlap = draft.slice(0, agreementDepth).filter((d) => qTop.has(d.id)).length;
  const agreement = overlap / Math.min(agreementDepth, question.length);
  const draftWeight = maxDraftWeight * agreement;
  const qMax = question[0]!.score || 1;
  const dMax = draft[0]!.score || 1;
  const combined = new Map<number, number>();
  for (const d of question) combined.set(d.id, d.score / qMax);
  for (const d of draft) combined.set(d.id, (combined.get(d.id) ?? 0) + (draftWeight * d.score) / dMax);
  const ranked = [...combined].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
  return { ranked, draftWeight, agreement };
}

export interface RetrieveOptions extends DraftFusionOptions {
  k?: number;
  draft?: string;
  signal?: AbortSignal;
  /** Which fusion to use for the draft: Docent's ("agreement") or plain RRF (for comparison). */
  fusion?: "agreement" | "rrf";
  /** The question's ranking, when it was computed earlier (while the draft was being written). */
  questionRanking?: ScoredDoc[];
  /** The question's exact term hits, when they were looked up earlier. */
  termHits?: TermHit[];
}

export interface RetrieveResult {
  hits: SearchHit[];
  draftWeight: number;
  agreement: number;
}

/** Exact terms, then question and draft text rankings fused, then vectors (when configured) by RRF. */
export async function retrieve(index: DocsIndex, question: string, options: RetrieveOptions = {}): Promise<RetrieveResult> {
  options.signal?.throwIfAborted();
  const k = options.k ?? 8;
  const depth = options.depth ?? DEFAULT_DRAFT_FUSION.depth;
  const qRank = options.questionRanking ?? index.textRanking(question, depth);
  const draft = options.draft?.trim();
  let ranked = qRank;
  let draftWeight = 0;
  let agreement = 0;
  if (draft) {
    const dRank = index.textRanking(draft, depth);
    if (options.fusion === "rrf") {
      ranked = fuseRankings([{ ids: qRank.map((d) => d.id), weight: 2 }, { ids: dRank.map((d) => d.id) }]);
    } else {
      ({ ranked, draftWeight, agreement } = fuseQuestionAndDraft(qRank, dRank, options));
    }
  }
  options.signal?.throwIfAborted();
  const hits = await index.rankedHits(question, ranked, {
    k,
    signal: options.signal,
    vectorQueries: draft ? [question, draft] : [question],
    termHits: options.termHits,
  });
  return { hits, draftWeight, agreement };
}
