/** Per-bug search set-up for the mutant self-check and the corpus (impl/bugs.ts): config, generator options, budget. */
import { BUGS, type BugName } from '../../impl/bugs';
import { serialize } from '../trace/codec';
import type { Trace } from '../trace/schema';
import type { GenOptions } from '../steps/world';
import { DRAWN_KEYS } from '../steps/config';
import { findViolation, type SearchResult } from './property';

/**
 * What a bug needs to be reachable beyond a generated config: seed 004's behaviours live in the
 * pKVM host stage 2 (setOwner / hostAccess steps). Configs are never set per bug: every trace
 * draws its own (granule, iaBits, fwb, dic, nisvToUser, cmoPolicy, ...), so seed 002's
 * `cmo-ro-as-mmio` is found in the traces that draw cmoPolicy proposal2021.
 */
export const MUTANT_GEN: Partial<Record<BugName, Partial<GenOptions>>> = {
  'owner-on-valid': { hostStage2: true },
  'annotation-not-refcounted': { hostStage2: true },
};

/** The generator options a search with `bugs` enabled needs to reach them all (the policy diff uses it). */
export const genForBugs = (bugs: readonly string[]): Partial<GenOptions> =>
  Object.assign({}, ...bugs.map((b) => MUTANT_GEN[b as BugName] ?? {})) as Partial<GenOptions>;

/** The mutant self-check's fixed budget. */
export const MUTANT_BUDGET = { numRuns: 300, maxSteps: 60, seed: 5150 } as const;

/**
 * Bugs one stream of the fixed budget does not reach, searched instead in fresh short streams of
 * STREAM_RUNS runs each (as `npm run mutants` hunts), up to this many runs in all. Their case needs
 * a table collapsed into a block while the TLB holds page entries of it (logging on, then off, over
 * a block), which short traces reach more often than long ones.
 */
const MUTANT_STREAM_BUDGET: Partial<Record<BugName, number>> = { 'collapse-tlbi-one-address': 6000, 'table-zap-tlbi-level': 1000 };
const STREAM_RUNS = 20;

/** Search for a violation of the invariant `bug` names, with that switch on. Deterministic (a run count, never a clock). */
export function findMutant(bug: BugName, budget: { numRuns: number; maxSteps: number; seed: number } = MUTANT_BUDGET): SearchResult {
  const b = BUGS.find((x) => x.name === bug);
  if (!b) throw new RangeError(`unknown bug ${bug}`);
  const spec = { ...budget, config: { bugs: [bug] }, draw: DRAWN_KEYS, gen: MUTANT_GEN[bug], target: b.invariant };
  const cap = MUTANT_STREAM_BUDGET[bug];
  if (cap === undefined) return findViolation(spec);
  const total: SearchResult = { found: null, runs: 0, steps: 0, alsoFired: [], interrupted: false };
  const also = new Set<string>();
  for (let k = 0; total.runs < cap && total.found === null; k++) {
    const r = findViolation({ ...spec, numRuns: STREAM_RUNS, seed: (budget.seed + Math.imul(k, 0x9e3779b1)) | 0 });
    total.runs += r.runs;
    total.steps += r.steps;
    total.found = r.found;
    r.alsoFired.forEach((i) => also.add(i));
  }
  total.alsoFired = [...also].sort();
  return total;
}

/** Regenerate the corpus entry of `bug`: its shrunk counterexample as canonical text (write it to reports/corpus/<bug>.json). */
export function corpusEntry(bug: BugName): string | null {
  const r = findMutant(bug);
  return r.found ? serialize(r.found as Trace) : null;
}
