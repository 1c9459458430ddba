// Code check findings as SARIF 2.1.0 (what GitHub code scanning and other tools read): one run, one
// rule per kind of finding, each result at its file, line and column.
import type { Finding, FindingKind } from "./types.js";

export interface FileFindings {
  /** Path relative to the checked folder, with forward slashes. */
  path: string;
  findings: Finding[];
}

const RULES: Record<FindingKind, { name: string; text: string; level: "note" | "warning" }> = {
  undefined: { name: "UndefinedName", text: "A name shaped like the docs' names that the docs do not define.", level: "note" },
  misspelled: { name: "MisspelledName", text: "A name the docs do not define, close to one they do.", level: "note" },
  deprecated: { name: "DeprecatedName", text: "A name the docs mark deprecated.", level: "warning" },
  unit: { name: "UnitMismatch", text: "A metric created with a unit other than the docs give it.", level: "warning" },
  instrument: { name: "InstrumentMismatch", text: "A metric created as another instrument than the docs define.", level: "warning" },
};

const KINDS = Object.keys(RULES) as FindingKind[];

export function sarifLog(files: FileFindings[], toolVersion: string): object {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "docent",
            version: toolVersion,
            rules: KINDS.map((kind) => ({
              id: `docent/${kind}`,
              name: RULES[kind].name,
              shortDescription: { text: RULES[kind].text },
              defaultConfiguration: { level: RULES[kind].level },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { description: { text: "The checked code folder" } } },
        results: files.flatMap(({ path, findings }) =>
          findings.map((f) => ({
            ruleId: `docent/${f.kind}`,
            ruleIndex: KINDS.indexOf(f.kind),
            level: RULES[f.kind].level,
            message: { text: f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(path), uriBaseId: "SRCROOT" },
                  region: { startLine: f.line, startColumn: f.column, endLine: f.line, endColumn: f.column + (f.end - f.start) },
                },
              },
            ],
            ...(f.suggestions.length ? { properties: { suggestions: f.suggestions } } : {}),
          })),
        ),
      },
    ],
  };
}
