// The OpenTelemetry metric API calls the check recognises, one table per language: the method that
// creates an instrument, the instrument it creates, and how that language passes the unit. A new
// call is one line in its language's table (docs/code-check.md lists them).
import type { LanguageFamily } from "./literals.js";

/** The documented instrument kinds: what the docs' "Instrument" column says. */
export type InstrumentKind = "Histogram" | "Counter" | "UpDownCounter" | "Gauge";

/**
 * How a language passes the unit, read after the name literal within the call (and, for builders,
 * the chain that follows it up to the end of the statement):
 * - `key`: a key before the unit literal (`unit:` in an options object or C# named argument, `unit=` in Python);
 * - `call`: a call whose first argument is the unit (`metric.WithUnit("s")`, `.setUnit("s")`);
 * - `positional`: the argument right after the name (Python `create_histogram(name, "s")`, C# `CreateHistogram<T>(name, "s")`).
 */
export interface UnitForm {
  keys: string[];
  calls: string[];
  positional: boolean;
  /** Builders set the unit after the call's closing parenthesis (Java `.setUnit("s")`). */
  chained: boolean;
}

export interface MetricCallTable {
  methods: Record<string, InstrumentKind>;
  unit: UnitForm;
}

const TYPESCRIPT: MetricCallTable = {
  methods: {
    createHistogram: "Histogram",
    createCounter: "Counter",
    createUpDownCounter: "UpDownCounter",
    createGauge: "Gauge",
    createObservableCounter: "Counter",
    createObservableUpDownCounter: "UpDownCounter",
    createObservableGauge: "Gauge",
  },
  unit: { keys: ["unit:"], calls: [], positional: false, chained: false },
};

const PYTHON: MetricCallTable = {
  methods: {
    create_histogram: "Histogram",
    create_counter: "Counter",
    create_up_down_counter: "UpDownCounter",
    create_gauge: "Gauge",
    create_observable_counter: "Counter",
    create_observable_up_down_counter: "UpDownCounter",
    create_observable_gauge: "Gauge",
  },
  unit: { keys: ["unit="], calls: [], positional: true, chained: false },
};

const GO: MetricCallTable = {
  methods: {
    Float64Histogram: "Histogram",
    Int64Histogram: "Histogram",
    Float64Counter: "Counter",
    Int64Counter: "Counter",
    Float64UpDownCounter: "UpDownCounter",
    Int64UpDownCounter: "UpDownCounter",
    Float64Gauge: "Gauge",
    Int64Gauge: "Gauge",
    Float64ObservableCounter: "Counter",
    Int64ObservableCounter: "Counter",
    Float64ObservableUpDownCounter: "UpDownCounter",
    Int64ObservableUpDownCounter: "UpDownCounter",
    Float64ObservableGauge: "Gauge",
    Int64ObservableGauge: "Gauge",
  },
  unit: { keys: [], calls: ["WithUnit("], positional: false, chained: false },
};

const JAVA: MetricCallTable = {
  methods: {
    histogramBuilder: "Histogram",
    counterBuilder: "Counter",
    upDownCounterBuilder: "UpDownCounter",
    gaugeBuilder: "Gauge",
  },
  unit: { keys: [], calls: ["setUnit("], positional: false, chained: true },
};

const CSHARP: MetricCallTable = {
  methods: {
    CreateHistogram: "Histogram",
    CreateCounter: "Counter",
    CreateUpDownCounter: "UpDownCounter",
    CreateGauge: "Gauge",
    CreateObservableCounter: "Counter",
    CreateObservableUpDownCounter: "UpDownCounter",
    CreateObservableGauge: "Gauge",
  },
  unit: { keys: ["unit:"], calls: [], positional: true, chained: false },
};

const TABLES: Partial<Record<LanguageFamily, MetricCallTable>> = {
  js: TYPESCRIPT,
  python: PYTHON,
  go: GO,
  java: JAVA,
  csharp: CSHARP,
};

export function metricCallTable(family: LanguageFamily): MetricCallTable | undefined {
  return TABLES[family];
}

/** Every table, by language (docs and tests list them). */
export const METRIC_CALL_TABLES: Readonly<Record<string, MetricCallTable>> = { TypeScript: TYPESCRIPT, Python: PYTHON, Go: GO, Java: JAVA, "C#": CSHARP };

/** The docs' instrument cell ("Histogram", "UpDownCounter", "Asynchronous Gauge", "Counter (async)") as one of the kinds, if it is one. */
export function documentedInstrument(kind: string | undefined): InstrumentKind | undefined {
  const k = (kind ?? "").toLowerCase().replace(/[^a-z]/g, "");
  if (k.includes("updowncounter")) return "UpDownCounter";
  if (k.includes("histogram")) return "Histogram";
  if (k.includes("counter")) return "Counter";
  if (k.includes("gauge")) return "Gauge";
  return undefined;
}
