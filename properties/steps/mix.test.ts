/** The generator's mix (fixed seed): each bug-finding bias occurs in a stated share of sequences, so lost coverage fails here. */
import * as fc from 'fast-check';
import { ACCESS_KINDS } from '../../model/types';
import { traceArbitrary } from './arbitraries';
import { formatStats, generatorStats } from './stats';

const stats = generatorStats(fc.sample(traceArbitrary(), { numRuns: 200, seed: 424242 }));

/** Minimum share of traces per feature (observed shares are roughly 1.3–2× these). */
const MIN_SHARE: Record<string, number> = {
  'block-congruent slot': 0.7,
  '1G-congruent slot': 0.08,
  'misaligned slot (gpa ≢ hva mod block)': 0.4,
  'slot head/tail not block-aligned': 0.3,
  'READONLY slot': 0.4,
  'LOG_DIRTY slot': 0.4,
  'READONLY write': 0.3,
  'CMO on READONLY slot': 0.25,
  'CMO outside slots': 0.3,
  'write to LOG_DIRTY slot': 0.3,
  'zero-page read (untouched anon)': 0.35,
  'faultBegin → invalidation → faultCommit window': 0.4,
  'two vCPUs fault one page': 0.5,
  'no-syndrome access outside slots': 0.3,
  'slot delete': 0.2,
  'slot move': 0.15,
  'slot flags change': 0.2,
  'mmap anon': 0.6, 'mmap file': 0.3, 'mmap hugetlb': 0.5, 'hugetlb 1G': 0.08, 'uffd': 0.05,
  'pfnmap normal': 0.2, 'pfnmap nc': 0.15, 'pfnmap device': 0.2, 'pfnmap device_nGnRnE': 0.15,
  'pfnmap allowAnyUncached': 0.3, 'pfnmap without allowAnyUncached': 0.3, 'pfnmap RAM pa': 0.2, 'pfnmap device pa': 0.4,
  'S1PTW': 0.5, 'AT': 0.4, 's1 nc': 0.4, 's1 device': 0.4,
};

describe('generator mix (seed 424242, 200 sequences)', () => {
  test.each(Object.entries(MIN_SHARE))('%s in ≥ %p of sequences', (feature, min) => {
    expect(stats.features[feature] ?? 0).toBeGreaterThanOrEqual(min);
  });

  test('formatStats prints one row per op', () => {
    expect(formatStats(stats).split('\n').filter((l) => /^ {2}access /.test(l))).toHaveLength(1);
  });

  test('every access kind is drawn, none below 2% of guest steps', () => {
    for (const k of ACCESS_KINDS) expect(stats.kinds[k] ?? 0).toBeGreaterThan(0.02);
  });

  test('every default op is drawn; accesses and split faults dominate', () => {
    for (const op of ['setMemslot', 'getDirtyLog', 'clearDirtyLog', 'mmap', 'munmap', 'mprotect', 'madviseDontneed', 'migrate',
      'thpCollapse', 'thpSplit', 'vmmWrite', 'invalidateBegin', 'invalidateEnd', 'access', 'faultBegin', 'faultCommit', 'age', 'testAge', 'ioremap']) {
      expect(stats.ops[op] ?? 0).toBeGreaterThan(0.005);
    }
    expect(stats.ops.access + stats.ops.faultBegin).toBeGreaterThan(0.2);
    expect(stats.ops.setOwner).toBeUndefined();
  });

  test('options: hostStage2 adds the pKVM ops; slotChangeDuringFault moves slots under a fault', () => {
    const pk = generatorStats(fc.sample(traceArbitrary({ hostStage2: true, maxSteps: 60 }), { numRuns: 30, seed: 1 }));
    expect(pk.ops.setOwner).toBeGreaterThan(0);
    expect(pk.ops.hostAccess).toBeGreaterThan(0);
    const mv = generatorStats(fc.sample(traceArbitrary({ slotChangeDuringFault: true }), { numRuns: 60, seed: 1 }));
    expect(mv.features['slot delete/move during fault']).toBeGreaterThan(0.1);
  });

  test('the hook merges runner labels (outcome-based counts) into features', () => {
    const few = fc.sample(traceArbitrary({ maxSteps: 10 }), { numRuns: 4, seed: 3 });
    const st = generatorStats(few, (_t, i) => (i % 2 === 0 ? ['block installed'] : []));
    expect(st.features['block installed']).toBe(0.5);
  });
});
