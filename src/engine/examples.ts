// Example questions for the chat's empty state, built from the names the indexed docs define (the
// first column of definition tables, headings that name a metric): a new user sees questions that
// these docs can answer, not generic ones.
import type { DocsIndex } from "./index/docsIndex.js";
import { definitionRow } from "./lookup.js";
import { isDefinableName } from "../shared/names.js";
import type { ExampleQuestion } from "../shared/protocol.js";

interface Candidate {
  term: string;
  strength: number;
  chunkId: number;
  file: string;
  startLine: number;
}

/**
 * Up to `count` questions, each about a different file's strongest defined name, the files spread
 * evenly over the docs (so three examples do not all come from the first file). Deterministic: the
 * same index gives the same examples.
 */
export function exampleQuestions(index: DocsIndex, count = 3): ExampleQuestion[] {
  const best = new Map<string, Candidate>();
  for (const term of index.terms.terms()) {
    if (!isDefinableName(term)) continue;
    const [def] = index.terms.lookup(term);
    const chunk = def && index.getChunk(def.chunkId);
    if (!def || !chunk) continue;
    const candidate = { term, strength: def.strength, chunkId: chunk.id, file: chunk.file, startLine: chunk.startLine };
    const current = best.get(chunk.file);
    if (!current || rank(candidate, current) < 0) best.set(chunk.file, candidate);
  }
  if (best.size === 0) return [];
  const strongest = Math.max(...[...best.values()].map((c) => c.strength));
  // Files whose name is defined as strongly as any (a heading and a table row), in path order.
  const files = [...best.values()].filter((c) => c.strength === strongest).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const picked: Candidate[] = [];
  for (let i = 0; i < Math.min(count, files.length); i++) picked.push(files[Math.floor((i * files.length) / Math.min(count, files.length))]!);
  return picked.map((c, i) => {
    const chunk = index.getChunk(c.chunkId)!;
    const name = asWritten(chunk.text, c.term);
    return { term: name, question: questionAbout(name, definitionRow(chunk, c.term), i) };
  });
}

/** Stronger first, then the earlier definition in its file, then the shorter name. */
function rank(a: Candidate, b: Candidate): number {
  return b.strength - a.strength || a.startLine - b.startLine || a.term.length - b.term.length;
}

/** The name as the docs write it (terms are kept in lower case). */
function asWritten(text: string, term: string): string {
  const at = text.toLowerCase().indexOf(term);
  return at >= 0 ? text.slice(at, at + term.length) : term;
}

/** A question the definition can answer: its unit when it has one, else what it is; varied by position. */
function questionAbout(name: string, row: Record<string, string> | undefined, position: number): string {
  const column = (pattern: RegExp) => Object.entries(row ?? {}).find(([k, v]) => pattern.test(k) && v.trim() && v.trim() !== "-")?.[1];
  const templates: string[] = [];
  if (column(/\bunit\b/i)) templates.push(`What is the unit of ${name}?`);
  if (column(/instrument/i)) templates.push(`What does ${name} measure?`);
  templates.push(`What is ${name}?`);
  return templates[position % templates.length]!;
}
