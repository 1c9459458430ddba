// Queries against the index's contents: the full-text ranking (misspellings read as the docs'
// words), the exact lookup of defined names, vector rankings, and their fusion into hits.
import type { ScoredDoc } from "./bm25.js";
import { addCorrectedTerms, type QuerySpelling } from "./correction.js";
import { DocsSpelling } from "./docsSpelling.js";
import { fuseRankings } from "./fusion.js";
import { identifierCandidates, tokenize } from "./tokenizer.js";
import type { IndexContents } from "../indexContents.js";
import type { ChunkRecord, SearchHit } from "../types.js";
import type { MatchSource } from "../../../shared/answer.js";
import type { Logger } from "../../util/logger.js";
import { foldName } from "../../../shared/names.js";

export interface SearchOptions {
  /** How many hits to return (default 10). */
  k?: number;
  /** Skip the exact term lookup (for measuring ranking alone). */
  noTerms?: boolean;
  signal?: AbortSignal;
}

/** A chunk that defines a name the query gives; `askedAs` when the query misspelt the name. */
export interface TermHit {
  chunkId: number;
  term: string;
  askedAs?: string;
}

export class Searcher {
  /** Reads queries against the spelling index ("did you mean"; docsSpelling.ts). */
  private readonly docsSpelling: DocsSpelling;

  constructor(
    private readonly index: IndexContents,
    private readonly logger: Logger,
  ) {
    this.docsSpelling = new DocsSpelling(index);
  }

  /** Keeps only the spelling index's words still in the docs (a full save does, before writing them). */
  pruneSpelling(): void {
    this.docsSpelling.prune();
  }

  /**
   * How a query's words and names read against the docs (correction.ts): words the docs never
   * use, read as the docs' nearest words; names the docs do not define, as the nearest defined ones.
   */
  spellingOf(text: string): QuerySpelling {
    return this.docsSpelling.of(text);
  }

  /** The best full-text matches for a piece of text (question or draft), best first, its misspellings read as the docs' words. */
  textRanking(text: string, limit: number): ScoredDoc[] {
    return this.index.bm25.top(addCorrectedTerms(this.spellingOf(text), queryTermWeights(text)), limit);
  }

  /**
   * Chunks that define a name mentioned in the query: strongest definitions first, then the
   * chunk that opens its section, then by how well the chunk matches the rest of the query.
   * At most `limit` are returned; a widely listed name (a table row in hundreds of files)
   * only costs a sort of its definitions, not a fetch of each chunk.
   */
  exactTermHits(query: string, textScores?: Map<number, number>, limit = 10): TermHit[] {
    const backticked = new Set([...query.matchAll(/`([^`]+)`/g)].map((m) => foldName(m[1]!)));
    // The best `limit * 4` definitions by strength, then the longer name, then the text score, in
    // the order they are met (names in the query's order, each name's definitions in the order
    // they were added): what a stable sort of them all would put first. A name defined in
    // hundreds of chunks (a table row in every copy of a page) costs a comparison per definition,
    // not an object each and a sort of them all.
    const defs = new BestDefinitions(limit * 4);
    for (const candidate of identifierCandidates(query)) {
      // Plain words are left to ranking; only identifier-like names (or quoted ones) are exact.
      if (!/[._\-/:]/.test(candidate) && !backticked.has(candidate)) continue;
      for (const def of this.index.terms.definitionsOf(candidate))
        defs.offer(def.chunkId, candidate, undefined, def.strength, textScores?.get(def.chunkId) ?? 0);
    }
    // A name the docs do not define gets the nearest defined name's definition ("did you mean"),
    // ranked after the names the query spells right.
    for (const { from, to } of this.spellingOf(query).names) {
      for (const def of this.index.terms.definitionsOf(to[0]!)) defs.offer(def.chunkId, to[0]!, from, def.strength - 10, textScores?.get(def.chunkId) ?? 0);
    }
    const top = defs.best().map((d) => ({ ...d, opensSection: this.opensSection(d.chunkId) }));
    top.sort((a, b) => b.strength - a.strength || b.term.length - a.term.length || Number(b.opensSection) - Number(a.opensSection) || b.score - a.score);
    return top.slice(0, limit);
  }

  /** The section (heading to next heading) that holds the chunk. */
  sectionOf(chunk: ChunkRecord): { startLine: number; endLine: number } | undefined {
    const section = this.index.files.get(chunk.file)?.sections.find((s) => s.startLine <= chunk.startLine && chunk.endLine <= s.endLine);
    return section && { startLine: section.startLine, endLine: section.endLine };
  }

  /** Whether the chunk starts where its section starts (the one with the heading line). */
  private opensSection(chunkId: number): boolean {
    const entry = this.index.fileOfChunk(chunkId);
    if (!entry) return false;
    const startLine = this.index.chunkTable.startLine[chunkId]!;
    return entry.sections.some((s) => s.startLine === startLine);
  }

  async vectorRanking(text: string, limit: number, signal?: AbortSignal): Promise<number[]> {
    if (!this.index.embedder || this.index.files.size === 0) return [];
    let vector: Float32Array | undefined;
    try {
      [vector] = await this.index.embedder.embed([text], signal);
    } catch (err) {
      // An embedding model that fails now (a model server that went away) costs the vectors of
      // this query, not the search: full text still answers.
      if (signal?.aborted) throw err;
      this.logger.warn(`Vector search skipped, the embedding model failed: ${(err as Error).message}`);
      return [];
    }
    // The int8 scan beside Orama (vectors/quantizedVectors.ts), not Orama's linear float scan; a
    // large store's bits for the binary first pass are taken in the background meanwhile.
    const store = this.index.quantized!;
    store.prepareFirstPass().catch((err: Error) => this.logger.warn(`The binary first pass of vector search could not be prepared: ${err.message}`));
    return store.search(vector!, limit).map((h) => h.id);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const depth = Math.max(50, (options.k ?? 10) * 3);
    return this.rankedHits(query, this.textRanking(query, depth), options);
  }

  /**
   * Turns a full-text ranking into hits: chunks defining a name the query mentions come first,
   * then the ranking, fused by reciprocal rank with vector rankings when an embedder is set.
   */
  async rankedHits(
    query: string,
    textRanking: ScoredDoc[],
    options: SearchOptions & { vectorQueries?: string[]; termHits?: TermHit[] } = {},
  ): Promise<SearchHit[]> {
    const k = options.k ?? 10;
    const depth = Math.max(50, k * 3);
    const matched = new Map<number, Set<MatchSource>>();
    const mark = (id: number, how: MatchSource) => {
      let s = matched.get(id);
      if (!s) matched.set(id, (s = new Set()));
      s.add(how);
    };
    const textRanked = textRanking.map((d) => d.id);
    textRanked.forEach((id) => mark(id, "text"));
    const vectorLists: number[][] = [];
    for (const text of options.vectorQueries ?? [query]) {
      const ids = await this.vectorRanking(text, depth, options.signal);
      ids.forEach((id) => mark(id, "vector"));
      if (ids.length) vectorLists.push(ids);
    }
    const ranked = vectorLists.length
      ? fuseRankings([{ ids: textRanked }, ...vectorLists.map((ids) => ({ ids, weight: 1 / vectorLists.length }))])
      : textRanking;
    const hits: SearchHit[] = [];
    const taken = new Set<number>();
    if (!options.noTerms) {
      const textScores = new Map(textRanking.map((d) => [d.id, d.score]));
      for (const { chunkId, term, askedAs } of options.termHits ?? this.exactTermHits(query, textScores, k)) {
        if (taken.has(chunkId)) continue;
        taken.add(chunkId);
        mark(chunkId, "term");
        const chunk = this.index.getChunk(chunkId);
        if (!chunk) continue;
        hits.push({ chunk, score: 1, matchedBy: [...matched.get(chunkId)!], term, ...(askedAs ? { askedAs } : {}), section: this.sectionOf(chunk) });
      }
    }
    for (const { id, score } of ranked) {
      if (hits.length >= k) break;
      if (taken.has(id)) continue;
      const chunk = this.index.getChunk(id);
      if (!chunk) continue;
      taken.add(id);
      hits.push({ chunk, score, matchedBy: [...matched.get(id)!], section: this.sectionOf(chunk) });
    }
    return hits;
  }
}

type RankedDefinition = TermHit & { strength: number; score: number };

/**
 * The `size` best definitions offered (strength, then name length, then score, all descending),
 * ties kept in the order offered: the first `size` of a stable sort of all of them.
 */
class BestDefinitions {
  private readonly held: RankedDefinition[] = [];

  constructor(private readonly size: number) {}

  /** Whether a ranks before b (strictly: a tie keeps the one offered first ahead). */
  private static before(a: RankedDefinition, strength: number, termLength: number, score: number): boolean {
    return a.strength > strength || (a.strength === strength && (a.term.length > termLength || (a.term.length === termLength && a.score > score)));
  }

  offer(chunkId: number, term: string, askedAs: string | undefined, strength: number, score: number): void {
    const held = this.held;
    if (this.size <= 0) return;
    // Held in order; a definition goes after every held one it does not rank strictly before.
    if (held.length === this.size) {
      const last = held[held.length - 1]!;
      if (!(
        strength > last.strength ||
        (strength === last.strength && (term.length > last.term.length || (term.length === last.term.length && score > last.score)))
      ))
        return;
    }
    let at = held.length;
    while (at > 0 && !BestDefinitions.before(held[at - 1]!, strength, term.length, score)) at--;
    // `at`: after the last held one that ranks strictly before it, so after its ties.
    while (at < held.length && BestDefinitions.tie(held[at]!, strength, term.length, score)) at++;
    held.splice(at, 0, { chunkId, term, ...(askedAs !== undefined ? { askedAs } : {}), strength, score });
    if (held.length > this.size) held.pop();
  }

  private static tie(a: RankedDefinition, strength: number, termLength: number, score: number): boolean {
    return a.strength === strength && a.term.length === termLength && a.score === score;
  }

  best(): RankedDefinition[] {
    return this.held;
  }
}

export function queryTermWeights(text: string, weight = 1, into = new Map<string, number>()): Map<string, number> {
  for (const t of tokenize(text)) into.set(t, (into.get(t) ?? 0) + weight);
  return into;
}
