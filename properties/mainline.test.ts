/** Mainline config, fixed seed: ≥ 500 side-by-side runs of up to 150 steps with all invariants, and no violation but known kernel findings. */
import * as fc from 'fast-check';
import { searchParams, traceProperty } from './runner/property';
import { parseTrace } from './trace/parse';
import { runTrace } from './runner/runner';
import { traceArbitrary } from './steps/arbitraries';

describe('mainline (seed 20251121)', () => {
  test('500 runs, all invariants, no violation but known kernel findings; the run count is honoured', () => {
    let runs = 0;
    let steps = 0;
    const prop = traceProperty({ config: {}, maxSteps: 150, allowKnown: true }, (t) => { runs++; steps += t.steps.length; });
    const det = fc.check(prop, searchParams({ config: {}, seed: 20251121, numRuns: 500 }));
    if (det.failed) throw new Error(fc.defaultReportMessage(det));
    expect(det.interrupted).toBe(false);
    expect(det.numRuns).toBe(500);
    expect(runs).toBe(500);
    expect(steps / runs).toBeGreaterThan(50);
  }, 240_000);

  test('generated traces are schema-valid and run without harness errors', () => {
    for (const t of fc.sample(traceArbitrary({ maxSteps: 100 }), { seed: 3, numRuns: 20 })) {
      expect(() => parseTrace(t)).not.toThrow();
      expect(runTrace(t).error).toBeUndefined();
    }
  });
});
