/** The bench registry: named cases grouped in suites, each suite deriving its headline fields. */

/** One measured quantity. `run` does its own untimed setup and returns one sample. */
export interface BenchCase {
  /** Unique, dotted: '<suite>.<what>', e.g. 'rangeUnmap4k.impl'. */
  name: string;
  unit: 'ns/op' | 'ms' | 'bytes/page';
  /** One pass: returns the sample (time in `unit`, or a size). */
  run(): number;
  /** Passes for this case (default: the run's --passes, at least 5). */
  passes?: number;
}

/** A group of cases plus the fields it reports from their medians (e.g. speedups). */
export interface BenchSuite {
  name: string;
  cases: BenchCase[];
  derive(median: (caseName: string) => number): Record<string, number>;
}

const suites: BenchSuite[] = [];

/** Add a suite (later issues register theirs from their own *.bench.ts files). */
export function registerSuite(s: BenchSuite): void {
  if (suites.some((t) => t.name === s.name)) throw new Error(`bench suite ${s.name} registered twice`);
  suites.push(s);
}

/** Every registered suite, in registration order. */
export const allSuites = (): readonly BenchSuite[] => suites;

/** Monotonic nanoseconds (timing is allowed in bench/ only). */
export const nowNs = (): bigint => process.hrtime.bigint();

/** Nanoseconds spent in `fn`. */
export function timeNs(fn: () => void): number {
  const t0 = nowNs();
  fn();
  return Number(nowNs() - t0);
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
