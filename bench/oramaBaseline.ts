// Default Orama full-text search on a question set, for comparison with Docent's BM25F:
// whole files as documents, and Docent's chunks as documents. Prints one JSON object.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { create, insertMultiple, search } from "@orama/orama";
import { listCorpus } from "../src/engine/index/ingest/corpus.js";
import { chunkDocument } from "../src/engine/index/ingest/chunker.js";
import { readQuestions, retrievalMetrics, type QuestionResult } from "../src/engine/eval/retrievalEval.js";

const { values } = parseArgs({ options: { docs: { type: "string" }, questions: { type: "string" } } });
const docsDir = path.resolve(values.docs ?? "../shared/eval/anthropic_docs/docs");
const questions = await readQuestions(values.questions ?? path.join(docsDir, "..", "questions.jsonl"));
const { files } = await listCorpus([docsDir]);

async function measure(granularity: "file" | "chunk", options: Record<string, unknown> = {}) {
  const db = create({ schema: { path: "string", heading: "string", text: "string" } as const });
  const docs: { path: string; heading: string; text: string }[] = [];
  for (const f of files) {
    const text = await fs.readFile(f.absPath, "utf8");
    if (granularity === "file") docs.push({ path: f.relPath, heading: "", text });
    else for (const c of chunkDocument(text, f.relPath).chunks) docs.push({ path: f.relPath, heading: c.headingPath.join(" > "), text: c.text });
  }
  await insertMultiple(db, docs);
  const results: QuestionResult[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const found = await search(db, { term: q.question, properties: ["heading", "text"], limit: 50, ...options });
    const ranked: string[] = [];
    for (const h of found.hits) if (!ranked.includes(h.document.path)) ranked.push(h.document.path);
    results.push({ id: q.id, rankedFiles: ranked, ms: performance.now() - t0, relevant: q.relevant });
  }
  return retrievalMetrics(results);
}

console.log(
  JSON.stringify({
    "orama-default-files": await measure("file"),
    "orama-default-chunks": await measure("chunk"),
    "orama-any-term-chunks": await measure("chunk", { threshold: 1 }),
  }),
);
