// Whether a function's time grows linearly with its input: its median time on a 100 KB input
// against its median time on a 10 KB one, compared as a ratio, never as absolute milliseconds.
//
// Why the bound is safe on a loaded, shared machine:
// - 10x the input costs about 10x the time for a linear function and about 100x for a quadratic
//   one; the bound (30x) sits a factor of 3 from each.
// - Load slows both measurements alike (they run seconds apart), so it moves the ratio far less
//   than the times; a median of several runs drops a single stall (a GC, a descheduled process).
// - Below the floor (200 ms for the large input) a ratio measures timer and GC noise, not growth;
//   a quadratic step over 100 KB (10^9 steps or more) takes seconds, far above it.
// - A measure over the bound is taken again, up to 3 times (see linearTimes): load comes in bursts,
//   superlinear growth does not go away.

export const SMALL_BYTES = 10_000;
export const LARGE_BYTES = 100_000;
export const MAX_RATIO = 30;
export const FLOOR_MS = 200;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeOnce(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** A unit repeated to about `bytes` characters (at least once), after an optional prefix. */
export function repeatTo(unit: string, bytes: number, prefix = ""): string {
  return prefix + unit.repeat(Math.max(1, Math.ceil((bytes - prefix.length) / Math.max(1, unit.length))));
}

export interface LinearTimes {
  smallMs: number;
  largeMs: number;
  boundMs: number;
  linear: boolean;
}

/**
 * Median times of `f` on both inputs (5 runs small, up to 3 large, after one warm-up run). A large
 * run far over the bound ends the measure at once, so a quadratic function fails in one run instead
 * of three.
 */
function measure(f: (text: string) => unknown, small: string, large: string): LinearTimes {
  f(small);
  const smallMs = median([0, 0, 0, 0, 0].map(() => timeOnce(() => f(small))));
  const boundMs = Math.max(MAX_RATIO * smallMs, FLOOR_MS);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(timeOnce(() => f(large)));
    if (runs[0]! > 5 * boundMs || runs.filter((ms) => ms > boundMs).length >= 2) break;
  }
  const largeMs = runs.length === 3 ? median(runs) : Math.max(...runs);
  return { smallMs, largeMs, boundMs, linear: largeMs < boundMs };
}

/**
 * `measure`, taken again (small and large) when it is over the bound, up to 3 times: a burst of load
 * on a shared machine can slow two runs in a row (a 5 ms call was once timed at 433 ms while the
 * whole unit suite ran beside it), but a superlinear function is over the bound every time. A
 * measure more than 5 times over the bound is not taken again.
 */
export function linearTimes(f: (text: string) => unknown, small: string, large: string): LinearTimes {
  let t = measure(f, small, large);
  for (let attempt = 1; attempt < 3 && !t.linear && t.largeMs <= 5 * t.boundMs; attempt++) t = measure(f, small, large);
  return t;
}

/** A readable account of a measure, for assertion messages. */
export function describeTimes(what: string, t: LinearTimes): string {
  return `${what}: ${t.smallMs.toFixed(1)} ms at ${SMALL_BYTES / 1000} KB, ${t.largeMs.toFixed(1)} ms at ${LARGE_BYTES / 1000} KB (bound ${t.boundMs.toFixed(0)} ms)`;
}
