/** Acceptance: all 65 scenarios of tools/testing/selftests/kvm/arm64/page_fault_test.c against the model (facts §19.3). */
import { runScenario } from './testkit/pageFaultWorld';
import { ROWS, title } from './testkit/pageFaultRows';

describe('page_fault_test (facts §19.3) against the model', () => {
  test('the table has all 65 scenarios, numbered 1..65', () => {
    expect(ROWS.map((r) => r.n)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
  });

  test.each(ROWS.map((r) => [title(r), r] as const))('%s', (_t, r) => {
    const obs = runScenario(r.sc);
    expect(obs.unexpected).toEqual([]);
    expect({ mmio: obs.mmioExits, uffd: obs.uffdFaults, fail: obs.failedRuns })
      .toEqual({ mmio: r.mmio ?? 0, uffd: r.uffd ?? 0, fail: r.fail ?? 0 });
    if (r.dirty && r.sc.flags.includes('READONLY')) {
      // #50–#54: only the data page's bit is checked (and #55–#57 never reach the check)
      expect(obs.dirty?.[0]).toBe(false);
    } else if (r.dirty) {
      expect(obs.dirty).toEqual(r.dirty);
    }
    if (r.dataHandlerFails) expect(obs.dataPopulated).toBe(false);
  });
});
