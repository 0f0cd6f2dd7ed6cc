/** CMO_SEMANTICS under a protected VM: the syndrome-less MMIO path injects a data abort (io_mem_abort, vcpu_is_protected). */
import { runTrace } from '../runner/runner';
import { parseTraceText } from '../trace/parse';
import type { Trace } from '../trace/schema';
import type { Invariant, Snapshot } from './types';
import type { InvSnapshot } from './lib/view';
import { cmoSemantics } from './cmoSemantics';

/** dc_ivac on an untouched page of a READONLY slot: a write-classified translation fault without ISV. */
const trace = (protectedVm: boolean): Trace => parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', protectedVm, bugs: [] },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['READONLY'] },
    { op: 'access', vcpu: 0, ipa: '0x401ff008', kind: 'dc_ivac' },
  ],
}));

/** The invariant with the impl's outcome of the last step replaced by `kind`. */
const forgedOutcome = (kind: 'enosys' | 'injectDabt'): Invariant => ({
  ...cmoSemantics,
  check: (s: Snapshot) => cmoSemantics.check(s.stepIndex === 2 ? { ...(s as InvSnapshot), implOutcome: { kind } } : (s as InvSnapshot)),
} as Invariant);

const violations = (t: Trace, inv: Invariant): string[] => runTrace(t, { invariants: [inv], collectAll: true }).violations.map((v) => v.message);

describe('CMO_SEMANTICS on a READONLY slot, mainline policy', () => {
  test('a protected VM gets an injected data abort, model and impl alike, and the invariant accepts it', () => {
    const r = runTrace(trace(true), { collectAll: true });
    expect(r.outcomes[2]).toMatchObject({ model: { outcome: { kind: 'injectDabt' } }, impl: { outcome: { kind: 'injectDabt' } } });
    expect(r.violations).toEqual([]);
    expect(violations(trace(true), cmoSemantics as Invariant)).toEqual([]);
  });

  test('a protected VM never exits to userspace for it: ENOSYS fires', () => {
    expect(violations(trace(true), forgedOutcome('enosys'))).toEqual([expect.stringContaining('dc_ivac at 0x401ff008: enosys')]);
  });

  test('a normal VM takes the NISV path (ENOSYS here); an injected abort fires', () => {
    expect(violations(trace(false), cmoSemantics as Invariant)).toEqual([]);
    expect(violations(trace(false), forgedOutcome('injectDabt'))).toEqual([expect.stringContaining('injectDabt, expected ok|nisv|enosys')]);
  });
});

/** proposal2021: a READONLY slot with an ioremap page in it; `writable` as the ioremap asks. */
const ioremapInRo = (writable: boolean): Trace => parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'proposal2021', bugs: [] },
  steps: [
    { op: 'mmap', hva: '0x7f0040000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 1, gpa: '0x80001000', size: '0x2000', hva: '0x7f0040000000', flags: ['READONLY'] },
    { op: 'ioremap', ipa: '0x80001000', pa: '0x8000000', size: '0x1000', writable },
    { op: 'access', vcpu: 0, ipa: '0x80001008', kind: 'dc_ivac' },
    { op: 'access', vcpu: 0, ipa: '0x80002008', kind: 'dc_ivac' },
  ],
}));

describe('CMO_SEMANTICS on a READONLY slot, proposal2021 policy, with an ioremap page inside', () => {
  test('DC IVAC on the writable ioremap leaf takes no fault (ok) and is not judged; the slot\'s own RAM next to it still injects', () => {
    const r = runTrace(ioremapInRo(true), { collectAll: true });
    expect(r.outcomes[3]).toMatchObject({ model: { outcome: { kind: 'ok' } }, impl: { outcome: { kind: 'ok' } } });
    expect(r.outcomes[4]).toMatchObject({ impl: { outcome: { kind: 'injectDabt' } } });
    expect(r.violations).toEqual([]);
  });

  test('the slot\'s own RAM is still judged: an ok there fires', () => {
    const forged: Invariant = { ...cmoSemantics, check: (s: Snapshot) => cmoSemantics.check(s.stepIndex === 4 ? { ...(s as InvSnapshot), implOutcome: { kind: 'ok' } } : (s as InvSnapshot)) } as Invariant;
    expect(violations(ioremapInRo(true), forged)).toEqual([expect.stringContaining('dc_ivac at 0x80002008: ok, expected injectDabt')]);
  });
});
