/** `vmmWrite`: the VMM's own store to guest memory is a host write fault, and KVM must follow its copy-on-write. */
import { implLeafAt } from './implLeaves';
import { runTrace } from './runner';
import type { World } from './executors';

const CONFIG = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] as string[] };
const HVA = 0x7f0000000000;
const IPA = 0x40000000;
const MMAP = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' };
const SLOT = { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] };
const WRITE = { op: 'vmmWrite', hva: '0x7f0000000008' };
const READ = { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' };
const trace = (steps: unknown[], bugs: string[] = []) => ({ format: 's2check-trace/1', config: { ...CONFIG, bugs }, steps }) as Parameters<typeof runTrace>[0];

/** After each step: the host's pfn at HVA, the model's and the impl's stage-2 pfn at IPA. */
function pfns(steps: unknown[]): { host?: number; model?: number; impl?: number }[] {
  const seen: { host?: number; model?: number; impl?: number }[] = [];
  const r = runTrace(trace(steps), { collectAll: true, afterStep: (_i, w: World) => {
    const leaf = implLeafAt(w.impl.kvm.pgt, IPA);
    seen.push({ host: w.model.host.pte(HVA)?.pfn, model: w.model.kvm.mapping(IPA / 4096)?.pfn, impl: leaf ? leaf.pa / 4096 : undefined });
  } });
  expect(r.violations).toEqual([]);
  return seen;
}

describe('vmmWrite', () => {
  test('a VMM store to the zero page KVM maps copies it, and the notifier drops that mapping (wp_page_copy)', () => {
    const [, , read, written, reread] = pfns([MMAP, SLOT, READ, WRITE, READ]);
    expect(read.model).toBe(read.host); // the zero page, read-only
    expect(read.impl).toBe(read.host);
    expect(written.host).not.toBe(read.host);
    expect(written).toEqual({ host: written.host, model: undefined, impl: undefined });
    expect(reread).toEqual({ host: written.host, model: written.host, impl: written.host });
  });

  test('a store to a page the VMM owns already changes no mapping; one it may not write is EFAULT', () => {
    const [, , first, , again] = pfns([MMAP, SLOT, WRITE, READ, WRITE]);
    expect(first.host).toBeDefined();
    expect(again).toEqual({ host: first.host, model: first.host, impl: first.host });
    const r = runTrace(trace([{ ...MMAP, prot: 'r' }, WRITE, { op: 'vmmWrite', hva: '0x7f0000400000' }]), { collectAll: true });
    expect(r.outcomes.slice(1).map((o) => o.model?.outcome)).toEqual([{ kind: 'errno', errno: 'EFAULT' }, { kind: 'errno', errno: 'EFAULT' }]);
  });

  test('a VMM store racing a guest fault: without the mmu_seq retry KVM installs the zero page the store replaced (NO_STALE_PFN fails)', () => {
    const race = [MMAP, SLOT, { op: 'faultBegin', vcpu: 0, ipa: '0x40000000', kind: 'read' }, WRITE, { op: 'faultCommit', vcpu: 0 }];
    expect(runTrace(trace(race), { collectAll: true }).violations).toEqual([]);
    const bad = runTrace(trace(race, ['no-mmu-seq-retry']), { collectAll: true }).violations;
    expect(bad.map((v) => [v.invariant, v.step])).toContainEqual(['NO_STALE_PFN', 4]);
  });
});
