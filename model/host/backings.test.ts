/** hugetlb contiguity/alignment, pfnmap pfn math and roFault, uffd MISSING counting. */
import { HostMm } from './hostMm';
import { A, GIB, P, PMD, Recorder, inv } from './testUtil';

describe('hugetlb', () => {
  it('a first touch maps a whole huge page of contiguous pfns aligned to its size', () => {
    const mm = new HostMm();
    mm.touch(0, false); // no VMA: nothing allocated
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A, true); // one small page first, so the huge page must skip to alignment
    mm.mmap({ hva: A + GIB, size: 2 * GIB, prot: 'rw', kind: 'hugetlb', hugeSize: GIB });
    const r = mm.hvaToPfn(A + GIB + 5 * P, { write: true, writableOk: true });
    if (r.kind !== 'ok') throw new Error('expected ok');
    const base = r.pfn - 5;
    expect(base % (GIB / P)).toBe(0);
    expect(mm.pte(A + GIB + GIB - P)).toEqual({ pfn: base + GIB / P - 1, writable: true, size: GIB });
    expect(mm.hostLeafSize(A + GIB + 123 * P)).toBe(GIB);
    expect(mm.hostLeafSize(A + 2 * GIB)).toBe(0); // the second huge page is untouched
  });

  it('private: a read maps the page read-only, a write then reuses it (same pfn, no notifier)', () => {
    const mm = new HostMm();
    const rec = new Recorder();
    mm.subscribe(rec);
    mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'hugetlb' }); // default hugeSize = PMD
    const r = mm.hvaToPfn(A + P, { write: false, writableOk: true });
    if (r.kind !== 'ok') throw new Error('expected ok');
    expect(r.writable).toBe(false);
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: r.pfn, writable: true });
    expect(rec.take()).toEqual([]);
  });

  it('leaf sizes: CONT_PTE hugetlb is mapped by page leaves, CONT_PMD by PMD leaves', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 0x1_0000, prot: 'rw', kind: 'hugetlb', hugeSize: 0x1_0000 });
    mm.mmap({ hva: A + 0x200_0000, size: 0x200_0000, prot: 'rw', kind: 'hugetlb', hugeSize: 0x200_0000 });
    mm.touch(A, true);
    mm.touch(A + 0x200_0000, true);
    expect(mm.hostLeafSize(A + 0xf000)).toBe(P);
    expect(mm.hostLeafSize(A + 0x3ff_f000)).toBe(PMD);
    const a = mm.pte(A);
    const b = mm.pte(A + 0xf000);
    expect(b?.pfn).toBe((a?.pfn ?? 0) + 15);
  });

  it('munmap/mprotect off a huge-page boundary are EINVAL; MADV_DONTNEED rounds the end down', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'hugetlb' });
    mm.touch(A, true);
    mm.touch(A + PMD, true);
    expect(mm.munmap(A + P, P)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(mm.mprotect(A, P, 'r')).toEqual({ ok: false, errno: 'EINVAL' });
    expect(mm.madviseDontneed(A + P, P)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(mm.madviseDontneed(A, PMD + P)).toEqual({ ok: true });
    expect(mm.pte(A)).toBeUndefined();
    expect(mm.pte(A + PMD)).toBeDefined();
  });
});

describe('pfnmap', () => {
  it('pfn = (pa + hva - start) / PAGE; writable iff rw; no RAM allocated', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 16 * P, prot: 'rw', kind: 'pfnmap', pa: 0x1000_0000 });
    expect(mm.hvaToPfn(A + 3 * P + 4, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x1000_3, writable: true });
    expect(mm.hvaToPfn(A + 3 * P, { write: false, writableOk: false })).toEqual({ kind: 'ok', pfn: 0x1000_3, writable: false });
    expect(mm.isRamPfn(0x1000_3)).toBe(false);
    expect(mm.findVma(A)).toMatchObject({ pgprot: 'device', allowAnyUncached: false, pa: 0x1000_0000 });
    expect(mm.hostLeafSize(A + 15 * P)).toBe(P);
    // no RAM was handed out: the next anon page is the first after the zero page
    mm.mmap({ hva: A + GIB, size: P, prot: 'rw', kind: 'anon' });
    expect(mm.touch(A + GIB, true)).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
  });

  it('a pfnmap mapped rw is writable until an mprotect takes write away; mprotect(rw) does not give it back', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'pfnmap', pa: 0x9000_0000, pgprot: 'device' });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_1, writable: true });
    expect(mm.mprotect(A, P, 'r')).toEqual({ ok: true });
    expect(mm.mprotect(A, P, 'rw')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_1, writable: true });
  });

  it('a write on a read-only pfnmap is roFault; PROT_NONE is fault; split VMAs keep the pa math', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 4 * P, prot: 'r', kind: 'pfnmap', pa: 0x9000_0000, pgprot: 'normal' });
    expect(mm.hvaToPfn(A, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    expect(mm.hvaToPfn(A, { write: false, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_0, writable: false });
    expect(mm.mprotect(A + 2 * P, 2 * P, 'none')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A + 2 * P, { write: false, writableOk: true })).toEqual({ kind: 'fault' });
    expect(mm.mprotect(A + 2 * P, P, 'rw')).toEqual({ ok: true });
    expect(mm.findVma(A + 2 * P)).toMatchObject({ start: A + 2 * P, end: A + 3 * P, pa: 0x9000_2000 });
    // A pfnmap mapped read-only keeps read-only PTEs after mprotect(rw) (observed on arm64 6.1 and 6.12: npm run real).
    expect(mm.hvaToPfn(A + 2 * P, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    expect(mm.hvaToPfn(A + 2 * P, { write: false, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_2, writable: false });
    expect(mm.vmas()).toHaveLength(3); // VM_PFNMAP never merges
    expect(mm.madviseDontneed(A, P)).toEqual({ ok: false, errno: 'EINVAL' });
  });

  it('a user store dirties a pfnmap PTE and makes a read-only one of a writable VMA writable; mprotect(rw) restores dirty ones only', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 4 * P, prot: 'r', kind: 'pfnmap', pa: 0x9000_0000, pgprot: 'device' });
    expect(mm.touch(A, true)).toEqual({ kind: 'fault' }); // no write on a read-only VMA: SIGSEGV
    expect(mm.mprotect(A, 4 * P, 'rw')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    expect(mm.touch(A + P, true)).toEqual({ kind: 'ok', pfn: 0x9000_1, writable: true }); // wp_pfn_shared
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_1, writable: true });
    expect(mm.hvaToPfn(A + 2 * P, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    // change_protection keeps the dirty bit; mprotect(rw) makes a dirty shared PTE writable, a clean one not (can_change_pte_writable)
    expect(mm.mprotect(A, 2 * P, 'r')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    expect(mm.mprotect(A, 2 * P, 'rw')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'ok', pfn: 0x9000_1, writable: true });
    expect(mm.hvaToPfn(A, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
    // KVM's own write (GUP, hva_to_pfn_remapped) dirties nothing: an r/rw cycle leaves that page read-only
    mm.mmap({ hva: A + GIB, size: P, prot: 'rw', kind: 'pfnmap', pa: 0x9100_0000, pgprot: 'device' });
    expect(mm.hvaToPfn(A + GIB, { write: true, writableOk: true })).toMatchObject({ kind: 'ok', writable: true });
    expect(mm.mprotect(A + GIB, P, 'r')).toEqual({ ok: true });
    expect(mm.mprotect(A + GIB, P, 'rw')).toEqual({ ok: true });
    expect(mm.hvaToPfn(A + GIB, { write: true, writableOk: true })).toEqual({ kind: 'roFault' });
  });

  it('munmap of a pfnmap notifies its range', () => {
    const mm = new HostMm();
    const rec = new Recorder();
    mm.subscribe(rec);
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'pfnmap', pa: 0 });
    expect(mm.munmap(A - 4 * P, 16 * P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + 4 * P));
    expect(mm.hvaToPfn(A, { write: false, writableOk: true })).toEqual({ kind: 'fault' });
  });
});

describe('userfaultfd MISSING', () => {
  it('anon: each missing page touched counts one fault and is supplied (fresh, writable iff rw)', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'anon', uffd: true });
    const r = mm.hvaToPfn(A, { write: false, writableOk: true }); // no zero page under uffd
    expect(r).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
    expect(mm.uffdFaults).toBe(1);
    mm.hvaToPfn(A, { write: true, writableOk: true });
    expect(mm.uffdFaults).toBe(1); // present: no fault
    mm.madviseDontneed(A, 4 * P);
    mm.touch(A, true); // e.g. the VMM's MMIO handler writing into the hole (page_fault_test #62)
    mm.hvaToPfn(A + P, { write: false, writableOk: false });
    expect(mm.uffdFaults).toBe(3);
    expect(mm.pte(A)?.pfn).toBe(mm.zeroPfn + 2);
  });

  it('no uffd fault when the access faults first (write to a read-only VMA)', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: P, prot: 'r', kind: 'anon', uffd: true });
    expect(mm.hvaToPfn(A, { write: true, writableOk: false })).toEqual({ kind: 'fault' });
    expect(mm.uffdFaults).toBe(0);
  });

  it('file: MADV_DONTNEED keeps the page cache (no new uffd fault); a punched hole faults again', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'file', uffd: true });
    mm.touch(A, false);
    expect(mm.uffdFaults).toBe(1);
    mm.madviseDontneed(A, 2 * P);
    mm.touch(A, false);
    expect(mm.uffdFaults).toBe(1);
    mm.invalidateEnd(mm.invalidateBegin(A, P));
    mm.touch(A, false);
    expect(mm.uffdFaults).toBe(2);
  });

  it('hugetlb: one fault per huge page', () => {
    const mm = new HostMm();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'hugetlb', uffd: true });
    mm.touch(A, false);
    mm.touch(A + P, true);
    mm.touch(A + PMD + P, false);
    expect(mm.uffdFaults).toBe(2);
  });
});
