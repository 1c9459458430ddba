// The defined-terms index: names the docs define (in headings, the first column of definition
// tables, definition lists) map to the chunks that define them, for exact lookup.
import { foldName, WHOLE_NAME } from "../../../shared/names.js";
import type { ChunkRecord } from "../types.js";
import { ownString } from "../../util/ownString.js";

/** Higher is stronger: a heading that names the term beats a table row that lists it. */
export const enum TermStrength {
  DefinitionList = 1,
  TableRow = 2,
  Heading = 3,
}

export interface TermDefinition {
  chunkId: number;
  strength: TermStrength;
}

const BACKTICKED = /`([^`\n]{2,120})`/g;

function normaliseTerm(raw: string): string | undefined {
  const t = raw
    .trim()
    .replace(/^\[|\]$/g, "")
    .trim();
  if (t.length < 2 || t.length > 120 || !WHOLE_NAME.test(t)) return undefined;
  return foldName(t);
}

/**
 * Names a chunk defines, with how strongly: the sum of the distinct ways it defines the name, so a
 * section that names a metric in its heading *and* describes it in its definition table (the
 * canonical definition) ranks above one that only mentions it in a heading.
 */
export function extractDefinedTerms(chunk: Pick<ChunkRecord, "headingPath" | "text">): Map<string, TermStrength> {
  const kinds = new Map<string, Set<TermStrength>>();
  const note = (term: string | undefined, strength: TermStrength) => {
    if (!term) return;
    let k = kinds.get(term);
    if (!k) kinds.set(term, (k = new Set()));
    k.add(strength);
  };
  const ownHeading = chunk.headingPath[chunk.headingPath.length - 1] ?? "";
  for (const m of ownHeading.matchAll(BACKTICKED)) note(normaliseTerm(m[1]!), TermStrength.Heading);
  // A heading that is itself one identifier ("## http.server.request.duration") defines it too.
  if (/[._]/.test(ownHeading)) note(normaliseTerm(ownHeading.replace(/^[^:]*:\s*/, "").replace(/`/g, "")), TermStrength.Heading);

  const lines = chunk.text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Table body rows: the first cell, when it is a single name (usually backticked).
    // (`\s*(?:\|\s*)?` rather than `\s*\|?\s*`: the same rows, without backtracking quadratically over
    // a long run of spaces.)
    if (/^\s*\|/.test(line) && !/^\s*(?:\|\s*)?:?-{2,}/.test(line) && i > 0) {
      const prev = lines[i - 1]!;
      const isBody = /^\s*(?:\|\s*)?:?-+:?\s*\|/.test(prev) || /^\s*\|/.test(prev);
      const firstCell = line.split("|")[1] ?? "";
      const ticked = /`([^`]+)`/.exec(firstCell);
      if (isBody && ticked) note(normaliseTerm(ticked[1]!), TermStrength.TableRow);
    }
    // Definition lists: "term" on one line, ": definition" on the next.
    if (/^:\s+\S/.test(line) && i > 0 && lines[i - 1]!.trim()) {
      note(normaliseTerm(lines[i - 1]!.replace(/`/g, "")), TermStrength.DefinitionList);
    }
  }
  const found = new Map<string, TermStrength>();
  for (const [term, k] of kinds) found.set(term, [...k].reduce((a: number, b) => a + b, 0) as TermStrength);
  return found;
}

export class TermIndex {
  private byTerm = new Map<string, TermDefinition[]>();
  /** Changes whenever the defined names may have: what is built from them knows when to rebuild. */
  generation = 0;
  /**
   * What each chunk defines, and how strongly (for `remove` and `snapshot`), built from byTerm when
   * first needed. Not kept while building: a map per defining chunk took 39 MB at 30x the sample
   * docs (103,830 maps), and `removeChunks`, the index's way of removing, needs one pass over the
   * definitions without it.
   */
  private byChunkMap?: Map<number, Map<string, TermStrength>>;

  private get byChunk(): Map<number, Map<string, TermStrength>> {
    if (!this.byChunkMap) {
      this.byChunkMap = new Map();
      for (const [term, defs] of this.byTerm) {
        for (const { chunkId, strength } of defs) {
          let terms = this.byChunkMap.get(chunkId);
          if (!terms) this.byChunkMap.set(chunkId, (terms = new Map()));
          terms.set(term, strength);
        }
      }
    }
    return this.byChunkMap;
  }

  add(chunkId: number, terms: Map<string, TermStrength>): void {
    if (terms.size === 0) return;
    this.generation++;
    const kept = this.byChunkMap ? new Map<string, TermStrength>() : undefined;
    for (const [term, strength] of terms) {
      let defs = this.byTerm.get(term);
      // Kept under one string of its own per name: a name cut from a chunk's text would keep the
      // whole file's text alive (util/ownString.ts).
      if (!defs) this.byTerm.set(ownString(term), (defs = []));
      defs.push({ chunkId, strength });
      kept?.set(ownString(term), strength);
    }
    if (kept) this.byChunkMap!.set(chunkId, kept);
  }

  /**
   * Removes the definitions of these chunks (a file's). Without the per-chunk map (a loaded
   * index) one pass over the definitions finds them, instead of building the map.
   */
  removeChunks(chunkIds: Iterable<number>): void {
    this.generation++;
    if (this.byChunkMap) {
      for (const id of chunkIds) this.remove(id);
      return;
    }
    const ids = new Set(chunkIds);
    if (ids.size === 0) return;
    for (const [term, defs] of this.byTerm) {
      if (!defs.some((d) => ids.has(d.chunkId))) continue;
      const kept = defs.filter((d) => !ids.has(d.chunkId));
      if (kept.length) this.byTerm.set(term, kept);
      else this.byTerm.delete(term);
    }
  }

  remove(chunkId: number): void {
    this.generation++;
    const byChunk = this.byChunk;
    for (const term of byChunk.get(chunkId)?.keys() ?? []) {
      const defs = this.byTerm.get(term)?.filter((d) => d.chunkId !== chunkId) ?? [];
      if (defs.length) this.byTerm.set(term, defs);
      else this.byTerm.delete(term);
    }
    byChunk.delete(chunkId);
  }

  /** Definitions of a term, strongest first. */
  lookup(term: string): TermDefinition[] {
    const defs = this.byTerm.get(foldName(term));
    return defs ? [...defs].sort((a, b) => b.strength - a.strength) : [];
  }

  has(term: string): boolean {
    return this.byTerm.has(foldName(term));
  }

  get size(): number {
    return this.byTerm.size;
  }

  terms(): IterableIterator<string> {
    return this.byTerm.keys();
  }

  /** [chunkId, [[term, strength], ...]] for every chunk that defines something. */
  snapshot(): [number, [string, TermStrength][]][] {
    return [...this.byChunk].map(([chunkId, terms]) => [chunkId, [...terms]]);
  }

  /** Each term with its definitions (chunk ids ascending within a term when added in id order). */
  entries(): IterableIterator<[string, TermDefinition[]]> {
    return this.byTerm.entries();
  }

  static fromSnapshot(snap: [number, [string, TermStrength][]][]): TermIndex {
    const index = new TermIndex();
    for (const [chunkId, terms] of snap) index.add(chunkId, new Map(terms));
    return index;
  }

  /** An index from its terms' definitions (as `entries()` gives them), built without the per-chunk map. */
  static fromDefinitions(defs: Iterable<[string, TermDefinition[]]>): TermIndex {
    const index = new TermIndex();
    index.byChunkMap = undefined;
    for (const [term, list] of defs) if (list.length) index.byTerm.set(term, list);
    return index;
  }
}
