/**
 * Policy diff, the search: generated traces compared under configurations A and B
 * (observe.ts); the first difference of a class not seen before is shrunk — fast-check's steps,
 * then fields and addresses (shrinkFields) — while the same class recurs, and written as a
 * `s2check-trace/1` file with A's `expect` at the differing step and B's result beside it.
 */
import * as fc from 'fast-check';
import type { Config } from '../../model/types';
import { genTraceArbitrary, toTrace, type GenTrace } from '../steps/arbitraries';
import type { DrawnKey } from '../steps/config';
import type { GenOptions } from '../steps/world';
import { decodeStep, type Step } from '../trace/codec';
import { parseTrace } from '../trace/parse';
import type { Trace, TraceConfig, TraceExpect } from '../trace/schema';
import { shrinkFields } from '../runner/minimizeFields';
import { compareRun, type Compared, type Difference } from './observe';

/** The two configurations: overrides merged over each trace's (drawn or pinned) config. */
export interface Sides {
  a: Partial<TraceConfig>;
  b: Partial<TraceConfig>;
}

/** One search batch. */
export interface DiffBatchSpec {
  sides: Sides;
  /** The config traces start from (A's overrides already merged); `draw` keys are drawn per trace. */
  config: Config;
  draw: readonly DrawnKey[];
  gen?: Partial<GenOptions>;
  seed: number;
  numRuns: number;
  maxSteps: number;
}

/** What a batch found. */
export interface DiffBatch {
  /** A new class's minimal trace (with `difference`), or null. */
  found: Trace | null;
  runs: number;
  steps: number;
  /** Hits of classes already known (not shrunk again): class → count. */
  repeats: Record<string, number>;
  /** Classes of steps that agreed, with counts (coverage: what was exercised without differing). */
  agreed: Record<string, number>;
  /** Traces one side could not run (B's config made a step invalid), not compared. */
  incomparable: number;
}

/** A's and B's full configs for a trace's config. */
export const configsOf = (c: Config, s: Sides): { a: Config; b: Config } => ({ a: { ...c, ...s.a } as Config, b: { ...c, ...s.b } as Config });

/** Compare decoded steps under a trace config's A and B. */
export const compareUnder = (c: Config, s: Sides, steps: readonly Step[]): Compared => {
  const { a, b } = configsOf(c, s);
  return compareRun(a, b, steps);
};

/** The keys of an observation the trace format's `expect` takes (outcome first; all of them when present). */
function expectOf(o: Difference['a']): TraceExpect | undefined {
  if (o.outcome === undefined) return undefined;
  return { ...o, outcome: o.outcome } as TraceExpect;
}

/** The written form of a difference: A's config and expect, B's overrides and result. */
export function differenceTrace(t: Trace, s: Sides, d: Difference): Trace {
  const { a } = configsOf(t.config as Config, s);
  const steps = t.steps.slice(0, d.step + 1).map((st, i) => {
    const { expect: _drop, ...bare } = st;
    const e = i === d.step ? expectOf(d.a) : undefined;
    return (e ? { ...bare, expect: e } : bare) as Trace['steps'][number];
  });
  return parseTrace({ format: t.format, config: a, steps, difference: { step: d.step, class: d.cls, a: s.a, b: s.b, resultB: d.b } });
}

/** Run one batch: search, then shrink the first new class. Deterministic without a time cap. */
export function searchDiffBatch(spec: DiffBatchSpec, known: ReadonlySet<string>, timeLimitMs?: number): DiffBatch {
  let runs = 0, steps = 0, incomparable = 0;
  let first: string | null = null;
  const repeats: Record<string, number> = {};
  const agreed: Record<string, number> = {};
  const prop = fc.property(genTraceArbitrary({ config: spec.config, maxSteps: spec.maxSteps, draw: spec.draw, ...spec.gen }), (t: GenTrace) => {
    const r = compareUnder(t.config, spec.sides, t.steps);
    if (first !== null) return r.diff?.cls !== first; // shrinking: only the same class counts
    runs++;
    steps += t.steps.length;
    if (r.error) { incomparable++; return true; }
    for (const [c, n] of r.agreed) agreed[c] = (agreed[c] ?? 0) + n;
    if (!r.diff) return true;
    if (known.has(r.diff.cls)) { repeats[r.diff.cls] = (repeats[r.diff.cls] ?? 0) + 1; return true; }
    first = r.diff.cls;
    return false;
  });
  const params: fc.Parameters<[GenTrace]> = { seed: spec.seed, numRuns: spec.numRuns, endOnFailure: false };
  if (timeLimitMs !== undefined) params.interruptAfterTimeLimit = Math.max(1, Math.floor(timeLimitMs));
  const det = fc.check(prop, params);
  const done = { runs, steps, repeats, agreed, incomparable };
  if (!det.failed || !det.counterexample || first === null) return { found: null, ...done };
  const cls: string = first;
  const whole = toTrace(det.counterexample[0]);
  const probe = (cand: Trace): { step: number } | null => {
    try {
      const t = parseTrace(cand);
      const d = compareUnder(t.config as Config, spec.sides, t.steps.map(decodeStep)).diff;
      return d && d.cls === cls ? { step: d.step } : null;
    } catch {
      return null;
    }
  };
  const small = shrinkFields(whole, probe, 200, true);
  if (!small) return { found: null, ...done };
  const d = compareUnder(small.trace.config as Config, spec.sides, small.trace.steps.map(decodeStep)).diff;
  return { found: d ? differenceTrace(small.trace, spec.sides, d) : null, ...done };
}
