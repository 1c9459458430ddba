// What the code check works on and what it finds: the docs' defined names with their card facts
// (built by the engine once per index version, sent to the extension host, read by the CLI) and
// the findings in one file of code. Types only.

/** One name the docs define, with the facts of its card. */
export interface DefinedName {
  /** As the docs write it (`http.server.request.duration`). */
  name: string;
  /** Instrument (Histogram, Counter, UpDownCounter, Gauge) for a metric; value type for an attribute. */
  kind?: string;
  /** "Instrument" or "Type": what `kind` is. */
  kindLabel?: string;
  unit?: string;
  description?: string;
  /** "Stable", "Development", "Deprecated ...": as the docs' stability column reads. */
  stability?: string;
  /** Set when the docs mark the name deprecated; `replacement` when they name one ("Replaced by `x`"). */
  deprecated?: { replacement?: string; note?: string };
  /** Where it is defined: path relative to its docs folder, and the line. */
  path: string;
  line: number;
}

/** All the defined names of one index version. */
export interface DefinedNamesTable {
  /** Changes whenever the defined names may have changed (the engine's term index generation and chunk count). */
  version: string;
  names: DefinedName[];
  /** Templated names' fixed parts with their dot (`http.request.header.` of `http.request.header.<key>`): any name under one is defined. */
  templates?: string[];
}

export type FindingKind = "undefined" | "misspelled" | "deprecated" | "unit" | "instrument";

/** Something the check found in one file: offsets into its text, lines and columns 1-based. */
export interface Finding {
  kind: FindingKind;
  /** The name as written in code (the literal's content). */
  name: string;
  /** The content of the string literal that holds the name (the quotes excluded). */
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
  /** Misspelled: the nearest defined names; deprecated: the replacement, when the docs name one. */
  suggestions: string[];
  /** Unit and instrument findings: the documented value, and (unit) where the unit literal's content is, when code gave one. */
  expected?: string;
  actual?: string;
  unitRange?: { start: number; end: number };
  /** The recognised metric call (`createHistogram`), for unit and instrument findings. */
  call?: string;
}
