// OpenAPI (Swagger 2, OpenAPI 3.x) and AsyncAPI (2.x, 3.x) specs, in YAML or JSON, read into Markdown
// blocks at the spec's own lines: the title from `info`, a section per path and per operation (its
// summary, description, parameters and responses), per AsyncAPI channel and operation, and per
// schema (components/schemas, definitions) and message, whose properties become a definition table
// (property | type | format / unit | required | description), so definition cards come from it as from
// a Markdown table. A file is a spec by its top-level `openapi`, `swagger` or `asyncapi` key, not by
// its name: any other YAML or JSON file is read as plain text. `$ref`s are not followed: one inside the
// file names its schema, one to another file is left as written and noted in the log.
import type { Block, ScannedDocument } from "./block.js";
import { pipeTable } from "./markdownTable.js";
import { parseSpecTree, type Span, type SpecTree } from "./specTree.js";
import { capHeading } from "../headingText.js";

const SPEC_EXTENSIONS = new Set(["yaml", "yml", "json"]);

/** Whether the file is YAML or JSON (a spec, or read as plain text). */
export function isYamlOrJson(path: string): boolean {
  const dot = path.lastIndexOf(".");
  return dot >= 0 && SPEC_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

/**
 * A cheap look before parsing: a line that starts (after indentation, `{` or `,`) with the key.
 * Most YAML and JSON files in a repository are not specs and are never parsed.
 */
const SPEC_KEY = /(?:^|[{,])[ \t]*["']?(?:openapi|swagger|asyncapi)["']?[ \t]*:/m;

export function mayBeApiSpec(source: string): boolean {
  return SPEC_KEY.test(source);
}

/** Rendered text past this many times the source's size (aliases reused over and over) stops the file. */
const MAX_EXPANSION = 8;
const MAX_CELL_CHARS = 2000;
const MAX_NOTES = 20;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (o: unknown, key: string): unknown => (isObj(o) && Object.hasOwn(o, key) ? o[key] : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);
const clip = (s: string) => (s.length > MAX_CELL_CHARS ? `${s.slice(0, MAX_CELL_CHARS - 1)}…` : s);
const oneLine = (s: string) => clip(s.replace(/\s+/g, " ").trim());
const entriesOf = (o: unknown): [string, unknown][] => (isObj(o) ? Object.entries(o) : []);

/** `#/components/schemas/Pet` → `Pet` (JSON pointer escapes undone). */
function refName(ref: string): string {
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  return last.replace(/~1/g, "/").replace(/~0/g, "~") || ref;
}

class SpecReader {
  readonly blocks: Block[] = [];
  readonly notes: string[] = [];
  private readonly externalRefs = new Set<string>();
  private droppedNotes = 0;
  private chars = 0;
  /** Objects already read into a section: an alias of a path or schema is not read twice. */
  private readonly done = new WeakSet<object>();

  constructor(
    private readonly tree: SpecTree,
    private readonly budget: number,
  ) {}

  span(container: unknown, key: string | number): Span | undefined {
    return typeof container === "object" && container !== null ? this.tree.spanOf(container, key) : undefined;
  }

  /**
   * A mapping's entries with their lines, each the first time its object is met (an alias of a
   * path or schema is read once); an entry that is not an object, or has no lines, is passed over.
   */
  *newEntries(container: unknown): Generator<[name: string, value: Obj, at: Span]> {
    for (const [name, value] of entriesOf(container)) {
      const at = this.span(container, name);
      if (at && this.firstTime(value)) yield [name, value as Obj, at];
    }
  }

  private firstTime(o: unknown): boolean {
    if (!isObj(o) || this.done.has(o)) return false;
    this.done.add(o);
    return true;
  }

  /** Counts rendered text against the budget as it is made (a table of 100,000 aliased rows stops early). */
  spend(cells: readonly string[]): string[] {
    for (const cell of cells) this.chars += cell.length + 3;
    if (this.chars > this.budget) throw new Error(`the spec expands to over ${MAX_EXPANSION} times its size (aliases repeated): not read`);
    return cells.map(clip);
  }

  private add(block: Block): void {
    // A table's rows were counted as they were made.
    if (block.kind !== "table") this.spend(block.lines);
    this.blocks.push(block);
  }

  heading(level: number, text: string, at: Span): void {
    const headingText = capHeading(oneLine(text));
    this.add({ kind: "heading", startLine: at.startLine, endLine: at.startLine, lines: [`${"#".repeat(level)} ${headingText}`], level, headingText });
  }

  /** A paragraph at `at`; Markdown text (descriptions are CommonMark) keeps its lines. */
  para(text: string | undefined, at: Span | undefined): void {
    if (!text || !at || !text.trim()) return;
    const lines = text
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .map((l) => l.trimEnd());
    while (lines.length && !lines[lines.length - 1]) lines.pop();
    while (lines.length && !lines[0]) lines.shift();
    this.add({ kind: "para", startLine: at.startLine, endLine: at.endLine, lines });
  }

  table(header: string[], rows: string[][], at: Span | undefined): void {
    if (!rows.length || !at) return;
    this.add({
      kind: "table",
      startLine: at.startLine,
      endLine: at.endLine,
      lines: pipeTable(header, rows),
    });
  }

  /** A schema's type as a reader wants it: a `$ref`'s schema name, `array of X`, `one of X, Y`. */
  typeOf(schema: unknown, depth = 0): string {
    if (!isObj(schema) || depth > 3) return "";
    const ref = str(own(schema, "$ref"));
    if (ref !== undefined) return this.ref(schema, ref);
    const type = own(schema, "type");
    const types = Array.isArray(type) ? type.map(str).filter((t) => t !== undefined) : [str(type)].filter((t) => t !== undefined);
    if (types.includes("array")) {
      const items = this.typeOf(own(schema, "items"), depth + 1);
      return [items ? `array of ${items}` : "array", ...types.filter((t) => t !== "array")].join(" or ");
    }
    if (types.length) return types.join(" or ");
    for (const [key, label] of [
      ["allOf", "all of"],
      ["oneOf", "one of"],
      ["anyOf", "any of"],
    ] as const) {
      const parts = own(schema, key);
      if (Array.isArray(parts) && parts.length)
        return `${label} ${parts
          .slice(0, 8)
          .map((p) => this.typeOf(p, depth + 1) || "object")
          .join(", ")}`;
    }
    return isObj(own(schema, "properties")) ? "object" : "";
  }

  /** What a `$ref` in this file (`#/a/b`) points at, if anything: the JSON pointer walked from the root. */
  resolve(ref: string): unknown {
    if (!ref.startsWith("#/")) return undefined;
    let at: unknown = this.tree.root;
    for (const part of ref.slice(2).split("/")) at = own(at, part.replace(/~1/g, "/").replace(/~0/g, "~"));
    return at;
  }

  /** A `$ref`'s name; one to another file is not followed, and the log says so (once per target). */
  ref(holder: Obj, ref: string): string {
    if (ref.startsWith("#")) return refName(ref);
    if (!this.externalRefs.has(ref)) {
      this.externalRefs.add(ref);
      if (this.notes.length < MAX_NOTES) {
        const at = this.span(holder, "$ref");
        this.notes.push(`${at ? `line ${at.startLine}: ` : ""}$ref ${oneLine(ref).slice(0, 200)} not followed (references to other files are not read)`);
      } else this.droppedNotes++;
    }
    return ref;
  }

  finish(): void {
    if (this.droppedNotes) this.notes.push(`and ${this.droppedNotes} more $ref to other files not followed`);
  }
}

/** One line of a description (for a table cell), with an enum's values and a default after it. */
function describe(o: Obj): string {
  const parts: string[] = [];
  const description = str(own(o, "description")) ?? str(own(o, "title")) ?? str(own(o, "summary"));
  if (description) parts.push(oneLine(description));
  const schema = isObj(own(o, "schema")) ? (own(o, "schema") as Obj) : o;
  const values = own(schema, "enum");
  if (Array.isArray(values) && values.length)
    parts.push(
      `One of: ${values
        .slice(0, 30)
        .map((v) => str(v) ?? "null")
        .join(", ")}${values.length > 30 ? ", …" : ""}.`,
    );
  const fallback = str(own(schema, "default"));
  if (fallback !== undefined) parts.push(`Default: ${fallback}.`);
  if (own(o, "deprecated") === true) parts.push("Deprecated.");
  return oneLine(parts.join(" "));
}

/** The format column: a schema's `format` and a unit if the spec gives one (`x-unit`, `unit`). */
function formatOf(schema: unknown): string {
  const format = str(own(schema, "format"));
  const unit = str(own(schema, "x-unit")) ?? str(own(schema, "unit"));
  return [format, unit].filter(Boolean).join(", ");
}

/** Rows of a schema's properties (its own and those of its inline `allOf` parts). */
function propertyRows(schema: Obj, reader: SpecReader, depth = 0): string[][] {
  const rows: string[][] = [];
  const required = new Set((Array.isArray(own(schema, "required")) ? (own(schema, "required") as unknown[]) : []).map(str));
  for (const [name, property] of entriesOf(own(schema, "properties"))) {
    const p = isObj(property) ? property : {};
    rows.push(reader.spend([`\`${name}\``, reader.typeOf(p), formatOf(p), required.has(name) ? "yes" : "no", describe(p)]));
  }
  const parts = own(schema, "allOf");
  if (depth < 3 && Array.isArray(parts))
    for (const part of parts) if (isObj(part) && own(part, "$ref") === undefined) rows.push(...propertyRows(part, reader, depth + 1));
  return rows;
}

const PROPERTY_HEADER = ["Property", "Type", "Format / unit", "Required", "Description"];

/** A schema's section: its description, type and property table. */
function readSchema(label: string, name: string, s: Obj, at: Span, reader: SpecReader, level: number): void {
  reader.heading(level, `${label} \`${name}\``, at);
  reader.para(str(own(s, "title")), reader.span(s, "title"));
  reader.para(str(own(s, "description")), reader.span(s, "description"));
  const type = reader.typeOf(s);
  const required = own(s, "required");
  const facts = [
    type ? `Type: ${type}.` : "",
    formatOf(s) ? `Format: ${formatOf(s)}.` : "",
    Array.isArray(required) && required.length ? `Required: ${required.map(str).filter(Boolean).join(", ")}.` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const typeAt = reader.span(s, "type") ?? reader.span(s, "allOf") ?? reader.span(s, "oneOf") ?? reader.span(s, "anyOf") ?? reader.span(s, "$ref");
  // As a list item: a card's description is the schema's description, the first paragraph of prose.
  reader.para(facts && `- ${facts}`, typeAt ?? { startLine: at.startLine, endLine: at.startLine });
  const values = own(s, "enum");
  if (Array.isArray(values) && values.length) reader.para(describe({ enum: values }), reader.span(s, "enum"));
  reader.table(PROPERTY_HEADER, propertyRows(s, reader), reader.span(s, "properties") ?? reader.span(s, "allOf"));
}

/** An OpenAPI parameter's row: name, where, type, required, description. */
function parameterRow(parameter: unknown, reader: SpecReader): string[] | undefined {
  if (!isObj(parameter)) return undefined;
  const ref = str(own(parameter, "$ref"));
  if (ref !== undefined) {
    // One in this file (#/components/parameters/limit) is shown as it is defined there.
    const target = reader.resolve(ref);
    if (isObj(target) && own(target, "$ref") === undefined) return parameterRow(target, reader);
    return reader.spend([reader.ref(parameter, ref), "", "", "", "(defined elsewhere)"]);
  }
  const schema = own(parameter, "schema") ?? parameter;
  const format = formatOf(schema);
  const type = reader.typeOf(schema);
  return reader.spend([
    str(own(parameter, "name")) ?? "",
    str(own(parameter, "in")) ?? "",
    format ? `${type} (${format})` : type,
    own(parameter, "required") === true ? "yes" : "no",
    describe(parameter),
  ]);
}

const PARAMETER_HEADER = ["Parameter", "In", "Type", "Required", "Description"];

function parameterTable(container: Obj, reader: SpecReader): void {
  const list = own(container, "parameters");
  const rows = (Array.isArray(list) ? list : []).map((p) => parameterRow(p, reader)).filter((r) => r !== undefined);
  reader.table(PARAMETER_HEADER, rows, reader.span(container, "parameters"));
}

/** Which parameter a path's parameter is, for an operation's own of the same name and place to override it. */
function parameterKey(parameter: unknown): string | undefined {
  if (!isObj(parameter)) return undefined;
  const ref = str(own(parameter, "$ref"));
  return ref !== undefined ? `$ref ${ref}` : `${str(own(parameter, "name")) ?? ""} in ${str(own(parameter, "in")) ?? ""}`;
}

/**
 * An operation's parameters: its own, then those of its path that it does not override (OpenAPI:
 * a path's parameters apply to each of its operations), so the operation's section holds what a
 * question about it needs. Only where the operation lists parameters of its own: the table stands at
 * those lines (a converted file's view keeps each block on its source lines, and an operation
 * without them has no lines to hold the table); otherwise its path's section, just above, has them.
 */
function operationParameterTable(op: Obj, pathItem: Obj, reader: SpecReader): void {
  const listed = own(op, "parameters");
  if (!Array.isArray(listed)) return;
  const overridden = new Set(listed.map(parameterKey));
  const inherited = own(pathItem, "parameters");
  const fromPath = (Array.isArray(inherited) ? inherited : []).filter((p) => !overridden.has(parameterKey(p)));
  const rows = [...listed, ...fromPath].map((p) => parameterRow(p, reader)).filter((r) => r !== undefined);
  reader.table(PARAMETER_HEADER, rows, reader.span(op, "parameters"));
}

/** The type of a response or request body: its first media type's schema (OpenAPI 3) or its schema (Swagger 2). */
function bodyType(body: Obj, reader: SpecReader): string {
  const media = entriesOf(own(body, "content"))[0];
  if (media) {
    const type = reader.typeOf(own(media[1], "schema"));
    return type ? `${type} (${media[0]})` : media[0];
  }
  return reader.typeOf(own(body, "schema"));
}

function readOperation(method: string, path: string, item: Obj, reader: SpecReader, level: number): void {
  const op = item[method];
  const at = reader.span(item, method);
  if (!at || !isObj(op)) return;
  const id = str(own(op, "operationId"));
  reader.heading(level, `${method.toUpperCase()} ${path}${id ? ` (\`${id}\`)` : ""}`, at);
  reader.para(str(own(op, "summary")), reader.span(op, "summary"));
  reader.para(str(own(op, "description")), reader.span(op, "description"));
  const tags = own(op, "tags");
  if (Array.isArray(tags) && tags.length) reader.para(`Tags: ${tags.map(str).filter(Boolean).join(", ")}.`, reader.span(op, "tags"));
  if (own(op, "deprecated") === true) reader.para("Deprecated.", reader.span(op, "deprecated"));
  operationParameterTable(op, item, reader);
  const body = own(op, "requestBody");
  if (isObj(body)) {
    const type = bodyType(body, reader);
    const text = [`Request body${own(body, "required") === true ? " (required)" : ""}${type ? `: ${type}` : ""}.`, str(own(body, "description"))];
    reader.para(text.filter(Boolean).join(" "), reader.span(op, "requestBody"));
  }
  const responses = entriesOf(own(op, "responses")).map(([status, response]) => {
    const r = isObj(response) ? response : {};
    const ref = str(own(r, "$ref"));
    return reader.spend([status, ref !== undefined ? reader.ref(r, ref) : describe(r), ref !== undefined ? "" : bodyType(r, reader)]);
  });
  reader.table(["Status", "Description", "Type"], responses, reader.span(op, "responses"));
}

function readPaths(paths: unknown, label: string, reader: SpecReader): void {
  for (const [path, pathItem, at] of reader.newEntries(paths)) {
    reader.heading(2, `${label}${path}`, at);
    reader.para(str(own(pathItem, "summary")), reader.span(pathItem, "summary"));
    reader.para(str(own(pathItem, "description")), reader.span(pathItem, "description"));
    parameterTable(pathItem, reader);
    for (const method of METHODS) readOperation(method, path, pathItem, reader, 3);
  }
}

/** A named parameter (components/parameters, Swagger 2's top-level parameters): its section, its row. */
function readNamedParameter(name: string, parameter: Obj, at: Span, reader: SpecReader): void {
  reader.heading(2, `Parameter \`${name}\``, at);
  const row = parameterRow(parameter, reader);
  reader.table(PARAMETER_HEADER, row ? [row] : [], { startLine: at.startLine, endLine: at.endLine });
}

/** A named response or request body (components/responses, components/requestBodies, Swagger 2's responses). */
function readNamedBody(label: string, name: string, b: Obj, at: Span, reader: SpecReader): void {
  reader.heading(2, `${label} \`${name}\``, at);
  reader.para(str(own(b, "description")), reader.span(b, "description"));
  const type = bodyType(b, reader);
  const typeAt = reader.span(b, "content") ?? reader.span(b, "schema") ?? reader.span(b, "$ref");
  if (type) reader.para(`- Type: ${type}.`, typeAt ?? { startLine: at.startLine, endLine: at.startLine });
}

/** An AsyncAPI message: its name, summary and payload (an inline payload's properties as a table). */
function messageText(message: unknown, reader: SpecReader): string {
  if (!isObj(message)) return "";
  const ref = str(own(message, "$ref"));
  if (ref !== undefined) return reader.ref(message, ref);
  const name = str(own(message, "name")) ?? str(own(message, "title"));
  const payload = reader.typeOf(own(message, "payload"));
  return [name, str(own(message, "summary")), payload ? `Payload: ${payload}.` : ""].filter(Boolean).join(" — ");
}

function readAsyncApi2(spec: Obj, reader: SpecReader): void {
  const channels = own(spec, "channels");
  for (const [name, c, at] of reader.newEntries(channels)) {
    reader.heading(2, `Channel ${name}`, at);
    reader.para(str(own(c, "description")), reader.span(c, "description"));
    parameterTable(c, reader);
    for (const action of ["publish", "subscribe"]) {
      const op = own(c, action);
      const opAt = reader.span(c, action);
      if (!isObj(op) || !opAt) continue;
      const id = str(own(op, "operationId"));
      reader.heading(3, `${action.toUpperCase()} ${name}${id ? ` (\`${id}\`)` : ""}`, opAt);
      reader.para(str(own(op, "summary")), reader.span(op, "summary"));
      reader.para(str(own(op, "description")), reader.span(op, "description"));
      const message = own(op, "message");
      const oneOf = own(message, "oneOf");
      const messages = Array.isArray(oneOf) ? oneOf : [message];
      reader.para(
        messages
          .map((m) => messageText(m, reader))
          .filter(Boolean)
          .map((m) => `Message: ${m}`)
          .join("\n"),
        reader.span(op, "message"),
      );
    }
  }
}

function readAsyncApi3(spec: Obj, reader: SpecReader): void {
  const channels = own(spec, "channels");
  for (const [name, c, at] of reader.newEntries(channels)) {
    const address = str(own(c, "address"));
    reader.heading(2, `Channel \`${name}\`${address ? `: ${address}` : ""}`, at);
    reader.para(str(own(c, "title")), reader.span(c, "title"));
    reader.para(str(own(c, "summary")), reader.span(c, "summary"));
    reader.para(str(own(c, "description")), reader.span(c, "description"));
    const messages = entriesOf(own(c, "messages")).map(([key, m]) => `Message ${key}: ${messageText(m, reader)}`);
    reader.para(messages.join("\n"), reader.span(c, "messages"));
  }
  const operations = own(spec, "operations");
  for (const [id, op, at] of reader.newEntries(operations)) {
    // The channel is a `$ref` to one of the file's channels: its address names the operation.
    const channelRef = str(own(own(op, "channel"), "$ref"));
    const channel = channelRef?.startsWith("#/channels/") ? own(channels, refName(channelRef)) : undefined;
    const where = str(own(channel, "address")) ?? (channelRef ? refName(channelRef) : "");
    reader.heading(2, `${(str(own(op, "action")) ?? "operation").toUpperCase()} ${where} (\`${id}\`)`, at);
    reader.para(str(own(op, "title")), reader.span(op, "title"));
    reader.para(str(own(op, "summary")), reader.span(op, "summary"));
    reader.para(str(own(op, "description")), reader.span(op, "description"));
    const list = own(op, "messages");
    const messages = (Array.isArray(list) ? list : []).map((m) => messageText(m, reader)).filter(Boolean);
    reader.para(messages.map((m) => `Message: ${m}`).join("\n"), reader.span(op, "messages"));
  }
}

function readMessages(messages: unknown, reader: SpecReader): void {
  for (const [name, m, at] of reader.newEntries(messages)) {
    reader.heading(2, `Message \`${name}\``, at);
    for (const key of ["title", "summary", "description"]) reader.para(str(own(m, key)), reader.span(m, key));
    const payload = own(m, "payload");
    const type = reader.typeOf(payload);
    if (type) reader.para(`Payload: ${type}.`, reader.span(m, "payload"));
    if (isObj(payload) && own(payload, "$ref") === undefined) reader.table(PROPERTY_HEADER, propertyRows(payload, reader), reader.span(m, "payload"));
  }
}

function readInfo(spec: Obj, kind: string, version: string, reader: SpecReader): string | undefined {
  const info = own(spec, "info");
  const title = str(own(info, "title"));
  const at = reader.span(spec, "info") ?? reader.span(spec, kind);
  if (!at) return title;
  reader.heading(1, title ?? `${kind} ${version}`, { startLine: at.startLine, endLine: at.startLine });
  const apiVersion = str(own(info, "version"));
  reader.para(
    `${kind === "asyncapi" ? "AsyncAPI" : kind === "swagger" ? "Swagger" : "OpenAPI"} ${version} spec${apiVersion ? `, API version ${apiVersion}` : ""}.`,
    reader.span(info, "version") ?? { startLine: at.startLine, endLine: at.startLine },
  );
  reader.para(str(own(info, "description")), reader.span(info, "description"));
  const servers = own(spec, "servers");
  const list: [string, unknown][] = Array.isArray(servers) ? servers.map((s, i) => [String(i), s]) : entriesOf(servers);
  const lines = list.map(([key, s]) => {
    const url = str(own(s, "url")) ?? [str(own(s, "protocol")), str(own(s, "host"))].filter(Boolean).join(" ");
    const description = str(own(s, "description"));
    return `Server${Array.isArray(servers) ? "" : ` ${key}`}: ${url}${description ? ` — ${oneLine(description)}` : ""}`;
  });
  const host = str(own(spec, "host"));
  if (host) lines.push(`Host: ${host}${str(own(spec, "basePath")) ?? ""}`);
  reader.para(lines.join("\n"), reader.span(spec, "servers") ?? reader.span(spec, "host"));
  return title;
}

/**
 * The spec's blocks, or undefined when the file is not a spec (no top-level `openapi`, `swagger` or
 * `asyncapi` key). Throws when the file looks like a spec but cannot be read (the file is then skipped
 * with that reason).
 */
export function scanApiSpec(source: string): ScannedDocument | undefined {
  if (!mayBeApiSpec(source)) return undefined;
  const tree = parseSpecTree(source);
  const spec = tree.root;
  if (!isObj(spec)) return undefined;
  const kind = ["openapi", "swagger", "asyncapi"].find((k) => str(own(spec, k)) !== undefined);
  if (!kind) return undefined;
  const version = str(own(spec, kind))!;
  const reader = new SpecReader(tree, source.length * MAX_EXPANSION + 65536);
  const title = readInfo(spec, kind, version, reader);
  if (kind === "asyncapi") {
    if (version.startsWith("2")) readAsyncApi2(spec, reader);
    else readAsyncApi3(spec, reader);
  } else {
    readPaths(own(spec, "paths"), "", reader);
    readPaths(own(spec, "webhooks"), "Webhook ", reader);
  }
  const components = own(spec, "components");
  for (const [container, label] of [
    [own(components, "schemas"), "Schema"],
    [own(spec, "definitions"), "Schema"],
  ] as const) {
    for (const [name, schema, at] of reader.newEntries(container)) readSchema(label, name, schema, at, reader, 2);
  }
  if (kind === "asyncapi") readMessages(own(components, "messages"), reader);
  else {
    for (const container of [own(components, "parameters"), own(spec, "parameters")])
      for (const [name, parameter, at] of reader.newEntries(container)) readNamedParameter(name, parameter, at, reader);
    for (const [container, label] of [
      [own(components, "responses"), "Response"],
      [own(spec, "responses"), "Response"],
      [own(components, "requestBodies"), "Request body"],
    ] as const)
      for (const [name, body, at] of reader.newEntries(container)) readNamedBody(label, name, body, at, reader);
  }
  reader.finish();
  // Sections in the file's order, whatever order the spec lists its parts in (stable: a heading stays
  // before the blocks on its own line).
  const blocks = reader.blocks.map((b, i) => ({ b, i })).sort((x, y) => x.b.startLine - y.b.startLine || x.i - y.i);
  return { blocks: blocks.map((x) => x.b), ...(title ? { title: capHeading(oneLine(title)) } : {}), notes: reader.notes };
}
