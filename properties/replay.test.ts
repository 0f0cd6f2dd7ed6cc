/** The loader: verdicts, expect checking, trace rules, the diff printer. */
import { replayText, replayTrace, verdictText } from './replay';
import type { Trace } from './trace/schema';
import { serialize } from './trace/codec';
import { DEFAULT_CONFIG } from '../model/types';
import { diffTable } from './runner/diff';

const base = (steps: Trace['steps'], bugs: string[] = []): Trace => ({ format: 's2check-trace/1', config: { ...DEFAULT_CONFIG, bugs }, steps });
const SETUP: Trace['steps'] = [
  { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
  { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['READONLY'], expect: { outcome: 'ok' } },
];

describe('replay', () => {
  test('a clean trace passes and its expects hold', () => {
    const r = replayText(serialize(base([...SETUP, { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'write', expect: { outcome: 'mmio', mapped: false } }])));
    expect(r.expectFailures).toEqual([]);
    expect(verdictText(r.verdict)).toBe('pass');
  });

  test('a wrong expect is reported as an expectation failure, not a violation', () => {
    const r = replayTrace(base([...SETUP, { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'write', expect: { outcome: 'ok' } }]));
    expect(r.verdict.kind).toBe('pass');
    expect(r.expectFailures).toEqual([{ step: 2, message: 'expect.outcome: expected "ok", got "mmio"' }]);
  });

  test('setMemslot during an open invalidation breaks a trace rule (error, not a finding)', () => {
    const r = replayTrace(base([SETUP[0], { op: 'invalidateBegin', hva: '0x7f0000000000', size: '0x1000' }, SETUP[1]]));
    expect(r.verdict).toMatchObject({ kind: 'error', step: 2 });
  });

  test('faultCommit with nothing in flight is a no-op ok on both sides', () => {
    const r = replayTrace(base([{ op: 'faultCommit', vcpu: 1, expect: { outcome: 'ok' } }]));
    expect(r.verdict.kind).toBe('pass');
    expect(r.run.outcomes[0].model?.outcome).toEqual({ kind: 'ok' });
  });

  test('the diff printer marks the first divergent row in fixed-width columns', () => {
    const row = { ipa: 0x40000000, size: 0x1000, pa: 0x80000000, perms: { r: true, w: false, x: false }, memtype: 'normal' as const, leaf: 0x1000 };
    const t = diffTable([{ model: row, impl: row }, { model: null, impl: { ...row, ipa: 0x40001000, perms: { r: true, w: true, x: false } } }], 1);
    const lines = t.split('\n');
    expect(lines[4]).toMatch(/^>> {2}model {2}- /);
    expect(lines[5]).toContain('rw-');
    expect(new Set(lines.slice(2).map((l) => l.length)).size).toBe(1);
  });
});
