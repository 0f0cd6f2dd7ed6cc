/**
 * Registry of switchable historical behaviours (known kernel bugs, kvm-s2-facts §22 and the
 * seeds). Each is off by default and enabled only through `config.bugs`; each switch changes the
 * one place where the kernel's bug was. The harness must find every one from random generation.
 */
import { S2InputError } from '../model/types';

export interface HistoricalBug {
  readonly name: string;
  /** Seed thread (shared/seeds) or kernel commit / facts § the behaviour comes from. */
  readonly source: string;
  readonly description: string;
  /** The invariant (DESIGN §5, properties/invariants/) that must catch it. */
  readonly invariant: string;
}

export const BUGS = [
  { name: 'zero-page-device-rw', source: 'seed 000; facts §20a, §22 M1',
    description: 'kvm_is_mmio_pfn() is true for the reserved zero page: it is mapped as a read-write Device page', invariant: 'ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE' },
  { name: 'ro-device-writable', source: 'seed 000 (PAGE_S2_DEVICE read-only by default); facts §22 M10',
    description: 'device (non-RAM) pages are mapped writable even in a READONLY memslot', invariant: 'RO_SLOT_NEVER_WRITABLE' },
  { name: 'prepare-pfnmap-pgoff', source: 'seed 001; facts §13 item 3, §20b, §22 M16',
    description: 'slot creation eagerly maps VM_PFNMAP ranges from vm_pgoff, writable iff the slot is not READONLY, ignoring the host PTE', invariant: 'NO_STALE_PFN' },
  { name: 'no-mmu-seq-retry', source: 'seed 001; facts §14.4, §22 M4',
    description: 'the fault path never checks mmu_invalidate_retry: a pfn resolved before an invalidation is installed', invariant: 'NO_STALE_PFN' },
  { name: 'late-mmu-seq-sample', source: 'seed 001; 13ec9308a857 (v6.3); facts §22 M3',
    description: 'mmu_seq is sampled after the pfn was resolved, so an invalidation in between goes unnoticed', invariant: 'NO_STALE_PFN' },
  { name: 'cmo-ro-as-mmio', source: 'seed 002; facts §20c',
    description: 'CMOs on READONLY memslots take the MMIO path without syndrome; judged under cmoPolicy proposal2021', invariant: 'CMO_SEMANTICS' },
  { name: 'nc-without-allow-uncached', source: 'seed 003; facts §20d, §22 M20',
    description: 'non-cacheable device memory is mapped Normal-NC without VM_ALLOW_ANY_UNCACHED', invariant: 'DEVICE_MEMTYPE' },
  { name: 'cacheable-pfnmap-without-fwb', source: 'seed 003; 2a8dfab26677 (v6.16); facts §22 M20',
    description: 'a cacheable non-RAM PFNMAP is accepted at slot creation and mapped Normal-WB without FWB+DIC', invariant: 'DEVICE_MEMTYPE' },
  { name: 'owner-on-valid', source: 'seed 004; facts §2.4, §20e',
    description: 'the owner annotation is written into valid entries (PROT_NONE as a software bit on a live mapping)', invariant: 'OWNER_ONLY_ON_INVALID' },
  { name: 'annotation-not-refcounted', source: 'seed 004; facts §2.5, §22 M14',
    description: 'owner annotations are not counted in table refcounts, so a table holding annotations can be freed', invariant: 'OWNER_ONLY_ON_INVALID' },
  { name: 's1ptw-always-write', source: '406504c7b040 (v6.2); facts §15.2, §22 M2',
    description: 'stage-1 page-table walks are always classified as writes', invariant: 'S1PTW_CLASSIFICATION' },
  { name: 'huge-no-containment', source: '6794ad5443a2 (v5.0); facts §15.5, §22 M5',
    description: 'block mappings are allowed even when the aligned block extends past the memslot', invariant: 'NO_MAPPING_OUTSIDE_SLOTS' },
  { name: 'logging-ignores-force-pte', source: 'a80868f39855 (v5.1); facts §17, §22 M6',
    description: 'dirty logging does not force page-sized mappings', invariant: 'DIRTY_LOG_COMPLETE' },
  { name: 'partial-block-unmap-keeps-block', source: 'facts §7, §22 M17',
    description: 'unmapping part of a block leaves the block in place', invariant: 'NO_STALE_PFN' },
  { name: 'split-without-bbm', source: 'facts §6, §22 M12',
    description: 'a block is replaced by a table without break-before-make (no invalid entry, no TLBI)', invariant: 'BBM' },
  { name: 'wrprotect-without-tlbi', source: 'facts §6, §21 item 11, §22 M18',
    description: 'write-protection for dirty logging is not followed by a TLB flush', invariant: 'WRPROTECT_FLUSHED' },
  { name: 'relax-without-tlbi', source: 'a12ab1378a88 (local TLBI on relax) and its fix "KVM: arm64: Always invalidate TLB for stage-2 permission faults" (Sep 2023, Cc stable): a vCPU whose relax found nothing to do kept its stale entry; issue 16',
    description: 'a permission relaxation is not followed by the local TLBI: the faulting vCPU keeps its stale read-only entry and faults forever', invariant: 'NO_FAULT_LIVELOCK' },
  { name: 'collapse-tlbi-one-address', source: 'stage2_try_break_pte, whose table case once flushed one IPA with TTL unknown before the range TLBI over the block (version not verified here); issue 16',
    description: 'a table collapsed into a block is flushed by IPA at the block\'s base only: the other pages\' entries stay in the TLB', invariant: 'TLB_COHERENT' },
  { name: 'table-zap-tlbi-level', source: '"KVM: arm64: Don\'t pass a TLBI level hint when zapping table entries" (2024; hash not verified here): before it the table\'s own level was the hint; issue 16',
    description: 'a table entry is invalidated with its own level as the TLBI hint, which removes no leaf entry below it', invariant: 'TLB_COHERENT' },
  { name: 'unmap-without-dcache-clean', source: 'stage2_unmap_walker (a cacheable leaf is cleaned to PoC unless FWB; facts §7); issue 16 review mutation, not a kernel commit',
    description: 'an unmapped cacheable leaf is not cleaned to PoC on a system without FWB: the guest\'s last writes stay in the cache', invariant: 'UNMAP_CLEANS_DCACHE' },
  { name: 'map-without-dcache-clean', source: '__clean_dcache_guest_page in stage2_map_walker_try_leaf (facts §5.2 step 4); the problem "arm64: KVM: force cache clean on page fault when caches are off" (v3.x, hash not verified here) fixed; issue 16',
    description: 'a new cacheable page is mapped without the clean to PoC on a system without FWB: a guest with its cache off reads what memory held before the host wrote it', invariant: 'NC_ACCESS_COHERENT' },
  { name: 'exec-map-without-icache-inval', source: '__invalidate_icache_guest_page in stage2_map_walker_try_leaf (facts §5.2 step 4); issue 16 review mutation, not a kernel commit',
    description: 'an executable leaf is installed without invalidating the I-cache to PoU on a system without DIC: the guest may run stale instructions', invariant: 'EXEC_FETCH_COHERENT' },
] as const satisfies readonly HistoricalBug[];

export type BugName = (typeof BUGS)[number]['name'];

export const BUG_NAMES: readonly BugName[] = BUGS.map((b) => b.name);

/** Switch state read at each bug's one place: `bugs.has('no-mmu-seq-retry')`. */
export type BugSet = ReadonlySet<BugName>;

/** Validate `config.bugs`: an unknown name is an error that names it. */
export function parseBugs(names: readonly string[], field = 'bugs'): BugSet {
  const out = new Set<BugName>();
  names.forEach((n, i) => {
    if (!(BUG_NAMES as readonly string[]).includes(n)) {
      throw new S2InputError(`${field}[${i}]`, `unknown historical bug '${n}' (known: ${BUG_NAMES.join(', ')})`);
    }
    out.add(n as BugName);
  });
  return out;
}

export const bugByName = (name: BugName): HistoricalBug => BUGS.find((b) => b.name === name) as HistoricalBug;

/** Whether `invariant` is the one the table registers for one of the bugs `names` (a finding's cause). */
export const isRegisteredFor = (invariant: string, names: readonly string[]): boolean => BUGS.some((b) => b.invariant === invariant && names.includes(b.name));
