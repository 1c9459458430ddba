// A follow-up over the sources the answer before it was given: those sources again, as they were,
// so that the model, which holds them from that answer, reads only what comes after them; then,
// as further sources, any section whose lines for the follow-up hold some that were not given.
import type { AnswerSourceWithText } from "../../shared/answer.js";

type Source = AnswerSourceWithText;

/** The same lines of the same file, holding the same text (a file edited since gives other sources). */
const sameSection = (a: Source, b: Source) => a.file === b.file && a.startLine === b.startLine && a.endLine === b.endLine && a.linesHash === b.linesHash;

/**
 * The previous answer's sources followed by the fresh ones that add lines to them, when every fresh
 * source is a section the previous answer was given; undefined when the follow-up draws on other docs.
 */
export function followUpSources(previous: readonly Source[], fresh: readonly Source[]): Source[] | undefined {
  if (previous.length === 0 || fresh.length === 0) return undefined;
  const added: Source[] = [];
  for (const s of fresh) {
    const given = previous.find((p) => sameSection(p, s));
    if (!given) return undefined;
    const lines = new Set(given.text.split("\n").map((l) => l.trim()));
    // Whole, as selected for the follow-up: its lines read in their order (a table row under its header).
    if (s.text.split("\n").some((l) => l.trim() && !lines.has(l.trim()))) added.push({ ...s, n: previous.length + added.length + 1 });
  }
  return [...previous, ...added];
}
