/** Mergeable run counters: generator counts (ops, access kinds, outcomes) and invariant check counts. */
import type { GenStatsJson } from './schema';

type Counts = Record<string, number>;

/** Raw generator counts; shares are derived when the summary is written. */
export interface GenCounts {
  traces: number;
  steps: number;
  ops: Counts;
  kinds: Counts;
  outcomes: Counts;
  /** Traces per config value (`granule=16384`, `fwb=true`, ...): the generated config mix. */
  configs: Counts;
}

/** An empty counter. */
export const emptyGenCounts = (): GenCounts => ({ traces: 0, steps: 0, ops: {}, kinds: {}, outcomes: {}, configs: {} });

/** `into[k] += from[k]` for every key. */
export function addCounts(into: Counts, from: Readonly<Counts>): Counts {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Add `b` into `a`. */
export function addGen(a: GenCounts, b: Readonly<GenCounts>): GenCounts {
  a.traces += b.traces;
  a.steps += b.steps;
  addCounts(a.ops, b.ops);
  addCounts(a.kinds, b.kinds);
  addCounts(a.outcomes, b.outcomes);
  addCounts(a.configs, b.configs);
  return a;
}

const sorted = (c: Readonly<Counts>): Counts => Object.fromEntries(Object.entries(c).sort(([x], [y]) => (x < y ? -1 : 1)));

function shares(c: Readonly<Counts>): Record<string, number> {
  const n = Object.values(c).reduce((s, v) => s + v, 0);
  return Object.fromEntries(Object.entries(sorted(c)).map(([k, v]) => [k, n === 0 ? 0 : v / n]));
}

/** The summary form: sorted counts plus shares. */
export function genJson(g: Readonly<GenCounts>): GenStatsJson {
  return {
    traces: g.traces, steps: g.steps, ops: sorted(g.ops), kinds: sorted(g.kinds), outcomes: sorted(g.outcomes), configs: sorted(g.configs),
    share: { ops: shares(g.ops), kinds: shares(g.kinds), outcomes: shares(g.outcomes) },
  };
}

/** Back from the summary form (shares dropped). */
export const genCountsOf = (j: GenStatsJson): GenCounts => ({ traces: j.traces, steps: j.steps, ops: { ...j.ops }, kinds: { ...j.kinds }, outcomes: { ...j.outcomes }, configs: { ...(j.configs ?? {}) } });

/** `counts` with its keys sorted (stable report output). */
export const sortedCounts = (counts: Readonly<Counts>): Counts => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The note beside an invariant whose check never met a case it could reject in a run. */
export const NEVER_SAW = 'never saw its case';

/**
 * Rows of the report's invariant table: name, checks (steps it ran on), cases (steps that showed it
 * something it could reject), and the NEVER_SAW note for a check that stayed vacuous. Reports
 * written before case counting have no `cases`: their column is '-'.
 */
export function invariantRows(checks: Readonly<Counts>, cases: Readonly<Counts> | undefined): string[][] {
  return Object.entries(checks).map(([k, v]) => {
    const c = cases?.[k] ?? 0;
    return [k, String(v), cases ? String(c) : '-', cases && v > 0 && c === 0 ? NEVER_SAW : ''];
  });
}
