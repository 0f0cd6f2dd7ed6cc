/** Mutant self-check: every historical bug (impl/bugs.ts) is found by random generation as a violation of the invariant it names. */
import { BUGS } from '../impl/bugs';
import { findMutant, MUTANT_BUDGET } from './runner/mutants';
import { serialize } from './trace/codec';

const MAX_SHRUNK_STEPS = 25;

describe(`mutant self-check (seed ${MUTANT_BUDGET.seed}, ≤ ${MUTANT_BUDGET.numRuns} runs of ≤ ${MUTANT_BUDGET.maxSteps} steps)`, () => {
  test.each(BUGS.map((b) => [b.name, b.invariant] as const))('%s is caught by %s', (name, invariant) => {
    const r = findMutant(name);
    const note = r.found ? `${r.found.steps.length} steps, found after ${r.runs} runs` : `not found in ${r.runs} runs; other invariants fired: ${r.alsoFired.join(', ') || 'none'}`;
    console.log(`${name}: ${note}`);
    expect(r.found?.found?.invariant).toBe(invariant);
    expect(r.found?.steps.length ?? Infinity).toBeLessThanOrEqual(MAX_SHRUNK_STEPS);
  }, 120_000);
});

describe('determinism', () => {
  test('the same seed twice gives byte-identical findings', () => {
    const a = findMutant('zero-page-device-rw', { ...MUTANT_BUDGET, numRuns: 100 });
    const b = findMutant('zero-page-device-rw', { ...MUTANT_BUDGET, numRuns: 100 });
    expect(a.found).not.toBeNull();
    expect(serialize(a.found!)).toBe(serialize(b.found!));
    expect([a.runs, a.steps]).toEqual([b.runs, b.steps]);
  }, 60_000);
});
