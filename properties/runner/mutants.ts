/** Per-bug search set-up for the mutant self-check and the corpus (impl/bugs.ts): config, generator options, budget. */
import { BUGS, type BugName } from '../../impl/bugs';
import type { Config } from '../../model/types';
import { serialize } from '../trace/codec';
import type { Trace } from '../trace/schema';
import type { GenOptions } from '../steps/world';
import { findViolation, type SearchResult } from './property';

/** What a bug needs to be reachable: seed 002 is judged under the 2021 proposal; seed 004 needs the pKVM host stage 2. */
const SETUP: Partial<Record<BugName, { config?: Partial<Config>; gen?: Partial<GenOptions> }>> = {
  'cmo-ro-as-mmio': { config: { cmoPolicy: 'proposal2021' } },
  'owner-on-valid': { gen: { hostStage2: true } },
  'annotation-not-refcounted': { gen: { hostStage2: true } },
};

/** The mutant self-check's fixed budget. */
export const MUTANT_BUDGET = { numRuns: 300, maxSteps: 60, seed: 5150 } as const;

/** Search for a violation of the invariant `bug` names, with that switch on. Deterministic. */
export function findMutant(bug: BugName, budget: { numRuns: number; maxSteps: number; seed: number } = MUTANT_BUDGET): SearchResult {
  const b = BUGS.find((x) => x.name === bug);
  if (!b) throw new RangeError(`unknown bug ${bug}`);
  const s = SETUP[bug] ?? {};
  return findViolation({ ...budget, config: { ...s.config, bugs: [bug] }, gen: s.gen, target: b.invariant });
}

/** Regenerate the corpus entry of `bug`: its shrunk counterexample as canonical text (write it to reports/corpus/<bug>.json). */
export function corpusEntry(bug: BugName): string | null {
  const r = findMutant(bug);
  return r.found ? serialize(r.found as Trace) : null;
}
