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

/**
 * Definitions as loaded from a saved index, in typed arrays rather than an object per definition:
 * per term a range of chunk ids and strengths, and per chunk the terms it defines (for removal).
 * A term's definitions become objects when first looked up or changed.
 */
export class SavedDefinitions {
  /** chunkTerms[chunkStart[id] .. chunkStart[id + 1]]: ordinals of the terms chunk `id` defines. */
  private readonly chunkStart: Uint32Array;
  private readonly chunkTerms: Uint32Array;

  constructor(
    /** Term names by ordinal. */
    readonly names: string[],
    /** ids[termStart[t] .. termStart[t + 1]]: the chunks that define term t, with their strengths. */
    private readonly termStart: Uint32Array,
    private readonly ids: Int32Array,
    private readonly strengths: Uint8Array,
    /** Chunk ids are below this. */
    readonly chunkCount: number,
  ) {
    const defs = termStart[names.length]!;
    const start = new Uint32Array(chunkCount + 1);
    for (let i = 0; i < defs; i++) start[ids[i]! + 1]!++;
    for (let c = 0; c < chunkCount; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, chunkCount);
    const terms = new Uint32Array(defs);
    for (let t = 0; t < names.length; t++) for (let i = termStart[t]!; i < termStart[t + 1]!; i++) terms[fill[ids[i]!]!++] = t;
    this.chunkStart = start;
    this.chunkTerms = terms;
  }

  definitionsOf(ordinal: number): TermDefinition[] {
    const out: TermDefinition[] = [];
    for (let i = this.termStart[ordinal]!, end = this.termStart[ordinal + 1]!; i < end; i++)
      out.push({ chunkId: this.ids[i]!, strength: this.strengths[i] as TermStrength });
    return out;
  }

  /** The names a loaded chunk defines. */
  termsOfChunk(id: number): string[] {
    if (!(id >= 0 && id < this.chunkCount)) return [];
    const out: string[] = [];
    for (let i = this.chunkStart[id]!, end = this.chunkStart[id + 1]!; i < end; i++) out.push(this.names[this.chunkTerms[i]!]!);
    return out;
  }
}

export class TermIndex {
  /** Per term its definitions, or (loaded and not used since) its ordinal in `saved`. */
  private byTerm = new Map<string, TermDefinition[] | number>();
  private saved?: SavedDefinitions;
  /** Changes whenever the defined names may have: what is built from them knows when to rebuild. */
  generation = 0;
  /**
   * What each chunk added since a load defines, and how strongly (for removal; a loaded chunk's
   * names come from `saved`). Not kept while building: a map per defining chunk took 39 MB at 30x
   * the sample docs (103,830 maps); a built index removes with one pass over the definitions.
   */
  private byChunk?: Map<number, Map<string, TermStrength>>;

  /** A term's definitions, as objects from here on (to be changed or handed out). */
  private definitions(term: string): TermDefinition[] | undefined {
    const defs = this.byTerm.get(term);
    if (typeof defs !== "number") return defs;
    const decoded = this.saved!.definitionsOf(defs);
    this.byTerm.set(term, decoded);
    return decoded;
  }

  add(chunkId: number, terms: Map<string, TermStrength>): void {
    if (terms.size === 0) return;
    this.generation++;
    const kept = this.byChunk ? new Map<string, TermStrength>() : undefined;
    for (const [term, strength] of terms) {
      let defs = this.definitions(term);
      // Kept under one string of its own per name: a name cut from a chunk's text would keep the
      // whole file's text alive (util/ownString.ts).
      if (!defs) this.byTerm.set(ownString(term), (defs = []));
      defs.push({ chunkId, strength });
      kept?.set(ownString(term), strength);
    }
    if (kept) this.byChunk!.set(chunkId, kept);
  }

  /** The names a chunk of a loaded index defines (from what was added since, or what was loaded). */
  private termsOf(chunkId: number): Iterable<string> {
    return this.byChunk?.get(chunkId)?.keys() ?? this.saved?.termsOfChunk(chunkId) ?? [];
  }

  /**
   * Removes the definitions of these chunks (a file's). A loaded index touches only the names they
   * define; a built one (no per-chunk map) makes one pass over the definitions.
   */
  removeChunks(chunkIds: Iterable<number>): void {
    this.generation++;
    const ids = new Set(chunkIds);
    if (ids.size === 0) return;
    let touched: Iterable<string>;
    if (this.byChunk) {
      const names = new Set<string>();
      for (const id of ids) {
        for (const term of this.termsOf(id)) names.add(term);
        this.byChunk.delete(id);
      }
      touched = names;
    } else touched = [...this.byTerm.keys()];
    for (const term of touched) {
      const defs = this.byChunk ? this.definitions(term) : (this.byTerm.get(term) as TermDefinition[] | undefined);
      if (!defs?.some((d) => ids.has(d.chunkId))) continue;
      const kept = defs.filter((d) => !ids.has(d.chunkId));
      if (kept.length) this.byTerm.set(term, kept);
      else this.byTerm.delete(term);
    }
  }

  remove(chunkId: number): void {
    this.removeChunks([chunkId]);
  }

  /** Definitions of a term, in the order they were added (not copied: not to be changed). */
  definitionsOf(term: string): readonly TermDefinition[] {
    return this.definitions(foldName(term)) ?? [];
  }

  /** Definitions of a term, strongest first. */
  lookup(term: string): TermDefinition[] {
    const defs = this.definitions(foldName(term));
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
    const byChunk = new Map<number, [string, TermStrength][]>();
    for (const [term, defs] of this.entries()) {
      for (const { chunkId, strength } of defs) {
        let terms = byChunk.get(chunkId);
        if (!terms) byChunk.set(chunkId, (terms = []));
        terms.push([term, strength]);
      }
    }
    return [...byChunk];
  }

  /**
   * Each term with its definitions (chunk ids ascending within a term when added in id order).
   * Terms still as loaded are decoded for the caller and stay compact in the index.
   */
  *entries(): IterableIterator<[string, TermDefinition[]]> {
    for (const [term, defs] of this.byTerm) yield [term, typeof defs === "number" ? this.saved!.definitionsOf(defs) : defs];
  }

  static fromSnapshot(snap: [number, [string, TermStrength][]][]): TermIndex {
    const index = new TermIndex();
    for (const [chunkId, terms] of snap) index.add(chunkId, new Map(terms));
    return index;
  }

  /** An index from its terms' definitions (as `entries()` gives them). */
  static fromDefinitions(defs: Iterable<[string, TermDefinition[]]>): TermIndex {
    const index = new TermIndex();
    for (const [term, list] of defs) if (list.length) index.byTerm.set(term, list);
    return index;
  }

  /** An index over loaded definitions, kept compact until used. */
  static fromSaved(saved: SavedDefinitions): TermIndex {
    const index = new TermIndex();
    index.saved = saved;
    index.byChunk = new Map();
    saved.names.forEach((term, ordinal) => index.byTerm.set(term, ordinal));
    return index;
  }
}
