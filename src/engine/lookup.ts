// Search results and definition details as every client gets them: the engine process (for the
// editor's language-model tools and chat participant) and the CLI's MCP server build their answers
// from these, so both say the same thing about the same docs.
import type { DocsIndex } from "./index/docsIndex.js";
import { headingLabel, type ChunkRecord } from "./index/types.js";
import { foldName, isDefinableName, namesIn } from "../shared/names.js";
import type { Definition, SearchSection } from "../shared/protocol.js";

/** Longest section text in a search result, in characters. */
export const MAX_SECTION_CHARS = 4000;

/** The first `max` characters of a text, not cutting a surrogate pair in half. */
export function bounded(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max;
  if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return { text: text.slice(0, end), truncated: true };
}

/** The k sections that best match a query, ranked, each text bounded to MAX_SECTION_CHARS. */
export async function searchSections(index: DocsIndex, query: string, k: number): Promise<SearchSection[]> {
  const hits = await index.search(query, { k });
  return hits.map((h, i) => {
    const { text, truncated } = bounded(h.chunk.text, MAX_SECTION_CHARS);
    return {
      rank: i + 1,
      path: h.chunk.relPath,
      folder: h.chunk.root,
      file: h.chunk.file,
      heading: headingLabel(h.chunk),
      startLine: h.chunk.startLine,
      endLine: h.chunk.endLine,
      score: Math.round(h.score * 10000) / 10000,
      matchedBy: h.matchedBy,
      ...(h.term ? { term: h.term } : {}),
      text,
      truncated,
    };
  });
}

/** The table row whose first cell is the term, as header → cell ("Instrument Type" → "Histogram"). */
export function definitionRow(chunk: Pick<ChunkRecord, "text"> | undefined, term: string): Record<string, string> | undefined {
  if (!chunk) return undefined;
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((c) => c.trim());
  const lines = chunk.text.split("\n");
  for (let i = 2; i < lines.length; i++) {
    const row = lines[i]!;
    if (!/^\s*\|/.test(row)) continue;
    const first = cells(row)[0] ?? "";
    const ticked = /`([^`]+)`/.exec(first)?.[1];
    if (ticked?.toLowerCase() !== term.toLowerCase()) continue;
    // Walk up to the header: the line above the |---| separator.
    let sep = i - 1;
    // `\s*(?:\|\s*)?`, not `\s*\|?\s*`: the same rows without trying every split of a run of spaces.
    while (sep > 0 && /^\s*\|/.test(lines[sep]!) && !/^\s*(?:\|\s*)?:?-{2,}/.test(lines[sep]!)) sep--;
    if (sep < 1 || !/^\s*(?:\|\s*)?:?-{2,}/.test(lines[sep]!)) return undefined;
    const header = cells(lines[sep - 1]!);
    const values = cells(row);
    const out: Record<string, string> = {};
    header.forEach((h, j) => {
      const v = values[j];
      if (j > 0 && h && v) out[h] = v.length > 300 ? `${v.slice(0, 300)}…` : v;
    });
    return Object.keys(out).length ? out : undefined;
  }
  return undefined;
}

/**
 * The definition of a name the docs define, for hovers: the defining section's first
 * paragraph, its heading and location. Plain words are not looked up (see isDefinableName).
 */
export function defineName(index: DocsIndex, name: string): Definition | undefined {
  if (!isDefinableName(name)) return undefined;
  // One name, answered for itself (or for the defined name it misspells): exactTermHits reads every
  // name in a question, and "unknown.name s.m" must not be answered as s.m.
  const names = namesIn(name);
  if (names.length !== 1) return undefined;
  const wanted = foldName(names[0]!);
  const hit = index.exactTermHits(wanted, undefined, 1).find((h) => (h.askedAs ?? h.term) === wanted);
  if (!hit) return undefined;
  const chunk = index.getChunk(hit.chunkId);
  if (!chunk) return undefined;
  return {
    term: hit.term,
    ...(hit.askedAs ? { askedAs: hit.askedAs } : {}),
    heading: headingLabel(chunk),
    file: chunk.file,
    path: chunk.relPath,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    summary: firstParagraph(chunk.text),
    ...withDetails(definitionRow(chunk, hit.term)),
  };
}

function firstParagraph(text: string): string {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim());
  const prose = paragraphs.find((p) => p && !p.startsWith("#") && !p.startsWith("|") && !p.startsWith("```") && !p.startsWith("<!--"));
  return (prose ?? paragraphs.find((p) => p && !p.startsWith("#")) ?? "").slice(0, 600);
}

const withDetails = (details: Record<string, string> | undefined) => (details ? { details } : {});
