// Docent's tools for AI agents over the Model Context Protocol: search the docs, look up a
// definition, read lines of a doc, and (with a chat model) ask. Every result is bounded in size and
// carries file:// links to the lines it came from; bad input gets an error result, and the server
// goes on serving.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Engine } from "../../engine/engine.js";
import { bounded, MAX_SECTION_CHARS } from "../../engine/lookup.js";
import { readDocText } from "../../engine/index/ingest/fileText.js";
import { relativeInside } from "../../shared/node/paths.js";
import { definitionMarkdown, escapeLinkText, searchResultsMarkdown } from "../../shared/node/docsMarkdown.js";
import { isDefinableName } from "../../shared/names.js";
import { nearestNames } from "../nearestNames.js";
import { safeLines } from "../terminalText.js";

/** read_section's limits. */
export const MAX_READ_LINES = 400;
export const MAX_READ_CHARS = 40_000;
const MAX_ANSWER_CHARS = 20_000;
export { MAX_SECTION_CHARS };

export interface DocentMcpOptions {
  /** The docs folders, resolved: read_section reads only inside them. */
  roots: string[];
  /** The engine once its index is open (tools wait for it; start-up does not). */
  engine: Promise<Engine>;
  /** Register `ask` (a chat model was given). */
  ask: boolean;
  version: string;
}

/**
 * `file:///abs/path#L60-L95`: opens the lines in editors that understand the fragment. Brackets and
 * parentheses in the path are percent-encoded, so a file name cannot end the Markdown link.
 */
export function lineLink(file: string, startLine: number, endLine: number): string {
  const href = pathToFileURL(file).href.replace(/[()[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${href}#L${startLine}-L${endLine}`;
}

// Text results carry no control characters or bidirectional overrides from the docs (ESC, NUL,
// RLO): they are shown escaped (\x1b), as the terminal output does; newlines and tabs stay.
const ok = (text: string, structuredContent: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: safeLines(text) }],
  structuredContent,
});
const failure = (text: string): CallToolResult => ({ content: [{ type: "text", text: safeLines(text) }], isError: true });

const sectionShape = {
  rank: z.number().int(),
  file: z.string().describe("Path relative to its docs folder"),
  folder: z.string().describe("The docs folder the file is in"),
  heading: z.string().describe("Heading path, outermost first, joined by ' > '"),
  startLine: z.number().int(),
  endLine: z.number().int(),
  score: z.number(),
  matchedBy: z.array(z.string()),
  term: z.string().optional().describe("The defined name that matched exactly"),
  uri: z.string(),
  text: z.string(),
  truncated: z.boolean(),
};

export function createDocentMcpServer(options: DocentMcpOptions): McpServer {
  const server = new McpServer(
    { name: "docent", version: options.version },
    {
      instructions:
        "Docent searches the documentation folders it was started on (Markdown and text). Use search_docs to find sections, define to look up a name the docs define (a metric, attribute or setting), and read_section to read more lines of a file search_docs returned. Cite the file:// links.",
    },
  );
  const { roots } = options;
  const many = roots.length > 1;

  server.registerTool(
    "search_docs",
    {
      title: "Search the docs",
      description: `The sections of the docs that best match a query (full text, exact defined names first), each with its file, heading path, line range, score and text (at most ${MAX_SECTION_CHARS} characters per section).`,
      inputSchema: {
        query: z.string().min(1).max(2000).describe("Words or a name (e.g. http.server.request.duration)"),
        k: z.number().int().min(1).max(20).optional().describe("How many sections (1 to 20, default 5)"),
      },
      outputSchema: { query: z.string(), results: z.array(z.object(sectionShape)) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, k }) => {
      if (!query.trim()) return failure("The query is empty.");
      const engine = await options.engine;
      const sections = await engine.search(query, k ?? 5);
      const results = sections.map(({ path: file, file: abs, ...r }) => ({
        ...r,
        file,
        uri: lineLink(abs, r.startLine, r.endLine),
      }));
      const markdown = sections.length
        ? searchResultsMarkdown(sections, {
            manyFolders: many,
            link: lineLink,
            cutNote: (s) => `section cut at ${MAX_SECTION_CHARS} characters; read_section gives the rest of lines ${s.startLine}-${s.endLine}`,
          })
        : `No section matches "${query}".`;
      return ok(markdown, { query, results });
    },
  );

  server.registerTool(
    "define",
    {
      title: "Define a name",
      description:
        "The definition of a name the docs define (a metric, attribute, setting: names with a dot, underscore, hyphen, colon or slash): its heading, file, lines, first paragraph and its definition-table row. A misspelt name (one or two edits away) gets the nearest defined name's definition with didYouMean set; otherwise, when the docs do not define it, up to 5 nearest defined names.",
      inputSchema: { name: z.string().min(1).max(200).describe("e.g. http.server.request.duration") },
      outputSchema: {
        name: z.string(),
        defined: z.boolean(),
        didYouMean: z.string().optional().describe("The defined name this definition is of, when `name` is not defined and is a misspelling of it"),
        term: z.string().optional(),
        heading: z.string().optional(),
        file: z.string().optional(),
        folder: z.string().optional(),
        startLine: z.number().int().optional(),
        endLine: z.number().int().optional(),
        uri: z.string().optional(),
        summary: z.string().optional(),
        details: z.record(z.string(), z.string()).optional().describe("The name's row of its definition table: column → value"),
        nearest: z.array(z.string()).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ name }) => {
      const wanted = name.trim().replace(/^`|`$/g, "");
      const engine = await options.engine;
      const def = wanted ? engine.define(wanted) : undefined;
      if (!def) {
        const nearest = nearestNames(wanted, engine.docsIndex.terms, 5);
        const why = isDefinableName(wanted)
          ? ""
          : " (only names with a dot, underscore, hyphen, colon or slash are looked up; try search_docs for plain words)";
        const text =
          `\`${wanted}\` is not defined in the docs${why}.` +
          (nearest.length ? `\n\nNearest defined names:\n${nearest.map((n) => `- \`${n}\``).join("\n")}` : "");
        return ok(text, { name: wanted, defined: false, nearest });
      }
      const { details } = def;
      const uri = lineLink(def.file, def.startLine, def.endLine);
      const root = roots.find((r) => relativeInside(r, def.file) !== undefined) ?? path.dirname(def.file);
      const didYouMean = def.askedAs ? `\`${wanted}\` is not defined in the docs. Did you mean \`${def.term}\`?\n\n` : "";
      return ok(didYouMean + definitionMarkdown(def, lineLink), {
        name: wanted,
        defined: !def.askedAs,
        ...(def.askedAs ? { didYouMean: def.term } : {}),
        term: def.term,
        heading: def.heading,
        file: def.path,
        folder: root,
        startLine: def.startLine,
        endLine: def.endLine,
        uri,
        summary: def.summary,
        ...(details ? { details } : {}),
      });
    },
  );

  server.registerTool(
    "read_section",
    {
      title: "Read lines of a doc",
      description: `Lines startLine..endLine (1-based, inclusive) of an indexed doc file, at most ${MAX_READ_LINES} lines and ${MAX_READ_CHARS} characters. The file is a path relative to a docs folder (as search_docs returns it) or an absolute path inside one; nothing outside the docs folders is read.`,
      inputSchema: {
        file: z.string().min(1).max(4096),
        startLine: z.number().int().min(1),
        endLine: z.number().int().min(1),
      },
      outputSchema: {
        file: z.string(),
        folder: z.string(),
        startLine: z.number().int(),
        endLine: z.number().int(),
        totalLines: z.number().int(),
        uri: z.string(),
        text: z.string(),
        truncated: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ file, startLine, endLine }) => {
      if (endLine < startLine) return failure(`endLine (${endLine}) is before startLine (${startLine}).`);
      const engine = await options.engine;
      const found = await resolveDocFile(engine, roots, file);
      if ("error" in found) return failure(found.error);
      // Opened as the real path found above, without following a link (a swap since the check
      // fails the open), and checked again after the open; decoded and split as the index reads it.
      const read = await readDocText(found.root, found.abs, engine.docsIndex.filter.maxFileBytes, { noFollow: true });
      if (!read.ok) return failure(`${found.rel} cannot be read: ${read.detail}.`);
      const lines = read.lines;
      if (startLine > lines.length) return failure(`${found.rel} has ${lines.length} lines; startLine ${startLine} is past its end.`);
      const last = Math.min(endLine, lines.length, startLine + MAX_READ_LINES - 1);
      const { text, truncated: cutChars } = bounded(lines.slice(startLine - 1, last).join("\n"), MAX_READ_CHARS);
      const truncated = cutChars || last < endLine;
      const note = truncated
        ? `\n\n(cut: ${cutChars ? `${MAX_READ_CHARS} characters` : `lines ${startLine}-${last}`} of the ${endLine - startLine + 1} lines asked for${last < endLine && endLine > lines.length ? `; the file has ${lines.length}` : ""})`
        : "";
      const uri = lineLink(found.abs, startLine, last);
      return ok(`[${escapeLinkText(found.rel)}:${startLine}-${last}](${uri})\n\n${text}${note}`, {
        file: found.rel,
        folder: found.root,
        startLine,
        endLine: last,
        totalLines: lines.length,
        uri,
        text,
        truncated,
      });
    },
  );

  if (options.ask) {
    server.registerTool(
      "ask",
      {
        title: "Ask the docs",
        description:
          "Answers a question from the docs with the local model: it drafts, retrieves the matching sections and answers citing them as [n]. Slower than search_docs (seconds to minutes on a CPU).",
        inputSchema: { question: z.string().min(1).max(2000) },
        outputSchema: {
          question: z.string(),
          mode: z.string(),
          answer: z.string(),
          note: z.string().optional(),
          sources: z.array(
            z.object({ n: z.number().int(), file: z.string(), heading: z.string(), startLine: z.number().int(), endLine: z.number().int(), uri: z.string() }),
          ),
        },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ question }, extra) => {
        const engine = await options.engine;
        const result = await engine.ask({ id: `mcp-${extra.requestId}`, question }, extra.signal);
        const sources = result.sources.map((s) => ({
          n: s.n,
          file: s.path,
          heading: s.heading,
          startLine: s.startLine,
          endLine: s.endLine,
          uri: lineLink(s.file, s.startLine, s.endLine),
        }));
        const answer = bounded(result.answer, MAX_ANSWER_CHARS).text;
        const text = [
          answer,
          ...(result.note ? [`(${result.note})`] : []),
          ...(sources.length
            ? [`Sources:\n${sources.map((s) => `[${s.n}] [${escapeLinkText(s.file)}:${s.startLine}-${s.endLine}](${s.uri}) ${s.heading}`).join("\n")}`]
            : []),
        ].join("\n\n");
        return ok(text, { question, mode: result.mode, answer, ...(result.note ? { note: result.note } : {}), sources });
      },
    );
  }
  return server;
}

/**
 * The real path of a doc file named relative to one of the folders or absolutely, when it lies
 * inside a folder (links resolved on both sides) and is an indexed doc.
 */
async function resolveDocFile(engine: Engine, roots: string[], file: string): Promise<{ abs: string; rel: string; root: string } | { error: string }> {
  if (file.includes("\0")) return { error: "The file name is not valid." };
  const candidates = path.isAbsolute(file) ? [path.resolve(file)] : roots.map((r) => path.resolve(r, file));
  let outside = true;
  for (const candidate of candidates) {
    const real = await fs.realpath(candidate).catch(() => undefined);
    for (const root of roots) {
      const realRoot = await fs.realpath(root).catch(() => root);
      const rel = real ? relativeInside(realRoot, real) : relativeInside(root, candidate);
      if (rel === undefined) continue;
      outside = false;
      if (!real) continue;
      // The index keys files by their path under the folder as it was given.
      const indexed = engine.docsIndex.files.has(path.join(root, ...rel.split("/")));
      if (indexed) return { abs: real, rel, root };
    }
  }
  if (outside) return { error: `Refused: "${file}" is outside the docs folders (${roots.join(", ")}). Only indexed docs can be read.` };
  return { error: `"${file}" is not one of the indexed docs (it does not exist, or is not a doc file Docent indexes).` };
}
