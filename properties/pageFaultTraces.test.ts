/** The page_fault_test scenarios as traces: on the model side by side with the impl, each gives its row's counters and dirty bits. */
import { PTE_PAGE_INDEX } from '../model/testkit/pageFaultWorld';
import { pageFaultTraces } from './pageFaultTraces';
import { runTrace } from './runner/runner';

describe('page_fault_test scenarios as traces', () => {
  test.each(pageFaultTraces().map((t) => [t.name, t] as const))('%s', (_name, { row, trace }) => {
    const r = runTrace(trace, { collectAll: true });
    expect(r.violations).toEqual([]);
    const outs = r.outcomes.map((o) => o.model?.outcome);
    const logs = outs.filter((o, i) => o?.kind === 'ok' && trace.steps[i].op === 'getDirtyLog');
    const dirtyOf = (i: number): readonly number[] => r.outcomes[i].model?.dirty ?? [];
    const logSteps = trace.steps.map((s, i) => (s.op === 'getDirtyLog' ? i : -1)).filter((i) => i >= 0);
    expect({
      mmio: outs.filter((o) => o?.kind === 'mmio').length,
      fail: outs.filter((o) => o?.kind === 'enosys').length,
      other: outs.filter((o) => o !== undefined && !['ok', 'mmio', 'enosys'].includes(o.kind)),
      dirty: row.dirty && logs.length ? [dirtyOf(logSteps[0]).includes(0), dirtyOf(logSteps[1]).includes(PTE_PAGE_INDEX)] : undefined,
    }).toEqual({ mmio: row.mmio ?? 0, fail: row.fail ?? 0, other: [], dirty: row.dirty });
  });
});
