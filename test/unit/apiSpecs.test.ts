// OpenAPI and AsyncAPI specs (YAML and JSON) read as docs: a section per operation and per schema at
// the spec's own lines, the title from `info`, definition cards from schemas' properties, on two real
// specs (test/fixtures/formats/specs, see SOURCE.md); other YAML and JSON files are plain text, and a
// spec that cannot be read is skipped with the parser's reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import yaml from "js-yaml";
import { chunkDocument } from "../../src/engine/index/ingest/chunker.js";
import { DocsIndex } from "../../src/engine/index/docsIndex.js";
import { cardsForTerms } from "../../src/engine/cards/cardsForTerms.js";
import { DocLines } from "../../src/engine/index/search/fileLines.js";
import { MAX_SPEC_DEPTH } from "../../src/engine/index/ingest/formats/specTree.js";
import { tempDocs } from "../helpers/tempDocs.js";

const fixtures = path.resolve("test/fixtures/formats/specs");
const PETSTORE = readFileSync(path.join(fixtures, "openapi-petstore-expanded.yaml"), "utf8");
const STREETLIGHTS = readFileSync(path.join(fixtures, "asyncapi-streetlights-mqtt.yml"), "utf8");

/** The 1-based line of the first line equal to `text` (after `from`). */
function lineOf(source: string, text: string, from = 0): number {
  const lines = source.split("\n");
  const i = lines.findIndex((l, k) => k >= from && l === text);
  assert.ok(i >= 0, `a line ${JSON.stringify(text)}`);
  return i + 1;
}

/**
 * The card a question naming `name` in backticks gets (a plain word is looked up exactly only when
 * backticked, in Markdown as here; names with dots or underscores also without).
 */
async function cardFor(index: DocsIndex, name: string) {
  return (await cardsForTerms(index, index.exactTermHits(`\`${name}\``, undefined, 3), new DocLines(index), 1))[0];
}

/** The text of the chunks under a heading. */
const sectionText = (doc: ReturnType<typeof chunkDocument>, heading: string) =>
  doc.chunks
    .filter((c) => c.headingPath.at(-1) === heading)
    .map((c) => c.text)
    .join("\n");

const sections = (doc: ReturnType<typeof chunkDocument>) => doc.sections.map((s) => [s.headingPath.join(" > "), s.startLine, s.endLine]);

test("an OpenAPI spec: the title, a section per operation and per schema at the spec's lines, parameters and responses as tables", () => {
  const doc = chunkDocument(PETSTORE, "openapi.yaml");
  assert.equal(doc.title, "Swagger Petstore");
  const get = lineOf(PETSTORE, "    get:");
  const post = lineOf(PETSTORE, "    post:");
  const getById = lineOf(PETSTORE, "    get:", get);
  const del = lineOf(PETSTORE, "    delete:");
  const pet = lineOf(PETSTORE, "    Pet:");
  const newPet = lineOf(PETSTORE, "    NewPet:");
  const error = lineOf(PETSTORE, "    Error:");
  assert.deepEqual(sections(doc), [
    ["Swagger Petstore", lineOf(PETSTORE, "info:"), lineOf(PETSTORE, "  - url: https://petstore.swagger.io/v2")],
    ["Swagger Petstore > /pets > GET /pets (`findPets`)", get, post - 1],
    ["Swagger Petstore > /pets > POST /pets (`addPet`)", post, lineOf(PETSTORE, "  /pets/{id}:") - 1],
    ["Swagger Petstore > /pets/{id} > GET /pets/{id} (`find pet by id`)", getById, del - 1],
    ["Swagger Petstore > /pets/{id} > DELETE /pets/{id} (`deletePet`)", del, lineOf(PETSTORE, "components:") - 1],
    ["Swagger Petstore > Schema `Pet`", pet, newPet - 2],
    ["Swagger Petstore > Schema `NewPet`", newPet, error - 2],
    ["Swagger Petstore > Schema `Error`", error, PETSTORE.trimEnd().split("\n").length],
  ]);
  const text = (heading: string) => sectionText(doc, heading);
  const findPets = text("GET /pets (`findPets`)");
  assert.match(findPets, /^### GET \/pets \(`findPets`\)\n\nReturns all pets from the system/);
  assert.match(
    findPets,
    /\| Parameter \| In \| Type \| Required \| Description \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| tags \| query \| array of string \| no \| tags to filter by \|\n\| limit \| query \| integer \(int32\) \| no \| maximum number of results to return \|/,
  );
  assert.match(findPets, /\| 200 \| pet response \| array of Pet \(application\/json\) \|\n\| default \| unexpected error \| Error \(application\/json\) \|/);
  assert.match(text("POST /pets (`addPet`)"), /Request body \(required\): NewPet \(application\/json\)\. Pet to add to the store/);
  // allOf: the referenced schema by name, the inline part's properties in the table.
  assert.match(
    text("Schema `Pet`"),
    /- Type: all of NewPet, object\.\n\n\| Property \| Type \| Format \/ unit \| Required \| Description \|\n.*\n\| `id` \| integer \| int64 \| yes \| {2}\|/,
  );
  assert.equal(doc.notes, undefined);
});

test("the same spec as JSON: the same sections, at the JSON's lines", () => {
  const json = JSON.stringify(yaml.load(PETSTORE), null, 2);
  const doc = chunkDocument(json, "openapi.json");
  assert.equal(doc.title, "Swagger Petstore");
  assert.deepEqual(
    doc.sections.map((s) => s.headingPath.at(-1)),
    [
      "Swagger Petstore",
      "GET /pets (`findPets`)",
      "POST /pets (`addPet`)",
      "GET /pets/{id} (`find pet by id`)",
      "DELETE /pets/{id} (`deletePet`)",
      "Schema `Pet`",
      "Schema `NewPet`",
      "Schema `Error`",
    ],
  );
  const get = doc.sections[1]!;
  assert.equal(get.startLine, lineOf(json, '    "/pets": {') + 1);
  assert.equal(json.split("\n")[get.startLine - 1], '      "get": {');
  // Minified, everything is on line 1 and still read.
  const minified = chunkDocument(JSON.stringify(yaml.load(PETSTORE)), "openapi.json");
  assert.equal(minified.sections.length, 8);
  assert.ok(minified.sections.every((s) => s.startLine === 1 && s.endLine === 1));
});

test("an AsyncAPI 3 spec: channels, operations by action and address, messages, schemas; a property gives a card", async () => {
  const doc = chunkDocument(STREETLIGHTS, "asyncapi.yml");
  assert.equal(doc.title, "Streetlights MQTT API");
  const headings = doc.sections.map((s) => s.headingPath.at(-1));
  assert.ok(headings.includes("RECEIVE smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured (`receiveLightMeasurement`)"));
  assert.ok(headings.includes("Channel `lightTurnOn`: smartylighting/streetlights/1/0/action/{streetlightId}/turn/on"));
  assert.ok(headings.includes("Message `dimLight`"));
  const receive = doc.sections.find((s) => s.headingPath.at(-1)!.startsWith("RECEIVE"))!;
  assert.equal(receive.startLine, lineOf(STREETLIGHTS, "  receiveLightMeasurement:"));
  assert.equal(receive.endLine, lineOf(STREETLIGHTS, "  turnOn:") - 1);

  const root = await tempDocs({ "asyncapi.yml": STREETLIGHTS, "openapi.yaml": PETSTORE });
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.deepEqual(report.skipped, []);
  assert.equal(index.fileCount, 2);
  const lumens = await cardFor(index, "lumens");
  assert.ok(lumens, "a card for lumens");
  const properties = lineOf(STREETLIGHTS, "      properties:", lineOf(STREETLIGHTS, "    lightMeasuredPayload:"));
  assert.deepEqual(
    { term: lumens.term, kind: lumens.kind, kindLabel: lumens.kindLabel, description: lumens.description, path: lumens.path },
    { term: "lumens", kind: "integer", kindLabel: "Type", description: "Light intensity measured in lumens.", path: "asyncapi.yml" },
  );
  assert.ok(lumens.line >= properties && lumens.line <= lineOf(STREETLIGHTS, "    turnOnOffPayload:") - 1, `line ${lumens.line} in the properties`);
  const code = await cardFor(index, "code");
  assert.deepEqual(
    { term: code?.term, kind: code?.kind, unit: code?.unit, path: code?.path },
    { term: "code", kind: "integer", unit: "int32", path: "openapi.yaml" },
  );
  // A schema named in a heading: its card reads the schema's description.
  const sentAt = await cardFor(index, "sentAt");
  assert.equal(sentAt?.description, "Date and time when the message was sent.");
  // The view cards and citations read has a line per source line, the operation's heading at its key.
  const view = await new DocLines(index).of(path.join(root, "openapi.yaml"));
  assert.equal(view!.length, PETSTORE.split("\n").length);
  assert.equal(view![lineOf(PETSTORE, "    get:") - 1], "### GET /pets (`findPets`)");
});

test("an AsyncAPI 2 spec: a section per channel and operation; a $ref to another file is named and noted, not followed", () => {
  const source = [
    "asyncapi: '2.6.0'",
    "info:",
    "  title: Account Service",
    "  version: 1.0.0",
    "channels:",
    "  user/signedup:",
    "    description: Users who signed up.",
    "    subscribe:",
    "      operationId: onUserSignUp",
    "      summary: A user signed up.",
    "      message:",
    "        $ref: 'messages.yaml#/UserSignedUp'",
    "components:",
    "  schemas:",
    "    User:",
    "      properties:",
    "        id: {$ref: 'common.yaml#/Id'}",
    "        email: {type: string, format: email, description: Where mail goes.}",
    "",
  ].join("\n");
  const doc = chunkDocument(source, "asyncapi.yaml");
  assert.deepEqual(sections(doc), [
    ["Account Service", 2, 4],
    ["Account Service > Channel user/signedup", 6, 7],
    ["Account Service > Channel user/signedup > SUBSCRIBE user/signedup (`onUserSignUp`)", 8, 12],
    ["Account Service > Schema `User`", 15, 19],
  ]);
  assert.match(doc.chunks.map((c) => c.text).join("\n"), /Message: messages\.yaml#\/UserSignedUp[\s\S]*\| `id` \| common\.yaml#\/Id \|/);
  assert.deepEqual(doc.notes, [
    "line 12: $ref messages.yaml#/UserSignedUp not followed (references to other files are not read)",
    "line 17: $ref common.yaml#/Id not followed (references to other files are not read)",
  ]);
});

test("a path's parameters are in the tables of its operations that list their own (unless overridden); named parameters, responses and request bodies get sections", () => {
  const spec = [
    "openapi: 3.0.3",
    "info:",
    "  title: Meter API",
    "  version: 1.0.0",
    "paths:",
    "  /meters/{meterId}/readings:",
    "    parameters:",
    "      - name: meterId",
    "        in: path",
    "        required: true",
    "        description: The meter's serial number.",
    "        schema: {type: string}",
    "      - name: unit",
    "        in: query",
    "        description: Unit of the readings (path level).",
    "        schema: {type: string}",
    "    get:",
    "      operationId: listReadings",
    "      parameters:",
    "        - name: unit",
    "          in: query",
    "          description: Unit of the readings, kWh by default.",
    "          schema: {type: string}",
    "        - $ref: '#/components/parameters/pageSize'",
    "      responses:",
    "        '404':",
    "          $ref: '#/components/responses/NotFound'",
    "    delete:",
    "      operationId: deleteReadings",
    "      responses:",
    "        '204': {description: Deleted.}",
    "components:",
    "  parameters:",
    "    pageSize:",
    "      name: pageSize",
    "      in: query",
    "      description: Readings per page, at most 500.",
    "      schema: {type: integer, format: int32}",
    "  responses:",
    "    NotFound:",
    "      description: No meter has this serial number.",
    "      content:",
    "        application/json:",
    "          schema: {$ref: '#/components/schemas/Problem'}",
    "  requestBodies:",
    "    Reading:",
    "      description: One reading to store.",
    "      content:",
    "        application/json:",
    "          schema: {type: object}",
    "  schemas:",
    "    Problem: {type: object}",
    "",
  ].join("\n");
  const doc = chunkDocument(spec, "openapi.yaml");
  const text = (heading: string) => sectionText(doc, heading);
  const list = text("GET /meters/{meterId}/readings (`listReadings`)");
  // Its own `unit` (not the path's), the referenced parameter as defined, then the path's `meterId`.
  assert.match(
    list,
    /\| unit \| query \| string \| no \| Unit of the readings, kWh by default\. \|\n\| pageSize \| query \| integer \(int32\) \| no \| Readings per page, at most 500\. \|\n\| meterId \| path \| string \| yes \| The meter's serial number\. \|/,
  );
  assert.doesNotMatch(list, /path level/);
  // An operation without parameters of its own: its path's section, its parent, has the path's.
  assert.doesNotMatch(text("DELETE /meters/{meterId}/readings (`deleteReadings`)"), /\| Parameter \|/);
  assert.match(text("/meters/{meterId}/readings"), /\| meterId \| path \| string \| yes \| The meter's serial number\. \|/);
  assert.deepEqual(
    doc.sections.map((s) => [s.headingPath.at(-1), s.startLine]).filter(([h]) => /^(Parameter|Response|Request body) /.test(String(h))),
    [
      ["Parameter `pageSize`", lineOf(spec, "    pageSize:")],
      ["Response `NotFound`", lineOf(spec, "    NotFound:")],
      ["Request body `Reading`", lineOf(spec, "    Reading:")],
    ],
  );
  assert.match(text("Parameter `pageSize`"), /\| pageSize \| query \| integer \(int32\) \| no \| Readings per page, at most 500\. \|/);
  assert.match(text("Response `NotFound`"), /No meter has this serial number\.\n\n- Type: Problem \(application\/json\)\./);
  assert.match(text("Request body `Reading`"), /One reading to store\.\n\n- Type: object \(application\/json\)\./);
});

test("YAML and JSON files that are not specs are plain text, not split as specs", async () => {
  const workflow = "# Build\nname: build\non: [push]\njobs:\n  test:\n    openapi: 3.0.0\n    runs-on: ubuntu-latest\n\n# Deploy\ndeploy: true\n";
  const doc = chunkDocument(workflow, "openapi-config.yaml");
  assert.ok(
    doc.chunks.every((c) => c.headingPath.length === 0),
    "no sections",
  );
  assert.equal(doc.chunks.map((c) => c.text).join("\n\n"), workflow.trimEnd());
  assert.equal(doc.title, "openapi-config");
  const json = '{\n  "name": "x",\n  "config": {"openapi": "3.0.0"}\n}\n';
  assert.ok(chunkDocument(json, "openapi.json").chunks.every((c) => c.headingPath.length === 0));
  // Through the index: the default include lists it by name, and it is indexed as text.
  const root = await tempDocs({ "openapi-config.yaml": workflow, "config.yaml": "a: 1\n" });
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.deepEqual(report.skipped, []);
  assert.deepEqual([...index.files.values()].map((f) => f.relPath).sort(), ["openapi-config.yaml"]);
  const view = await new DocLines(index).of(path.join(root, "openapi-config.yaml"));
  assert.deepEqual(view, workflow.split("\n"));
});

test("the default include finds specs by their usual names", async () => {
  const root = await tempDocs({
    "openapi.yaml": PETSTORE,
    "api/swagger.json": '{"swagger": "2.0", "info": {"title": "S", "version": "1"}, "paths": {}}',
    "events/asyncapi.yml": STREETLIGHTS,
    "specs/billing.openapi.yml": PETSTORE,
    "specs/billing.yaml": PETSTORE,
    "package.json": "{}",
  });
  const index = new DocsIndex([root]);
  await index.update();
  assert.deepEqual([...index.files.values()].map((f) => f.relPath).sort(), [
    "api/swagger.json",
    "events/asyncapi.yml",
    "openapi.yaml",
    "specs/billing.openapi.yml",
  ]);
});

test("a spec that cannot be read is skipped with the parser's reason; an alias bomb does not expand", async () => {
  const laughs =
    "openapi: 3.0.0\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
    Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(", ")}]\n`).join("") +
    "info:\n  title: Laughs\n  description: *a9\npaths:\n  /a: &p\n    get: {summary: once}\n  /b: *p\n";
  const root = await tempDocs({
    "deep/openapi.yaml": "openapi: 3.0.0\nx: " + "[".repeat(MAX_SPEC_DEPTH + 10) + "\n",
    "broken/openapi.json": '{"openapi": "3.0.0", "paths": {"/a": ',
    "expands/openapi.yaml":
      `openapi: 3.0.0\nx: &big {name: a, in: query, description: "${"d".repeat(2000)}"}\npaths:\n  /p:\n    get:\n      parameters:\n` +
      "        - *big\n".repeat(2000),
    "laughs/openapi.yaml": laughs,
  });
  const index = new DocsIndex([root]);
  const report = await index.update();
  assert.deepEqual(report.skipped.map((s) => [s.relPath, s.reason]).sort(), [
    ["broken/openapi.json", "unreadable"],
    ["deep/openapi.yaml", "unreadable"],
    ["expands/openapi.yaml", "unreadable"],
  ]);
  const detail = (rel: string) => report.skipped.find((s) => s.relPath === rel)!.detail;
  assert.match(detail("deep/openapi.yaml"), /^not valid YAML or JSON: nesting exceeded maxDepth \(64\) \(line 2\)$/);
  assert.match(detail("broken/openapi.json"), /^not valid YAML or JSON: unexpected end of the stream/);
  assert.equal(detail("expands/openapi.yaml"), "the spec expands to over 8 times its size (aliases repeated): not read");
  // The bomb's aliases are never expanded: the spec reads as written, each aliased path once.
  const doc = chunkDocument(laughs, "openapi.yaml");
  assert.deepEqual(
    doc.sections.map((s) => s.headingPath.join(" > ")),
    ["Laughs", "Laughs > /a > GET /a"],
  );
});
