/** The guest TLB (impl/tlb.ts): fills, hits served from stale entries, and the architecture's invalidation forms (Arm ARM D8.13). */
import { DEFAULT_CONFIG, type Config } from '../model/types';
import { HostMm } from '../model/host/hostMm';
import { KvmImpl } from './kvm/index';
import { TLBI_LEVEL_UNKNOWN } from './effects';
import type { TlbEntry } from './tlb';

const GPA = 0x4000_0000;
const HVA = 0x7f00_0000_0000;
const M2 = 0x20_0000;

function world(config: Partial<Config> = {}, kind: 'anon' | 'hugetlb' = 'anon'): KvmImpl {
  const host = new HostMm();
  const kvm = new KvmImpl({ ...DEFAULT_CONFIG, ...config }, host);
  expect(host.mmap({ hva: HVA, size: M2, prot: 'rw', kind, ...(kind === 'hugetlb' ? { hugeSize: M2 } : {}) }).ok).toBe(true);
  expect(kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: [] }).kind).toBe('ok');
  return kvm;
}

const entries = (kvm: KvmImpl): TlbEntry[] => [...kvm.tlb.entries()];

describe('Tlb', () => {
  test('a completed access caches its leaf on the vCPU that made it, with level, output and words', () => {
    const kvm = world();
    expect(kvm.access(1, GPA + 0x1008, 'write').kind).toBe('ok');
    const [e] = entries(kvm);
    expect(entries(kvm)).toHaveLength(1);
    expect(e).toMatchObject({ vcpu: 1, ipa: GPA + 0x1000, size: 0x1000, level: 3 });
  });

  test('a TLBI by IPA removes the entry on every vCPU; with a level hint only entries of that level', () => {
    const kvm = world();
    kvm.access(0, GPA, 'read');
    kvm.access(1, GPA, 'read');
    expect(entries(kvm)).toHaveLength(2);
    kvm.tlb.invalidateIpa(GPA, 2, false); // wrong hint: the entries are level 3
    expect(entries(kvm)).toHaveLength(2);
    kvm.tlb.invalidateIpa(GPA + 0x10, TLBI_LEVEL_UNKNOWN, false);
    expect(entries(kvm)).toHaveLength(0);
  });

  test('the local (nsh) form reaches only the current vCPU; range and VMID flushes reach all', () => {
    const kvm = world();
    kvm.access(0, GPA, 'read');
    kvm.access(1, GPA, 'read');
    kvm.tlb.current = 1;
    kvm.tlb.invalidateIpa(GPA, 3, true);
    expect(entries(kvm).map((e) => e.vcpu)).toEqual([0]);
    kvm.access(1, GPA + 0x3000, 'read');
    kvm.tlb.invalidateRange(GPA + 0x2000, 0x2000);
    expect(entries(kvm).map((e) => e.ipa)).toEqual([GPA]);
    kvm.tlb.invalidateAll();
    expect(entries(kvm)).toHaveLength(0);
  });

  test('an access that hits is served from the entry, even when the tables changed without a TLBI (wrprotect-without-tlbi: a write is not logged)', () => {
    for (const bugs of [[], ['wrprotect-without-tlbi']]) {
      const kvm = world({ bugs });
      expect(kvm.access(0, GPA, 'write').kind).toBe('ok'); // rw, cached
      expect(kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] }).kind).toBe('ok');
      expect(kvm.access(0, GPA, 'write').kind).toBe('ok');
      const dirty = [...(kvm.memslots.get(0)?.dirty ?? [])];
      expect(dirty).toEqual(bugs.length === 0 ? [0] : []); // the stale writable entry served the write: no fault, no dirty bit
    }
  });

  test('a translation that gave a permission fault is cached too, and the relax that fixes it flushes it locally (kvm_pgtable_stage2_relax_perms)', () => {
    const kvm = world();
    expect(kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(kvm.access(0, GPA, 'exec').kind).toBe('ok'); // XN → permission fault, cached, relaxed + nsh TLBI, retried
    const relax = kvm.effects.events.filter((ev) => ev.op === 'tlbiIpa' && ev.nsh === true);
    expect(relax.length).toBeGreaterThan(0);
  });

  test('relax-without-tlbi: the stale non-executable entry keeps faulting, a livelock', () => {
    const kvm = world({ bugs: ['relax-without-tlbi'] });
    expect(kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(kvm.access(0, GPA, 'exec').kind).toBe('livelock');
  });

  test('another vCPU\'s stale read-only entry after a local relax costs it one spurious fault, then its own local flush', () => {
    const host = new HostMm();
    const kvm = new KvmImpl(DEFAULT_CONFIG, host);
    expect(host.mmap({ hva: HVA, size: 0x1000, prot: 'rw', kind: 'anon' }).ok).toBe(true);
    expect(kvm.setMemslot({ slot: 0, gpa: GPA, size: 0x1000, hva: HVA, flags: [] }).kind).toBe('ok');
    expect(kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(kvm.setMemslot({ slot: 0, gpa: GPA, size: 0x1000, hva: HVA, flags: ['LOG_DIRTY'] }).kind).toBe('ok'); // write-protect + flush
    expect(kvm.access(0, GPA, 'read').kind).toBe('ok'); // read-only page, cached on vCPU 0
    expect(kvm.access(1, GPA, 'read').kind).toBe('ok'); // and on vCPU 1
    expect(kvm.access(1, GPA, 'write').kind).toBe('ok'); // vCPU 1 relaxes, flushes only itself
    expect(entries(kvm).some((e) => e.vcpu === 0 && e.ipa === GPA)).toBe(true);
    kvm.effects.clear();
    expect(kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(kvm.effects.events.filter((ev) => ev.op === 'tlbiIpa' && ev.nsh === true)).toHaveLength(1);
  });
});

describe('walk caches', () => {
  test('a walk caches the table entries it passed; a TLBI with a level hint keeps them, one without removes them', () => {
    const kvm = world();
    kvm.access(0, GPA, 'read');
    const walks = [...kvm.tlb.walkEntries()];
    expect(walks.map((e) => e.level)).toEqual([1, 2]);
    kvm.tlb.invalidateIpa(GPA, 3, false);
    expect([...kvm.tlb.walkEntries()]).toHaveLength(2);
    kvm.tlb.invalidateIpa(GPA, TLBI_LEVEL_UNKNOWN, false);
    expect([...kvm.tlb.walkEntries()]).toHaveLength(0);
  });

  test('table-zap-tlbi-level: unmapping every page under a table frees it with a level hint, and the cached table entry outlives it', () => {
    for (const bugs of [[], ['table-zap-tlbi-level']]) {
      const kvm = world({ bugs });
      kvm.access(0, GPA, 'read');
      kvm.setMemslot({ slot: 0, gpa: GPA, size: 0, hva: HVA, flags: [] }); // delete: unmap, the level-3 table freed
      expect([...kvm.tlb.walkEntries()].filter((e) => e.level === 2)).toHaveLength(bugs.length === 0 ? 0 : 1);
    }
  });
});
