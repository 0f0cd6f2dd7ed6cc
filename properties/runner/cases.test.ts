/** Non-vacuous coverage: a check counts a case only on steps that showed it something it could reject, once per step. */
import { invariantRows, NEVER_SAW } from '../../reports/stats';
import { parseTraceText } from '../trace';
import { CaseCounter } from './cases';
import { runTrace } from './runner';

/** mmap + slot (READONLY or not) + one read of its first page. */
const trace = (flags: string[]) => parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x2000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x2000', hva: '0x7f0000000000', flags },
    { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' },
    { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'read' },
  ],
}));

const casesOf = (flags: string[]): Record<string, number> => {
  const c = new CaseCounter();
  const r = runTrace(trace(flags), { cases: c });
  expect(r.violations).toEqual([]);
  return c.counts;
};

test('RO_SLOT_NEVER_WRITABLE sees a case only where a leaf lies in a READONLY slot', () => {
  expect(casesOf(['READONLY']).RO_SLOT_NEVER_WRITABLE).toBe(2);
  expect(casesOf([]).RO_SLOT_NEVER_WRITABLE).toBeUndefined();
});

test('DIRTY_LOG_COMPLETE needs a writable leaf in a logging slot: reads of a logging slot map read-only, no case', () => {
  expect(casesOf(['LOG_DIRTY']).DIRTY_LOG_COMPLETE).toBeUndefined();
  expect(casesOf(['LOG_DIRTY']).LOGGING_PAGE_SIZE).toBe(2);
});

test('OUTCOME_EQUAL has a case on every step; a case counts once per step however often a check notes it', () => {
  const c = casesOf(['READONLY']);
  expect(c.OUTCOME_EQUAL).toBe(4);
  expect(c.NO_STALE_PFN).toBe(2); // several sampled pages per leaf would note it more than once
  const k = new CaseCounter();
  k.nextStep(); k.saw('X'); k.saw('X'); k.nextStep(); k.saw('X');
  expect(k.counts.X).toBe(2);
});

test('the report marks a check that ran but never saw its case', () => {
  expect(invariantRows({ A: 10, B: 10 }, { A: 3 })).toEqual([['A', '10', '3', ''], ['B', '10', '0', NEVER_SAW]]);
  expect(invariantRows({ A: 10 }, undefined)).toEqual([['A', '10', '-', '']]);
});
