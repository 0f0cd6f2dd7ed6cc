/** Random mainline traces (fixed seed) pass every invariant but the known kernel findings': no false alarms on the clean impl. */
import fc from 'fast-check';
import { traceArbitrary } from '../steps/arbitraries';
import { runTrace } from '../runner/runner';
import { ALL_INVARIANTS } from './index';
import type { Invariant } from './types';

describe('invariants on random mainline traces', () => {
  it('find nothing in 60 traces of seed 20240', () => {
    const traces = fc.sample(traceArbitrary(), { seed: 20240, numRuns: 60 });
    const found: string[] = [];
    let steps = 0;
    for (const t of traces) {
      const r = runTrace(t, { invariants: ALL_INVARIANTS as readonly Invariant[] });
      steps += r.stats.steps;
      if (r.violations.length > 0 && r.violations[0].known !== undefined) continue; // mainline's own registered findings
      for (const v of r.violations) found.push(`${v.invariant} @${v.step}: ${v.message}`);
    }
    expect(found).toEqual([]);
    expect(steps).toBeGreaterThan(600);
  });
});
