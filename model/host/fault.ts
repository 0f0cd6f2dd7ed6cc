/** Host page faults: lazy, deterministic population of host PTEs, zero page, COW, uffd MISSING (facts §16, §19.1). */
import { alignDown } from './constants';
import { withPfn, type HostPte } from './hostPtes';
import type { MmState } from './state';
import { holdsPmd, type VmaRec } from './vmas';
import { splitThp } from './zap';

/** A resolved host PTE or a fault (no VMA, PROT_NONE, write to a read-only VMA). */
export type FaultResult = { kind: 'ok'; pte: HostPte } | { kind: 'fault' };

/**
 * The PTE of a pfnmap VMA: eagerly present like remap_pfn_range; pfn = (pa + hva − start)/PAGE (facts
 * §15.4 step 4); writable iff the VMA is rw and never was otherwise (VmaRec.pfnReadOnly), or the PTE is dirty (VmaRec.pfnDirty).
 */
export function pfnmapPte(st: MmState, rec: VmaRec, hva: number): HostPte {
  const v = rec.vma;
  const page = alignDown(hva, st.pageSize);
  const pfn = ((v.pa ?? 0) + (page - v.start)) / st.pageSize;
  return { hva: page, size: st.pageSize, pfn, writable: v.prot === 'rw' && (rec.pfnReadOnly !== true || rec.pfnDirty?.has(page) === true), kind: 'page' };
}

/** Count a userfaultfd MISSING fault; the handler supplies the page by UFFDIO_COPY (page_fault_test uffd handler). */
function uffdMissing(st: MmState): void {
  st.uffdFaults += 1;
}

/**
 * THP=always, first fault of an anon PMD range (__handle_mm_fault → do_huge_pmd_anonymous_page):
 * only where no PTE table exists yet (pmd_none), the whole aligned PMD lies inside the VMA
 * (thp_vma_suitable_order) and no uffd MISSING registration hands the fault to userspace. A read
 * maps the huge zero page read-only, a write a fresh THP. Undefined: fall back to a PTE.
 */
function firstFaultThp(st: MmState, rec: VmaRec, hva: number, write: boolean): HostPte | undefined {
  const v = rec.vma;
  const base = alignDown(hva, st.pmdSize);
  if (!st.thpAlways || v.kind !== 'anon' || v.uffd === true || st.ptes.hasTable(base) || !holdsPmd(v, base, st.pmdSize)) return undefined;
  st.vmas.prepareAnonVma(hva); // before the huge zero page too (do_huge_pmd_anonymous_page)
  const npages = st.pmdSize / st.pageSize;
  const pfn = write ? st.alloc.alloc(npages) : st.alloc.hugeZeroPfn(npages);
  return st.ptes.setPmd(base, pfn, write && v.prot === 'rw');
}

/**
 * A fault on a PMD-sized page-cache folio (a collapsed shmem range) maps it with one PMD where no
 * PTE table is left and the VMA holds the aligned range at an aligned file offset
 * (finish_fault → do_set_pmd); undefined: map the page.
 */
function fileHugeUnit(st: MmState, rec: VmaRec, hva: number): HostPte | undefined {
  const v = rec.vma;
  const base = alignDown(hva, st.pmdSize);
  const off = (rec.fileOff ?? 0) + base - v.start;
  if (!holdsPmd(v, base, st.pmdSize) || off % st.pmdSize !== 0 || st.ptes.hasTable(base)) return undefined;
  const fileId = rec.fileId ?? -1;
  const pfn = st.cache.get(fileId, off / st.pageSize);
  if (pfn === undefined || !st.cache.isHuge(fileId, off / st.pageSize)) return undefined;
  return st.ptes.setPmd(base, pfn, v.prot === 'rw');
}

/** Populate an unmapped page of an anon/file/hugetlb VMA (do_anonymous_page, do_read_fault, hugetlb_no_page). */
function populate(st: MmState, rec: VmaRec, hva: number, write: boolean): HostPte {
  const v = rec.vma;
  const rw = v.prot === 'rw';
  const thp = firstFaultThp(st, rec, hva, write);
  if (thp !== undefined) return thp;
  if (v.kind === 'hugetlb') {
    const hs = v.hugeSize ?? st.pmdSize;
    if (v.uffd) uffdMissing(st);
    // private hugetlb: a read fault maps the new page read-only; a write (or UFFDIO_COPY) writable
    const pte: HostPte = { hva: alignDown(hva, hs), size: hs, pfn: st.alloc.alloc(hs / st.pageSize), writable: v.uffd ? rw : write, kind: 'huge' };
    st.ptes.set(pte);
    return pte;
  }
  const page = alignDown(hva, st.pageSize);
  let pfn: number;
  let writable: boolean;
  if (v.kind === 'file') {
    const huge = fileHugeUnit(st, rec, hva);
    if (huge !== undefined) return huge;
    // shared shmem-like file: page cache page, PTE writable iff VM_WRITE (no write-notify)
    const idx = ((rec.fileOff ?? 0) + page - v.start) / st.pageSize;
    const cached = st.cache.get(rec.fileId ?? -1, idx);
    if (cached === undefined && v.uffd) uffdMissing(st);
    pfn = cached ?? st.alloc.alloc(1);
    if (cached === undefined) st.cache.set(rec.fileId ?? -1, idx, pfn);
    writable = rw;
  } else if (v.uffd || write) {
    if (v.uffd) uffdMissing(st);
    st.vmas.prepareAnonVma(hva); // do_anonymous_page's own page, or UFFDIO_COPY's (mfill_atomic)
    pfn = st.alloc.alloc(1);
    writable = rw;
  } else {
    pfn = st.alloc.zeroPfn; // read fault on untouched anon: shared zero page, read-only
    writable = false;
  }
  const pte: HostPte = { hva: page, size: st.pageSize, pfn, writable, kind: 'page' };
  st.ptes.set(pte);
  return pte;
}

/**
 * Write fault on a present read-only PTE of a writable VMA: COW the zero page (notifier) or reuse
 * (do_wp_page). The huge zero page is first split into small-zero-page PTEs, notified over its PMD
 * (do_huge_pmd_wp_page falls back), and the page written is then copied alone.
 */
function writeProtectFault(st: MmState, hva: number, u: HostPte): HostPte {
  if (u.kind === 'thp' && st.alloc.isZero(u.pfn)) {
    st.notifier.around(u.hva, u.hva + u.size, () => splitThp(st, u));
    const page = st.ptes.lookup(hva);
    if (page !== undefined) return writeProtectFault(st, hva, page);
  }
  if (u.pfn !== st.alloc.zeroPfn) {
    const reused = withPfn(u, u.pfn, true); // exclusive anon / shared file: same pfn, no notifier
    st.ptes.set(reused);
    return reused;
  }
  st.vmas.prepareAnonVma(hva); // wp_page_copy
  const fresh = withPfn(u, st.alloc.alloc(1), true);
  // wp_page_copy notifies, and installs the copy with set_pte_at_notify (change_pte, before v6.9)
  st.notifier.around(u.hva, u.hva + u.size, () => { st.ptes.set(fresh); st.notifier.changePte(u.hva, fresh.pfn); });
  return fresh;
}

/** A host access (CPU fault or GUP) at `hva`: checks the VMA, then populates or breaks COW as needed. */
export function faultIn(st: MmState, hva: number, write: boolean): FaultResult {
  const rec = st.vmas.find(hva);
  if (rec === undefined || rec.vma.prot === 'none') return { kind: 'fault' };
  if (write && rec.vma.prot !== 'rw') return { kind: 'fault' };
  if (rec.vma.kind === 'pfnmap') return { kind: 'ok', pte: pfnmapPte(st, rec, hva) };
  const u = st.ptes.lookup(hva);
  if (u === undefined) return { kind: 'ok', pte: populate(st, rec, hva, write) };
  return { kind: 'ok', pte: write && !u.writable ? writeProtectFault(st, hva, u) : u };
}

/** The pfn of the page at `hva` inside unit `u`. */
export function pfnAt(st: MmState, u: HostPte, hva: number): number {
  return u.pfn + (alignDown(hva, st.pageSize) - u.hva) / st.pageSize;
}
