/** The diff's shrinking drops whole steps the generator could not (shrinkFields with dropSteps), while the same class recurs. */
import type { Config } from '../../model/types';
import { shrinkFields } from '../runner/minimizeFields';
import { decodeStep } from '../trace/codec';
import { parseTrace } from '../trace/parse';
import type { Trace } from '../trace/schema';
import { compareUnder, type Sides } from './search';

const CONFIG = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', eagerSplit: true, bugs: [] };
const SIDES: Sides = { a: { bugs: [] }, b: { bugs: ['collapse-tlbi-one-address'] } };
const SLOT = { op: 'setMemslot', slot: 3, gpa: '0x40000000', size: '0x400000', hva: '0x7f0000000000' };

/** An 8-step trace the diff once reported for collapse-tlbi-one-address: the store livelocks on a stale TLB entry. */
const EIGHT: Trace = parseTrace({
  format: 's2check-trace/1', config: CONFIG,
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'hugetlb' },
    { ...SLOT, flags: [] },
    { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'write' },
    { ...SLOT, flags: ['LOG_DIRTY'] },
    { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'write' },
    { ...SLOT, flags: [] },
    { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' },
    { op: 'access', vcpu: 0, ipa: '0x401ff008', kind: 'st_preidx' },
  ],
});

const classOf = (t: Trace): string | null => compareUnder(t.config as Config, SIDES, t.steps.map(decodeStep)).diff?.cls ?? null;

test('dropping steps takes the trace to 6 steps (the mutant\'s shrunk length), with the same class', () => {
  const cls = classOf(EIGHT);
  expect(cls).toBe('access st_preidx [slot]: outcome ok → livelock');
  const probe = (c: Trace): { step: number } | null => {
    try {
      const d = compareUnder(c.config as Config, SIDES, c.steps.map(decodeStep)).diff;
      return d && d.cls === cls ? { step: d.step } : null;
    } catch {
      return null;
    }
  };
  const without = shrinkFields(EIGHT, probe);
  const withDrops = shrinkFields(EIGHT, probe, 200, true);
  expect(without?.trace.steps).toHaveLength(8);
  expect(withDrops?.trace.steps.length).toBeLessThanOrEqual(6);
  expect(classOf(withDrops!.trace)).toBe(cls);
});
