/**
 * The smallest scope that can show each historical bug (impl/bugs.ts): `tiny` plus what the bug
 * needs to be reachable — a split fault for the mmu_invalidate_seq races, a hugetlb backing for
 * block mappings, the 2021 CMO policy, a read-only or cacheable pfnmap, pKVM owner annotations, a
 * stage-1 walk, a read with the guest's cache off. `npm run mutants -- --explore` explores each with its bug on.
 */
import type { BugName } from '../../impl/bugs';
import { SCOPES, type ScopeFile } from './scope';

const TINY = SCOPES.tiny;
const HUGETLB = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'hugetlb', hugeSize: '0x200000' };

type Extra = Partial<Pick<ScopeFile, 'configs' | 'kinds' | 'split'>> & { vmas?: unknown[]; slots?: unknown[]; steps?: unknown[] };

const EXTRA: Record<BugName, Extra> = {
  'zero-page-device-rw': {},
  'ro-device-writable': {},
  'prepare-pfnmap-pgoff': { vmas: [{ op: 'mmap', hva: '0x7f0040000000', size: '0x1000', prot: 'r', kind: 'pfnmap', pa: '0x10000000' }] },
  'no-mmu-seq-retry': { split: true, kinds: ['read', 'write'] },
  'late-mmu-seq-sample': { split: true, kinds: ['read', 'write'] },
  'cmo-ro-as-mmio': { configs: [{ cmoPolicy: 'proposal2021' }], kinds: ['read', 'dc_ivac', 'dc_civac'] },
  'nc-without-allow-uncached': {},
  'cacheable-pfnmap-without-fwb': { vmas: [{ op: 'mmap', hva: '0x7f0040000000', size: '0x1000', prot: 'rw', kind: 'pfnmap', pgprot: 'normal', pa: '0x10000000' }] },
  'owner-on-valid': { steps: [{ op: 'setOwner', ipa: '0x40000000', size: '0x1000', owner: 1 }, { op: 'hostAccess', ipa: '0x40000000', kind: 'read' }] },
  'annotation-not-refcounted': { steps: [{ op: 'setOwner', ipa: '0x40000000', size: '0x1000', owner: 1 }, { op: 'setOwner', ipa: '0x40000000', size: '0x1000', owner: 0 }] },
  's1ptw-always-write': { kinds: ['read', 's1ptw_read'] },
  'huge-no-containment': { vmas: [HUGETLB], slots: [{ op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x100000', hva: '0x7f0000000000', flags: [] }] },
  'logging-ignores-force-pte': { vmas: [HUGETLB] },
  'partial-block-unmap-keeps-block': { vmas: [HUGETLB], steps: [{ op: 'munmap', hva: '0x7f0000000000', size: '0x200000' }, { op: 'madviseDontneed', hva: '0x7f0000000000', size: '0x1000' }] },
  'split-without-bbm': { vmas: [HUGETLB] },
  'wrprotect-without-tlbi': {},
  'relax-without-tlbi': {},
  'collapse-tlbi-one-address': { vmas: [HUGETLB] },
  'table-zap-tlbi-level': { vmas: [HUGETLB] },
  'unmap-without-dcache-clean': {},
  'map-without-dcache-clean': { steps: [{ op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read', s1: 'nc' }] },
  'exec-map-without-icache-inval': { kinds: ['read', 'write', 'exec'] },
};

/** The scope `npm run mutants -- --explore` uses for `bug` (its bug not yet enabled: the caller adds it). */
export function bugScope(bug: BugName): ScopeFile {
  const x = EXTRA[bug];
  return {
    ...TINY,
    name: `tiny+${bug}`,
    configs: x.configs ?? TINY.configs,
    kinds: x.kinds ?? TINY.kinds,
    split: x.split ?? TINY.split,
    vmas: [...TINY.vmas, ...(x.vmas ?? [])],
    slots: [...TINY.slots, ...(x.slots ?? [])],
    steps: [...TINY.steps, ...(x.steps ?? [])],
  };
}
