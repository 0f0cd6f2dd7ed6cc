/** RunOptions.oneHostCpu (KvmImpl.oneHostCpu): vCPUs sharing one host CPU flush the TLB when they switch (kvm_arch_vcpu_load, last_vcpu_ran). */
import { runTrace, type RunOptions } from './runner';

const steps = [
  { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
  { op: 'vmmWrite', hva: '0x7f0000000000' },
  { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['LOG_DIRTY'] },
  { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' }, // dirty logging maps it read-only
  { op: 'access', vcpu: 1, ipa: '0x40000000', kind: 'read' }, // vCPU 1 caches the read-only entry
  { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'write' }, // relaxed to writable, TLBI on vCPU 0 only
  { op: 'access', vcpu: 1, ipa: '0x40000000', kind: 'write' },
];
const trace = { format: 's2check-trace/1', config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] }, steps } as Parameters<typeof runTrace>[0];

/** The stage-2 aborts the impl handled at each step. */
function aborts(opts: RunOptions): number[] {
  const out: number[] = [];
  let before = 0;
  const r = runTrace(trace, { ...opts, collectAll: true, afterStep: (_i, w) => { out.push(w.impl.kvm.stage2Aborts - before); before = w.impl.kvm.stage2Aborts; } });
  expect(r.violations).toEqual([]);
  return out;
}

describe('one host CPU for all vCPUs', () => {
  test('a vCPU of its own keeps the read-only entry and faults once more; on a shared CPU the switch flushed it', () => {
    expect(aborts({}).slice(3)).toEqual([1, 0, 1, 1]);
    expect(aborts({ oneHostCpu: true }).slice(3)).toEqual([1, 0, 1, 0]);
  });
});
