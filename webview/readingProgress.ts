// What the reading line and its bar show at a moment, from the time since the model started
// reading its prompt and the time the engine expects at the speed it measured on this device.
// node-llama-cpp (3.22) reports nothing while llama.cpp reads a prompt, so the bar is an estimate
// and says so: it stops at 95% and, past the expected time, says the reading takes longer.
import { READING_SHOWN_SECONDS, readingText } from "../src/shared/answer.js";

/** The fullest the estimated bar gets: only the first word says the reading is done. */
export const ESTIMATE_CAP = 0.95;
/** A reading expected to be short (or not estimated) is shown once it has lasted this long: a fast device never flickers a bar. */
export const SHOWN_AFTER_MS = 1000;

export interface Reading {
  promptTokens: number;
  /** Expected seconds to the first word; absent where no speed is measured (a model server). */
  seconds?: number;
}

export interface ReadingProgress {
  /** Whether the line and its bar are shown yet. */
  shown: boolean;
  /** The visible line: "Reading 1,150 tokens of docs… about 12 s". */
  text: string;
  /** The bar's fill, 0-95 (aria-valuenow); undefined: no estimate, an indeterminate bar. */
  percent?: number;
  /** What a screen reader hears for the bar's value ("about 4 s left"). */
  valueText: string;
  /** Past the expected time. */
  overdue: boolean;
}

/** The progress `elapsedMs` after the reading started. */
export function readingProgress(reading: Reading, elapsedMs: number): ReadingProgress {
  const elapsed = Math.max(0, elapsedMs);
  const seconds = typeof reading.seconds === "number" && Number.isFinite(reading.seconds) && reading.seconds > 0 ? reading.seconds : undefined;
  const shown = (seconds !== undefined && seconds >= READING_SHOWN_SECONDS) || elapsed >= SHOWN_AFTER_MS;
  if (seconds === undefined) return { shown, text: readingText(reading.promptTokens), valueText: "Reading the docs", overdue: false };
  const expectedMs = seconds * 1000;
  const percent = Math.floor(Math.min(ESTIMATE_CAP, elapsed / expectedMs) * 100);
  if (elapsed > expectedMs) {
    const about = Math.max(1, Math.round(seconds));
    return {
      shown,
      text: `${readingText(reading.promptTokens)} taking longer than measured (about ${about} s)`,
      percent,
      valueText: "Taking longer than measured",
      overdue: true,
    };
  }
  const left = Math.max(1, Math.round((expectedMs - elapsed) / 1000));
  return { shown, text: readingText(reading.promptTokens, seconds), percent, valueText: `About ${left} s left`, overdue: false };
}
