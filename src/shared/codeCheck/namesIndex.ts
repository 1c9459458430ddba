// The defined names as the code check and completion read them: exact lookup, the namespaces the
// docs use (a name's first segment), near names for a typo (the same distance, edit limits and
// digit rule as the engine's "did you mean", src/shared/wordDistance.ts), and prefix completion.
// Built once per table version; every lookup after that is a map access or a bucketed scan.
import { maxEditsFor, sameDigits, WordBuckets } from "../wordDistance.js";
import type { DefinedName, DefinedNamesTable } from "./types.js";
import { lowerBound } from "../lowerBound.js";

/** A dotted name: lowercase segments of letters, digits, `_` and `-`, at least two, no spaces, slashes or colons. */
const DOTTED_NAME = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+$/;
const MAX_NAME = 120;
const NEAR_MEMO = 2000;

/** Whether a literal's content is shaped like the docs' names (`http.server.request.duration`). */
export function isDottedName(text: string): boolean {
  return text.length <= MAX_NAME && DOTTED_NAME.test(text);
}

/** Stable names first, deprecated ones last. */
function rank(d: DefinedName): number {
  if (d.deprecated) return 2;
  return /stable/i.test(d.stability ?? "") ? 0 : 1;
}

export class DefinedNamesIndex {
  readonly version: string;
  private readonly byName = new Map<string, DefinedName>();
  private readonly namespaceCounts = new Map<string, number>();
  private readonly buckets = new WordBuckets();
  private readonly templates: string[];
  /** Every defined name's first two segments (`http.server`). */
  private readonly prefixes = new Set<string>();
  /** Near names already looked up: a file repeats its names, and an edit re-checks the whole file. */
  private readonly nearMemo = new Map<string, string[]>();
  /** Lowercased names, sorted, for prefix completion by binary search. */
  private readonly sorted: string[];

  constructor(table: DefinedNamesTable) {
    this.version = table.version;
    for (const d of table.names) {
      const key = d.name.toLowerCase();
      if (this.byName.has(key)) continue;
      this.byName.set(key, d);
      this.buckets.add(key);
      const dot = key.indexOf(".");
      if (dot > 0) {
        const ns = key.slice(0, dot);
        this.namespaceCounts.set(ns, (this.namespaceCounts.get(ns) ?? 0) + 1);
      }
    }
    this.sorted = [...this.byName.keys()].sort();
    this.templates = table.templates ?? [];
    for (const t of this.templates) {
      const twoSegments = t.split(".").slice(0, 2).join(".");
      this.prefixes.add(twoSegments);
    }
    for (const key of this.sorted) {
      const parts = key.split(".");
      if (parts.length >= 2) this.prefixes.add(`${parts[0]}.${parts[1]}`);
    }
  }

  /** Whether a name fits a templated name of the docs (`http.request.header.x-forwarded-for`). */
  fitsTemplate(name: string): boolean {
    const key = name.toLowerCase();
    return this.templates.some((t) => key.startsWith(t) && key.length > t.length);
  }

  /**
   * Whether the docs use the name's first segments: its first segment for a two-segment name, its
   * first two for a longer one (`test.hook.attribute` is the code's own name when the docs only
   * define `test.case.*` and `test.suite.*`).
   */
  usesPrefix(name: string): boolean {
    const parts = name.toLowerCase().split(".");
    if (parts.length === 2) return this.isNamespace(parts[0]!);
    return this.prefixes.has(`${parts[0]}.${parts[1]}`);
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): DefinedName | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Whether the docs define dotted names under this first segment (`http` of `http.server.request.duration`). */
  isNamespace(segment: string): boolean {
    return this.namespaceCounts.has(segment.toLowerCase());
  }

  /**
   * Up to `max` defined names within the edits the engine's "did you mean" allows for the name's
   * length, with the same digits: fewest edits, then the same number of segments, stable before
   * development before deprecated, then alphabetical.
   */
  near(name: string, max = 3): string[] {
    const query = name.toLowerCase();
    const key = `${max}:${query}`;
    const known = this.nearMemo.get(key);
    if (known) return known;
    const found = this.findNear(query, max);
    if (this.nearMemo.size >= NEAR_MEMO) this.nearMemo.delete(this.nearMemo.keys().next().value!);
    this.nearMemo.set(key, found);
    return found;
  }

  private findNear(query: string, max: number): string[] {
    const parts = (n: string) => n.split(".").length;
    const found = this.buckets.within(query, maxEditsFor(query.length), (c) => sameDigits(c, query));
    found.sort(
      (a, b) =>
        a.distance - b.distance ||
        Number(parts(b.word) === parts(query)) - Number(parts(a.word) === parts(query)) ||
        rank(this.byName.get(a.word)!) - rank(this.byName.get(b.word)!) ||
        (a.word < b.word ? -1 : 1),
    );
    return found.slice(0, max).map((c) => this.byName.get(c.word)!.name);
  }

  /** Whether defined names continue this one (`system.cpu` of `system.cpu.time`): a group of names, not an undefined one. */
  isGroup(name: string): boolean {
    const p = `${name.toLowerCase()}.`;
    const i = this.lowerBound(p);
    return i < this.sorted.length && this.sorted[i]!.startsWith(p);
  }

  private lowerBound(p: string): number {
    return lowerBound(this.sorted, p);
  }

  /** Defined names that start with `prefix` (case-insensitive): stable first, deprecated last, then alphabetical; at most `max`. */
  complete(prefix: string, max = 200): DefinedName[] {
    const p = prefix.toLowerCase();
    const found: DefinedName[] = [];
    for (let i = this.lowerBound(p); i < this.sorted.length && this.sorted[i]!.startsWith(p); i++) found.push(this.byName.get(this.sorted[i]!)!);
    found.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : 1));
    return found.slice(0, max);
  }
}

/** The card's facts in one line, for completion details: "Histogram · s · Duration of HTTP server requests." */
export function namesDetail(d: DefinedName): string {
  const parts: string[] = [];
  if (d.deprecated) parts.push(d.deprecated.replacement ? `Deprecated: use ${d.deprecated.replacement}` : "Deprecated");
  if (d.kind) parts.push(d.kind);
  if (d.unit) parts.push(d.unit);
  if (d.description) parts.push(d.description);
  return parts.join(" · ");
}
