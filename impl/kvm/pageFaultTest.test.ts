/** Side by side: all 65 page_fault_test scenarios (facts §19.3) on KvmImpl, with the expected counters, equal to the model. */
import { runScenario } from '../../model/testkit/pageFaultWorld';
import { ROWS, title } from '../../model/testkit/pageFaultRows';
import { runImplScenario } from './testkit';

describe('page_fault_test (facts §19.3) on KvmImpl', () => {
  test('65 scenarios', () => expect(ROWS.map((r) => r.n)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1)));

  test.each(ROWS.map((r) => [title(r), r] as const))('%s', (_t, r) => {
    const obs = runImplScenario(r.sc);
    expect(obs.unexpected).toEqual([]);
    expect({ mmio: obs.mmioExits, uffd: obs.uffdFaults, fail: obs.failedRuns })
      .toEqual({ mmio: r.mmio ?? 0, uffd: r.uffd ?? 0, fail: r.fail ?? 0 });
    if (r.dirty && r.sc.flags.includes('READONLY')) expect(obs.dirty?.[0]).toBe(false);
    else if (r.dirty) expect(obs.dirty).toEqual(r.dirty);
    if (r.dataHandlerFails) expect(obs.dataPopulated).toBe(false);
    expect(obs).toEqual(runScenario(r.sc)); // same observation as the model
  });
});
