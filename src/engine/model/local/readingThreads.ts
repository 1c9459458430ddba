// How many threads read a prompt. Reading is compute-bound and the user waits on it, so all
// physical cores read while the CPU has them free; writing, one token at a time, is bound by memory
// and keeps the threads setting (cores - 1). llama.cpp's threads meet at a barrier after every
// step, so one thread waiting for a core stalls them all: on the 2-core machine with other work
// running, two reading threads read at half the speed of one (docs/models.md, "Threads").
import * as os from "node:os";

/** Threads that read: the count asked for, else the writing threads when those were set, else every physical core (never fewer than the writing threads). */
export function readingThreads(mathCores: number, settings: { threads?: number; readThreads?: number }, defaultThreads: number): number {
  const threads = settings.threads ?? defaultThreads;
  return settings.readThreads ?? (settings.threads !== undefined ? threads : Math.max(threads, mathCores));
}

/** The kernel's 1-minute load average decays by e^(-t/60 s). */
const LOAD_WINDOW_MS = 60_000;

/**
 * The thread count for each phase of an exchange. All reading threads are used while the load
 * average, less this model's own recent threads (followed with the kernel's own 1-minute decay,
 * so that a follow-up is not read with fewer threads because the answer before it ran), is below
 * the writing threads and a half; where the system reports no load (Windows), always.
 */
export class ReadingThreads {
  private own = 0;
  private active = 0;
  private since = performance.now();

  constructor(
    readonly readThreads: number,
    readonly threads: number,
    private readonly load1: () => number = () => os.loadavg()[0] ?? 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** This model's own share of the load average now. */
  ownLoad(): number {
    const t = this.now();
    const decay = Math.exp(-(t - this.since) / LOAD_WINDOW_MS);
    this.own = this.active + (this.own - this.active) * decay;
    this.since = t;
    return this.own;
  }

  /** Threads for the phase starting now (the Llama's thread cap): reading, writing, or none running. */
  enter(phase: "read" | "write" | "idle"): number {
    const others = this.load1() - this.ownLoad();
    const count = phase !== "read" ? this.threads : others < this.threads + 0.5 ? this.readThreads : this.threads;
    this.active = phase === "idle" ? 0 : count;
    return count;
  }
}
