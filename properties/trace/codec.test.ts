/** The codec: canonical text is byte-stable and round-trips exactly; steps and expects convert both ways. */
import * as fc from 'fast-check';
import { traceArbitrary } from '../steps/arbitraries';
import { decodeStep, encodeStep, serialize } from './codec';
import { expectMismatch, expectToOutcome, outcomeToExpect } from './expect';
import { parseTraceText } from './parse';
import type { Trace } from './schema';
import type { Outcome } from '../../model/types';

const withExpect = (t: Trace): Trace => ({
  ...t,
  steps: t.steps.map((s, i) => (i % 3 === 0 ? { ...s, expect: { outcome: 'ok', mapped: true, size: '0x200000', dirty: [0, 3] } } : s)),
  found: { invariant: 'NO_STALE_PFN', step: 0, seed: 7, path: '1:2', replayPath: 'AAB' },
});

describe('serialize', () => {
  test('serialize(parse(s)) === s over generated traces (fixed seed)', () => {
    fc.assert(fc.property(traceArbitrary().map(withExpect), (t) => {
      const s = serialize(t);
      expect(serialize(parseTraceText(s))).toBe(s);
      expect(parseTraceText(s)).toEqual(t);
    }), { seed: 20240501, numRuns: 60 });
  });

  test('key order of the input does not change the bytes', () => {
    const a: Trace = { format: 's2check-trace/1', config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] },
      steps: [{ op: 'access', vcpu: 0, ipa: '0x1000', kind: 'read', s1: 'nc' }] };
    const b = JSON.parse('{"steps":[{"kind":"read","s1":"nc","ipa":"0x1000","vcpu":0,"op":"access"}],"config":{"bugs":[],"cmoPolicy":"mainline","nisvToUser":false,"dic":false,"fwb":false,"iaBits":40,"granule":4096},"format":"s2check-trace/1"}') as Trace;
    expect(serialize(b)).toBe(serialize(a));
    expect(serialize(a)).toBe([
      '{', '  "format": "s2check-trace/1",',
      '  "config": {"granule": 4096, "iaBits": 40, "fwb": false, "dic": false, "nisvToUser": false, "cmoPolicy": "mainline", "bugs": []},',
      '  "steps": [', '    {"op": "access", "vcpu": 0, "ipa": "0x1000", "kind": "read", "s1": "nc"}', '  ]', '}', '',
    ].join('\n'));
  });

  test('an empty trace', () => {
    const t: Trace = { format: 's2check-trace/1', config: { granule: 4096, iaBits: 40, fwb: true, dic: true, nisvToUser: true, cmoPolicy: 'proposal2021', bugs: ['no-mmu-seq-retry'] }, steps: [] };
    expect(serialize(t)).toContain('"steps": []');
    expect(parseTraceText(serialize(t))).toEqual(t);
  });
});

describe('decodeStep / encodeStep', () => {
  test('hex fields become numbers and back; expect is dropped', () => {
    const ts = { op: 'mmap' as const, hva: '0x7f0000000000', size: '0x200000', prot: 'rw' as const, kind: 'pfnmap' as const, pa: '0x10000000', pgprot: 'nc' as const, expect: { outcome: 'ok' as const } };
    const s = decodeStep(ts);
    expect(s).toEqual({ op: 'mmap', hva: 0x7f00_0000_0000, size: 0x20_0000, prot: 'rw', kind: 'pfnmap', pa: 0x1000_0000, pgprot: 'nc' });
    const { expect: _e, ...rest } = ts;
    expect(encodeStep(s)).toEqual(rest);
  });

  test('non-hex numeric fields stay numbers', () => {
    expect(decodeStep({ op: 'clearDirtyLog', slot: 1, first: 64, count: 128 })).toEqual({ op: 'clearDirtyLog', slot: 1, first: 64, count: 128 });
  });
});

describe('outcome ↔ expect', () => {
  const outcomes: Outcome[] = [
    { kind: 'ok' }, { kind: 'ok', effective: 'normal-nc' }, { kind: 'mmio', ipa: 0x9000008, len: 8, write: true }, { kind: 'nisv', ipa: 0x9000000 },
    { kind: 'enosys' }, { kind: 'efault' }, { kind: 'injectDabt' }, { kind: 'injectPabt' }, { kind: 'skip' }, { kind: 'sigbus' },
    { kind: 'errno', errno: 'EEXIST' }, { kind: 'retry' },
  ];
  test.each(outcomes.map((o) => [o.kind, o] as const))('%s round-trips', (_k, o) => {
    const ipa = o.kind === 'nisv' ? o.ipa : 0;
    expect(expectToOutcome(outcomeToExpect(o), ipa)).toEqual(o);
  });

  test('expectMismatch checks only the keys given and names the first that differs', () => {
    const observed = { ...outcomeToExpect({ kind: 'errno', errno: 'EINVAL' }), mapped: false };
    expect(expectMismatch({ outcome: 'errno', errno: 'EINVAL' }, observed)).toBeNull();
    expect(expectMismatch({ outcome: 'errno', errno: 'EEXIST' }, observed)).toBe('expect.errno: expected "EEXIST", got "EINVAL"');
    expect(expectMismatch({ outcome: 'errno', writable: true }, observed)).toBe('expect.writable: expected true, got nothing');
  });

  test('an errno expect without errno is rejected', () => {
    expect(() => expectToOutcome({ outcome: 'errno' })).toThrow(/^expect.errno/);
  });
});
