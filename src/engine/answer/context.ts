// From ranked hits to numbered sources: one per section. For the model, whole sections in rank
// order until the context budget is full (a section that does not fit gives its best-matching
// lines instead of its first ones), with the definition cards on top of the sections that hold
// them; under a tight budget (compact) every section gives only its lines that match, ranked by
// the question's words still missing. For a reader without a model, the best-matching lines of
// the first few sections.
import type { SearchHit } from "../index/types.js";
import { headingLabel } from "../index/types.js";
import { cardMarkdown, codeSpan, type DefinitionCard } from "../../shared/cards.js";
import { MAX_OTHER_LOCATIONS, type AnswerSourceWithText, type SourceLocation } from "../../shared/answer.js";
import { compactMarkdown } from "../cards/inlineText.js";
import { bestExcerpt } from "./excerpts.js";
import type { ExcerptQuery } from "./excerptQuery.js";
import { groupBySection, sectionLabel, sectionLines, type SectionGroup } from "./sections.js";
import { contentHash } from "../index/ingest/hash.js";
import { fileLinesOf, type DocLines } from "../index/search/fileLines.js";
import { escapeDocsCitations } from "./docsBrackets.js";
import { fingerprint, mostlyShownIn, nearDuplicate, type TextFingerprint } from "./duplicates.js";

type Source = AnswerSourceWithText;

/** Characters of best-matching lines shown per source in an answer without a model. */
export const EXCERPT_CHARS = 700;
/**
 * The most of the budget one section takes whole (a quarter: at least four sections always fit): a
 * longer one gives its best-matching lines, so
 * one long page never crowds out the other sections that match (docs/retrieval.md).
 */
const MAX_SECTION_SHARE = 0.25;
/**
 * Below this many tokens for the sources (a CPU's time budget, a small context) every section gives
 * only its lines that match the question, the ones holding what is still missing first, rather than
 * its whole text: context recall per prompt token in docs/retrieval.md ("A compact context").
 */
export const COMPACT_BELOW = 3000;
/** In a compact context the best section's lines may take half of it, so that the next sections give theirs. */
const COMPACT_FIRST_SHARE = 0.5;
/** Below this many tokens left, no further section is started. */
const MIN_SOURCE_TOKENS = 48;

export interface ContextRequest {
  hits: SearchHit[];
  query: ExcerptQuery;
  cards: DefinitionCard[];
  cache: DocLines;
}

function sourceOf(group: SectionGroup, n: number, range: { startLine: number; endLine: number }, text: string): Source {
  const first = group.hits[0]!.chunk;
  return {
    n,
    path: group.relPath,
    file: group.file,
    heading: headingLabel(first),
    label: sectionLabel(group),
    startLine: range.startLine,
    endLine: range.endLine,
    text,
    matchedBy: group.matchedBy,
    ...(group.term ? { term: group.term } : {}),
  };
}

/** Sources already taken, with the fingerprints of their sections' texts: a later copy of one becomes a place it lists. */
class DistinctSources {
  private readonly taken: { source: Source; fingerprint: TextFingerprint; shown: boolean }[] = [];

  /** The source taken earlier whose section (or shown text) is the same or nearly the same text, if any. */
  copyOf(fp: TextFingerprint): Source | undefined {
    return this.taken.find((t) => nearDuplicate(t.fingerprint, fp))?.source;
  }

  /** The source taken earlier whose shown text already holds nearly all of these lines, if any. */
  showing(shown: TextFingerprint): Source | undefined {
    return this.taken.find((t) => t.shown && mostlyShownIn(shown, t.fingerprint))?.source;
  }

  /** A source taken, known by its section's text and by the text it shows (the same when it shows it whole). */
  add(source: Source, section: TextFingerprint, shown: TextFingerprint): void {
    this.taken.push({ source, fingerprint: shown, shown: true });
    if (section !== shown) this.taken.push({ source, fingerprint: section, shown: false });
  }
}

/** Adds the section's place to the source that already shows its text (up to MAX_OTHER_LOCATIONS). */
function addLocation(source: Source, group: SectionGroup, range: { startLine: number; endLine: number }): void {
  const also = (source.also ??= []);
  if (also.length >= MAX_OTHER_LOCATIONS) return;
  const place: SourceLocation = { path: group.relPath, file: group.file, startLine: range.startLine, endLine: range.endLine };
  if (!also.some((a) => a.file === place.file && a.startLine === place.startLine)) also.push(place);
}

/** The lines of the section's ranked chunks, as 0-based indices into the section's lines. */
function rankedLines(group: SectionGroup, startLine: number): { from: number; to: number }[] {
  return group.hits.map((h) => ({ from: h.chunk.startLine - startLine, to: h.chunk.endLine - startLine }));
}

/** The hash of a file's lines start..end (1-based, inclusive): what feedback checks the file still holds. */
export function linesHash(lines: string[], startLine: number, endLine: number): string {
  return contentHash(lines.slice(startLine - 1, endLine).join("\n"));
}

async function withLinesHash(source: Source, cache: DocLines): Promise<Source> {
  const lines = await fileLinesOf(source.file, cache);
  return lines && source.endLine <= lines.length ? { ...source, linesHash: linesHash(lines, source.startLine, source.endLine) } : source;
}

const holdsCard = (s: Pick<Source, "file" | "startLine" | "endLine">, card: DefinitionCard) =>
  s.file === card.file && s.startLine <= card.line && card.line <= s.endLine;

/**
 * Sources for the model: sections in rank order, whole while they fit, else their best lines, until
 * `budget` tokens are used (below COMPACT_BELOW, their matching lines only). A card's section comes first (a card is the fact the question asked
 * for), with the card's Markdown at the top of its text.
 */
export async function modelSources(
  request: ContextRequest,
  countTokens: (t: string) => number | Promise<number>,
  budget: number,
  block: (s: Source) => string,
): Promise<Source[]> {
  const { query, cards, cache } = request;
  const groups = groupBySection(request.hits);
  const sources: Source[] = [];
  const distinct = new DistinctSources();
  let left = budget;
  const compact = budget < COMPACT_BELOW;
  /** The question's words the sources taken so far hold: a later excerpt looks for the others first. */
  const covered = new Map<string, number>();
  // A server's tokenizer answers asynchronously (one /tokenize call per count).
  const cost = async (s: Source) => await countTokens(block(s) + "\n\n");
  /** The section is one more place of a source already taken: only the longer place list costs tokens. */
  const addPlace = async (original: Source, group: SectionGroup, range: { startLine: number; endLine: number }) => {
    const before = await cost(original);
    addLocation(original, group, range);
    left -= (await cost(original)) - before;
  };
  const cardText = (range: { file: string; startLine: number; endLine: number }) =>
    cards
      .filter((c) => holdsCard(range, c))
      .map((c) => cardMarkdown(c))
      .join("\n\n");
  for (const group of groups) {
    if (left < MIN_SOURCE_TOKENS) break;
    const read = await sectionLines(group, cache);
    const fp = fingerprint(read.lines);
    const original = distinct.copyOf(fp);
    if (original) {
      // The same text again: one more place for the source that shows it, not a second copy.
      await addPlace(original, group, read);
      continue;
    }
    const top = cardText({ file: group.file, ...read });
    const whole = compactMarkdown(read.lines.join("\n"));
    let source = sourceOf(group, sources.length + 1, read, top ? `${top}\n\n${whole}` : whole);
    // The first section (the best-ranked, or the one that defines the name asked about) may take
    // what it needs; the others their share.
    const room =
      sources.length === 0
        ? compact && groups.length > 1
          ? left * COMPACT_FIRST_SHARE
          : left
        : Math.min(left, Math.max(MIN_SOURCE_TOKENS, budget * MAX_SECTION_SHARE));
    const wholeCost = await cost(source);
    /** The question's words this source's lines hold, once it is taken. */
    let coveredAfter = covered;
    if (compact || wholeCost > room) {
      // Its best-matching lines, as many as fit (characters estimated, then checked by the tokenizer).
      const header = await cost({ ...source, text: top });
      let chars = Math.max(0, (room - header) * 3.5);
      let fitted: Source | undefined;
      while (chars >= 40 && !fitted) {
        const seen = new Map(covered);
        const favoured = rankedLines(group, read.startLine);
        const excerpt = compactMarkdown(bestExcerpt(read.lines, query, chars, { favoured, matchingOnly: compact, covered: seen }).text);
        const candidate = { ...source, text: top ? `${top}\n\n${excerpt}` : excerpt };
        const candidateCost = await cost(candidate);
        if (candidateCost <= room) {
          // A short section costs no more whole than its lines: it stays whole.
          fitted = wholeCost <= Math.min(room, candidateCost) ? source : candidate;
          coveredAfter = seen;
        } else chars *= 0.8;
      }
      if (!fitted) continue;
      source = fitted;
    }
    // Only part of the section fits: those lines may be what an earlier source already gives.
    const shown = source.text === whole ? fp : fingerprint(source.text.split("\n"));
    const shownOriginal = shown === fp ? undefined : distinct.showing(shown);
    if (shownOriginal) {
      await addPlace(shownOriginal, group, read);
      continue;
    }
    left -= await cost(source);
    for (const [word, times] of coveredAfter) covered.set(word, times);
    const taken = await withLinesHash(source, cache);
    sources.push(taken);
    distinct.add(taken, fp, shown);
  }
  // A card whose section did not make it in still goes first, on its own.
  for (const card of [...cards].reverse()) {
    if (sources.some((s) => holdsCard(s, card))) continue;
    const alone: Source = {
      n: 0,
      path: card.path,
      file: card.file,
      heading: card.heading,
      label: card.heading,
      startLine: card.line,
      endLine: card.line,
      text: cardMarkdown(card),
      matchedBy: ["term"],
      term: card.term,
    };
    const aloneCost = await cost(alone);
    if (aloneCost <= left) {
      left -= aloneCost;
      sources.unshift(await withLinesHash(alone, cache));
    }
  }
  return sources.map((s, i) => ({ ...s, n: i + 1 }));
}

/**
 * Sources for a reader without a model: the first `count` distinct sections (a copy of one shown
 * is listed as one more place of it), each with its best-matching lines.
 */
export async function readerSources(request: ContextRequest, count: number, excerptChars = EXCERPT_CHARS): Promise<Source[]> {
  const sources: Source[] = [];
  const distinct = new DistinctSources();
  for (const group of groupBySection(request.hits)) {
    const read = await sectionLines(group, request.cache);
    const fp = fingerprint(read.lines);
    const original = distinct.copyOf(fp);
    if (original) {
      addLocation(original, group, read);
      continue;
    }
    // Copies of a section shown still join it as places, after the last source is taken.
    if (sources.length >= count) continue;
    // The first source opens with its best-matching line: the fact first.
    const { text } = bestExcerpt(read.lines, request.query, excerptChars, { bestFirst: true });
    // Sections that differ elsewhere can still show the same lines (a notice pasted into several pages).
    const shownText = fingerprint(text.split("\n"));
    const shownOriginal = distinct.showing(shownText);
    if (shownOriginal) {
      addLocation(shownOriginal, group, read);
      continue;
    }
    const source = await withLinesHash(sourceOf(group, sources.length + 1, read, text), request.cache);
    sources.push(source);
    distinct.add(source, fp, shownText);
  }
  return sources;
}

/** A retrieval-only answer: each source's label, location and best-matching lines, cited as [n]. */
export function readerAnswer(sources: Source[]): string {
  return sources
    .map(
      (s) =>
        `[${s.n}] **${escapeInline(s.label ?? s.heading)}** · ${codeSpan(`${s.path}:${s.startLine}-${s.endLine}`)}${alsoIn(s)}\n\n${escapeDocsCitations(s.text)}`,
    )
    .join("\n\n");
}

/** The other places a source's text is in, as a reader sees them (" · also in `b.md:3-9`, `c.md:1-7`"), or "". */
export function alsoIn(s: Pick<Source, "also">): string {
  if (!s.also?.length) return "";
  return ` · also in ${s.also.map((a) => codeSpan(`${a.path}:${a.startLine}-${a.endLine}`)).join(", ")}`;
}

/** A heading or path shown as text inside Markdown: characters Markdown would act on are escaped. */
function escapeInline(text: string): string {
  // "_" inside a word (snake_case) is never emphasis, and stays as it is.
  return text.replace(/[\\`*[\]<>|]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, (c) => `\\${c}`);
}
