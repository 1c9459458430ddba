// One source per section: the hits of a ranking grouped by the section (heading to next heading)
// they lie in, in rank order, each section read whole from its file.
import type { SearchHit } from "../index/types.js";
import type { MatchSource } from "../../shared/answer.js";
import { fileLinesOf, type DocLines } from "../index/search/fileLines.js";
import { admonitionName } from "./excerptUnits.js";

export interface SectionGroup {
  file: string;
  relPath: string;
  title: string;
  headingPath: string[];
  startLine: number;
  endLine: number;
  /** The hits inside the section, best first. */
  hits: SearchHit[];
  matchedBy: MatchSource[];
  term?: string;
}

/**
 * Groups hits by section, in the order of each section's best hit. Hits without a known section
 * (an index that keeps none) stand for themselves; a hit overlapping a group already made (a
 * chunk that spills over a section boundary) joins it.
 */
export function groupBySection(hits: SearchHit[]): SectionGroup[] {
  const groups: SectionGroup[] = [];
  for (const hit of hits) {
    const { chunk } = hit;
    const range = hit.section ?? { startLine: chunk.startLine, endLine: chunk.endLine };
    const group = groups.find((g) => g.file === chunk.file && g.startLine <= range.endLine && range.startLine <= g.endLine);
    if (group) {
      group.hits.push(hit);
      group.startLine = Math.min(group.startLine, range.startLine);
      group.endLine = Math.max(group.endLine, range.endLine);
      for (const m of hit.matchedBy) if (!group.matchedBy.includes(m)) group.matchedBy.push(m);
      group.term ??= hit.term;
      continue;
    }
    groups.push({
      file: chunk.file,
      relPath: chunk.relPath,
      title: chunk.title,
      headingPath: chunk.headingPath,
      startLine: range.startLine,
      endLine: range.endLine,
      hits: [hit],
      matchedBy: [...hit.matchedBy],
      ...(hit.term ? { term: hit.term } : {}),
    });
  }
  return groups;
}

/**
 * The section's lines from its file, or, when the file no longer holds what was indexed (no hit's
 * first line is where the index says: the watcher has not caught up), its best hit's own text. Lines[0] is file line `startLine` of the returned range.
 */
export async function sectionLines(group: SectionGroup, cache: DocLines): Promise<{ lines: string[]; startLine: number; endLine: number; fromFile: boolean }> {
  const file = await fileLinesOf(group.file, cache);
  // A chunk's text is not always its lines verbatim (a long table's later chunks repeat its header,
  // comments are dropped), so one hit whose first line is where the index says is enough.
  const matches = file && group.endLine <= file.length && group.hits.some((h) => file[h.chunk.startLine - 1] === h.chunk.text.split("\n")[0]);
  if (matches) return { lines: file.slice(group.startLine - 1, group.endLine), startLine: group.startLine, endLine: group.endLine, fromFile: true };
  const best = group.hits[0]!.chunk;
  return { lines: best.text.split("\n"), startLine: best.startLine, endLine: best.endLine, fromFile: false };
}

/** The section's most specific heading as plain text ("Metric: http.server.request.duration"), else the file's title. */
export function sectionLabel(group: Pick<SectionGroup, "headingPath" | "title">): string {
  // An alert marker read as a heading ("[!IMPORTANT]" over a line of "---") names no section: the one above it does.
  const headings = group.headingPath.filter((h) => !admonitionName(h.replace(/^#+\s*/, "")));
  const heading = headings[headings.length - 1] ?? group.title;
  return heading.replace(/`/g, "").trim() || group.title;
}
