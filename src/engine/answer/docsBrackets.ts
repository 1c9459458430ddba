// The docs' own bracketed numbers ("[1]" footnotes, "[2] db.collection.name" in a list) shown inside
// an answer would read as the answer's citations: the chat draws "[n]" as the button that opens
// source n. In the docs' text they are escaped ("\[1]"), which Markdown shows as "[1]", so only the
// answer's own citations become buttons. Code keeps its text: a backslash inside a code span or a
// fenced block would be shown as typed, and citations are never read there anyway.
import { closesFence, openingFence } from "../index/ingest/markdownBlocks.js";

/** "[1]", "[1, 2]" as the chat reads a citation; not a link's label ("[1](url)"). */
const BRACKETED_NUMBERS = /\[(?=\d{1,6}(?:\s*,\s*\d{1,6})*\](?!\())/g;

/** Markdown from the docs with its bracketed numbers escaped outside code (linear in the text). */
export function escapeDocsCitations(markdown: string): string {
  if (!markdown.includes("[")) return markdown;
  const lines = markdown.split("\n");
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence !== undefined) {
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    fence = openingFence(line);
    if (fence !== undefined) continue;
    lines[i] = escapeOutsideCodeSpans(line);
  }
  return lines.join("\n");
}

/** A line with "[n]" escaped except inside `code spans` (a run of backticks closed by a run of the same length). */
function escapeOutsideCodeSpans(line: string): string {
  if (!line.includes("[")) return line;
  let out = "";
  let from = 0;
  let i = 0;
  // Run lengths with no closing run after some position: later runs of that length have none either,
  // so a line of unmatched backticks stays linear.
  const noCloserAfter = new Map<number, number>();
  while (i < line.length) {
    const tick = line.indexOf("`", i);
    if (tick === -1) break;
    let run = 1;
    while (line[tick + run] === "`") run++;
    const close = (noCloserAfter.get(run) ?? Infinity) <= tick ? -1 : closingRun(line, tick + run, run);
    if (close === -1) {
      if (!noCloserAfter.has(run)) noCloserAfter.set(run, tick);
      i = tick + run;
      continue;
    }
    out += escapeText(line.slice(from, tick)) + line.slice(tick, close + run);
    from = i = close + run;
  }
  return out + escapeText(line.slice(from));
}

/** Where a run of exactly `run` backticks starts at or after `from`, or -1. */
function closingRun(line: string, from: number, run: number): number {
  for (let j = line.indexOf("`", from); j !== -1; j = line.indexOf("`", j)) {
    let end = j;
    while (line[end] === "`") end++;
    if (end - j === run) return j;
    j = end;
  }
  return -1;
}

/** Escapes "[" of bracketed numbers not already escaped (an odd run of backslashes before it escapes it). */
function escapeText(text: string): string {
  return text.replace(BRACKETED_NUMBERS, (_match, offset: number) => {
    let slashes = 0;
    while (text[offset - 1 - slashes] === "\\") slashes++;
    return slashes % 2 === 1 ? "[" : "\\[";
  });
}
