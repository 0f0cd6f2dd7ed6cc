/** eagerSplit (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE): enabling dirty logging splits the slot's blocks into read-only pages at once (kvm_arch_commit_memory_region → kvm_mmu_split_memory_region). */
import { runTrace } from '../../properties/runner/runner';
import { parseTraceText } from '../../properties/trace';

const trace = (eagerSplit: boolean, size: string) => parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [], ...(eagerSplit ? { eagerSplit } : {}) },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'hugetlb', hugeSize: '0x200000' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] },
    { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'write', expect: { outcome: 'ok', size: '0x200000', writable: true } },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['LOG_DIRTY'] },
    { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'read', expect: { outcome: 'ok', size, writable: false } },
  ],
}));

test('with eagerSplit the 2 MiB block is pages, write-protected, right after logging is enabled; every check holds', () => {
  const r = runTrace(trace(true, '0x1000'));
  expect(r.violations).toEqual([]);
  expect(r.expectFailures).toEqual([]);
});

test('without it the write-protected block stays until a write fault splits it (no eager split by default)', () => {
  const r = runTrace(trace(false, '0x200000'));
  expect(r.violations).toEqual([]);
  expect(r.expectFailures).toEqual([]);
});

test('the eager split is break-before-make: split-without-bbm makes it fire BBM at the setMemslot', () => {
  const t = trace(true, '0x1000');
  const r = runTrace({ ...t, config: { ...t.config, bugs: ['split-without-bbm'] } });
  expect(r.violations[0]).toMatchObject({ invariant: 'BBM', step: 3 });
});
