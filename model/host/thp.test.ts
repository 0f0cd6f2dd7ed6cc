/** THP collapse/split and page migration: pfns, alignment, notifier ranges. */
import { HostMm } from './hostMm';
import { A, P, PMD, Recorder, inv } from './testUtil';

function setup(): { mm: HostMm; rec: Recorder } {
  const mm = new HostMm();
  const rec = new Recorder();
  mm.subscribe(rec);
  return { mm, rec };
}

describe('THP', () => {
  it('collapse: new aligned contiguous pfns, old PTEs replaced under one PMD invalidation', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    const old = mm.touch(A + 7 * P, true);
    expect(mm.thpCollapse(A + 9 * P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + PMD));
    const p = mm.pte(A + 7 * P);
    expect(p?.size).toBe(PMD);
    expect(p?.pfn).not.toBe(old.kind === 'ok' ? old.pfn : -1);
    const first = mm.pte(A)?.pfn ?? -1;
    expect(first % (PMD / P)).toBe(0);
    expect(p?.pfn).toBe(first + 7);
    expect(mm.hostLeafSize(A + PMD - P)).toBe(PMD);
    expect(mm.thpCollapse(A)).toEqual({ ok: true }); // already huge: no-op
    expect(rec.take()).toEqual([]);
  });

  it('shmem collapse (seen on 6.1 and 6.12): the page cache counts; new pfns mapped at once by one PMD under one invalidation, copies reported', () => {
    const { mm, rec } = setup();
    const copies: number[][] = [];
    mm.observeCopies((src, dst, n) => copies.push([src, dst, n]));
    mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'file' });
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' }); // nothing cached
    const old = mm.touch(A + 3 * P, true);
    mm.madviseDontneed(A, PMD); // zapped from the page tables, still in the page cache
    mm.mprotect(A, PMD, 'none'); // the protection does not matter either
    rec.take();
    expect(mm.thpCollapse(A)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + PMD));
    mm.mprotect(A, PMD, 'rw');
    const now = mm.touch(A + 3 * P, false);
    const fresh = now.kind === 'ok' ? now.pfn : -1;
    expect(fresh).not.toBe(old.kind === 'ok' ? old.pfn : -1);
    expect(copies).toEqual([[old.kind === 'ok' ? old.pfn : -1, fresh, 1]]);
    expect((fresh - 3) % (PMD / P)).toBe(0); // one aligned huge folio
    expect(mm.pte(A + 3 * P)).toMatchObject({ size: PMD, writable: true }); // collapse_pte_mapped_thp
    mm.madviseDontneed(A, PMD);
    expect(mm.touch(A + 5 * P, false)).toMatchObject({ kind: 'ok', pfn: fresh + 2 });
    expect(mm.pte(A)?.size).toBe(PMD); // refaulted as one PMD (do_set_pmd): no PTE table is left
    rec.take();
    expect(mm.thpCollapse(A)).toEqual({ ok: true }); // already one folio: nothing to do
    expect(rec.take()).toEqual([]);
  });

  it('shmem collapse: a misaligned file offset is EINVAL; a uffd hole EBUSY, collapsed under profile 6.1', () => {
    const { mm } = setup();
    mm.mmap({ hva: A + P, size: 2 * PMD, prot: 'rw', kind: 'file' });
    mm.touch(A + PMD, true);
    expect(mm.thpCollapse(A + PMD)).toEqual({ ok: false, errno: 'EINVAL' });
    for (const [kernel, want] of [['mainline', { ok: false, errno: 'EBUSY' }], ['6.12', { ok: false, errno: 'EBUSY' }], ['6.1', { ok: true }]] as const) {
      const m = new HostMm({ kernel });
      m.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'file', uffd: true });
      m.touch(A, true);
      expect({ kernel, r: m.thpCollapse(A) }).toEqual({ kernel, r: want });
      // refused: collapse_file unmapped the present pages before it looked at uffd; collapsed: one PMD
      expect(m.pte(A)?.size).toBe(want.ok ? PMD : undefined);
    }
  });

  it('split keeps the pfns and notifies the PMD range; migrate moves the whole THP', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A, true);
    mm.thpCollapse(A);
    const before = mm.pte(A + 5 * P);
    mm.migrate(A + 5 * P);
    const moved = mm.pte(A + 5 * P);
    expect(moved?.size).toBe(PMD);
    expect(moved?.pfn).not.toBe(before?.pfn);
    expect(((moved?.pfn ?? 0) - 5) % (PMD / P)).toBe(0);
    rec.take();
    expect(mm.thpSplit(A + 5 * P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + PMD));
    expect(mm.pte(A + 5 * P)).toEqual({ ...moved, size: P });
    expect(mm.thpSplit(A)).toEqual({ ok: true }); // no THP any more: no-op
    expect(rec.take()).toEqual([]);
  });

  it('collapse needs one anon VMA covering the PMD range', () => {
    const { mm } = setup();
    // Seen on arm64 6.1 and 6.12 (npm run real): a VMA that cannot hold an aligned PMD is EINVAL
    // (thp_vma_allowable_order), with a hole after it or another VMA filling the range.
    mm.mmap({ hva: A, size: PMD - P, prot: 'rw', kind: 'anon' });
    mm.touch(A, true);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.mmap({ hva: A + PMD - P, size: P, prot: 'r', kind: 'anon' });
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(mm.pte(A)?.size).toBe(P);
    mm.mmap({ hva: A + PMD, size: PMD, prot: 'rw', kind: 'file' });
    expect(mm.thpCollapse(A + PMD)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.mmap({ hva: A + 2 * PMD, size: PMD, prot: 'rw', kind: 'anon', uffd: true });
    expect(mm.thpCollapse(A + 2 * PMD)).toEqual({ ok: false, errno: 'EINVAL' }); // uffd-armed with empty PTEs
  });

  it('THP=never: collapse needs a page mapped writable (SCAN_PAGE_RO, seen on 6.1 and 6.12): EINVAL when empty, zapped, zero pages only, read-only or PROT_NONE; ENOMEM without any VMA', () => {
    const { mm } = setup();
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'ENOMEM' });
    mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon' });
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.touch(A + P, true);
    mm.madviseDontneed(A, PMD);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.touch(A + P, false);
    expect(mm.pte(A + P)?.pfn).toBe(mm.zeroPfn);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' }); // only the zero page
    mm.touch(A, true);
    mm.mprotect(A, PMD, 'r');
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' }); // nothing writable
    mm.mprotect(A, PMD, 'none');
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.mprotect(A, PMD, 'rw');
    expect(mm.thpCollapse(A)).toEqual({ ok: true }); // the exclusive page became writable again
    expect(mm.pte(A)?.size).toBe(PMD);
  });

  it('THP=always: a first read maps the huge zero page, a first write a THP, both already collapsed; a split huge zero page leaves zero-page PTEs (EINVAL) (seen on 6.1 and 6.12)', () => {
    const mm = new HostMm({ thp: 'always' });
    const rec = new Recorder();
    mm.subscribe(rec);
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    expect(mm.hvaToPfn(A + 3 * P, { write: false, writableOk: true })).toMatchObject({ kind: 'ok', writable: false });
    const hz = mm.pte(A)?.pfn ?? -1;
    expect([mm.isZeroPfn(hz), hz % (PMD / P), mm.pte(A + 3 * P)?.pfn, mm.pte(A)?.size]).toEqual([true, 0, hz + 3, PMD]);
    expect(mm.thpCollapse(A)).toEqual({ ok: true }); // SCAN_PMD_MAPPED
    expect(rec.take()).toEqual([]);
    // a write splits the huge zero page (PMD notified) and copies the one page written (page notified)
    expect(mm.hvaToPfn(A + 3 * P, { write: true, writableOk: true })).toMatchObject({ kind: 'ok', writable: true });
    expect(rec.take()).toEqual([...inv(A, A + PMD), ...inv(A + 3 * P, A + 4 * P)]);
    expect([mm.pte(A)?.pfn, mm.pte(A)?.size, mm.isZeroPfn(mm.pte(A + 3 * P)?.pfn ?? hz)]).toEqual([mm.zeroPfn, P, false]);
    expect(mm.thpCollapse(A)).toEqual({ ok: true }); // a writable page: collapses
    // a first write maps a whole writable THP; mprotect keeps it PMD-mapped, so it stays collapsed
    mm.touch(A + PMD + P, true);
    expect(mm.pte(A + PMD)).toMatchObject({ size: PMD, writable: true });
    mm.mprotect(A + PMD, PMD, 'none');
    expect(mm.thpCollapse(A + PMD)).toEqual({ ok: true });
    // zapping one page of a huge zero PMD splits it into small-zero-page PTEs: nothing writable
    const m2 = new HostMm({ thp: 'always' });
    m2.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon' });
    m2.touch(A, false);
    m2.madviseDontneed(A + P, P);
    expect([m2.pte(A)?.pfn, m2.pte(A + P), m2.pte(A + 2 * P)?.pfn]).toEqual([m2.zeroPfn, undefined, m2.zeroPfn]);
    expect(m2.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
  });

  it('THP=always falls back to pages where a PMD cannot be: the VMA does not hold the aligned PMD, a PTE table is left, or uffd handles the fault', () => {
    const mm = new HostMm({ thp: 'always' });
    mm.mmap({ hva: A + P, size: PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A + 2 * P, true);
    expect(mm.pte(A + 2 * P)?.size).toBe(P);
    mm.mmap({ hva: A + 2 * PMD, size: PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A + 2 * PMD, true);
    expect(mm.pte(A + 2 * PMD)?.size).toBe(PMD);
    mm.madviseDontneed(A + 2 * PMD, P); // splits the THP: a PTE table
    mm.madviseDontneed(A + 2 * PMD, PMD); // empties it; the table stays
    mm.touch(A + 2 * PMD + P, true);
    expect(mm.pte(A + 2 * PMD + P)?.size).toBe(P);
    mm.mmap({ hva: A + 4 * PMD, size: PMD, prot: 'rw', kind: 'anon', uffd: true });
    mm.touch(A + 4 * PMD, false);
    expect([mm.pte(A + 4 * PMD)?.size, mm.uffdFaults]).toEqual([P, 1]);
  });

  it('an anon VMA never given a page of its own has no anon_vma: EINVAL, even beside a hole; VMAs with different anon_vmas do not merge (seen on 6.1 and 6.12)', () => {
    const { mm } = setup();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    mm.munmap(A, P);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.touch(A + PMD + P, false); // the zero page: still no anon_vma
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    mm.touch(A + PMD + 2 * P, true);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'ENOMEM' }); // nothing to scan, the hole
    const X = A + 8 * PMD, MB = PMD / 2;
    mm.mmap({ hva: X, size: MB, prot: 'rw', kind: 'anon' });
    mm.touch(X, true);
    mm.mmap({ hva: X + 3 * MB / 2, size: MB / 2, prot: 'rw', kind: 'anon' });
    mm.touch(X + 3 * MB / 2, true);
    mm.mmap({ hva: X + MB, size: MB / 2, prot: 'rw', kind: 'anon' }); // merges with one neighbour only
    expect(mm.vmasIntersecting(X, PMD).map((v) => [v.start - X, v.end - X])).toEqual([[0, 3 * MB / 2], [3 * MB / 2, PMD]]);
    expect(mm.thpCollapse(X)).toEqual({ ok: false, errno: 'EINVAL' });
  });

  it('a uffd-armed range zapped to nothing meets an empty PTE (EBUSY) while an untouched or unmapped one is EINVAL (seen on 6.1 and 6.12)', () => {
    for (const [kernel, errno] of [['6.12', 'EBUSY'], ['6.1', 'EINVAL']] as const) {
      const m = new HostMm({ kernel });
      m.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon', uffd: true });
      expect(m.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' }); // no PTE table yet
      m.touch(A, true);
      m.madviseDontneed(A, PMD); // the PTE table stays
      expect({ kernel, r: m.thpCollapse(A) }).toEqual({ kernel, r: { ok: false, errno } });
      m.munmap(A, PMD);
      m.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon', uffd: true }); // free_pgtables took it
      expect(m.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    }
  });

  it('the tail of a VMA that holds a PMD elsewhere, before a hole: nothing to collapse, ENOMEM for the hole (seen on 6.1 and 6.12 by real fuzz)', () => {
    const { mm } = setup();
    mm.mmap({ hva: A - PMD, size: PMD + P, prot: 'rw', kind: 'anon' });
    mm.touch(A, true);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(mm.pte(A)?.size).toBe(P);
  });

  it('collapse of a uffd-armed range with a hole: EBUSY (SCAN_EXCEED_NONE_PTE), EINVAL under kernel profile 6.1 (both seen on real kernels)', () => {
    for (const [kernel, errno] of [['mainline', 'EBUSY'], ['6.12', 'EBUSY'], ['6.1', 'EINVAL']] as const) {
      const mm = new HostMm({ kernel });
      mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon', uffd: true });
      mm.touch(A + P, true);
      expect({ kernel, r: mm.thpCollapse(A) }).toEqual({ kernel, r: { ok: false, errno } });
    }
  });

  it('a partial munmap splits the THP; the notified range grows to the whole PMD', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A, true);
    mm.thpCollapse(A);
    const kept = mm.pte(A + P);
    rec.take();
    expect(mm.munmap(A + 2 * P, 2 * P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + PMD));
    expect(mm.pte(A + P)).toEqual({ ...kept, size: P });
    expect(mm.pte(A + 2 * P)).toBeUndefined();
    expect(mm.pte(A + 4 * P)?.pfn).toBe((kept?.pfn ?? 0) + 3);
  });
});

describe('migrate', () => {
  it('moves a page to a new pfn under one invalidation, keeping the write bit; zero page and holes are no-ops', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'file' });
    const a = mm.touch(A, false);
    expect(mm.migrate(A)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + P));
    const b = mm.pte(A);
    expect(b?.pfn).not.toBe(a.kind === 'ok' ? a.pfn : -1);
    expect(b?.writable).toBe(true);
    mm.madviseDontneed(A, P);
    rec.take();
    expect(mm.touch(A, false)).toEqual({ kind: 'ok', pfn: b?.pfn, writable: true }); // page cache followed
    mm.mmap({ hva: A + 0x10_0000, size: P, prot: 'rw', kind: 'anon' });
    mm.touch(A + 0x10_0000, false);
    mm.migrate(A + 0x10_0000);
    mm.migrate(A + 2 * P);
    expect(rec.take()).toEqual([]);
  });
});

describe('VMA splits (vma_adjust_trans_huge)', () => {
  it('an munmap or mprotect splitting a VMA inside a PMD range it holds notifies the whole PMD once page tables reach there (seen on 6.12 as stage-2 faults)', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    mm.munmap(A + PMD + 5 * P, P); // nothing populated in this PUD yet: no page tables, only the page
    expect(rec.take()).toEqual(inv(A + PMD + 5 * P, A + PMD + 6 * P));
    mm.touch(A + P, true);
    mm.mprotect(A + 9 * P, P, 'r'); // __split_huge_pmd notifies before it looks for a THP
    expect(rec.take()).toEqual(inv(A, A + PMD));
    mm.madviseDontneed(A + 11 * P, P); // no VMA change, no split
    expect(rec.take()).toEqual(inv(A + 11 * P, A + 12 * P));
    const m2 = new HostMm();
    const r2 = new Recorder();
    m2.subscribe(r2);
    m2.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    m2.touch(A + P, true);
    m2.munmap(A + PMD + 3 * P, P);
    expect(r2.take()).toEqual(inv(A + PMD, A + 2 * PMD));
    m2.mprotect(A, PMD, 'r'); // boundaries at PMD-aligned addresses split no PMD
    expect(r2.take()).toEqual(inv(A, A + PMD));
  });

  it('mprotect invalidates each run of VMAs whose protection changes, not the hull: a VMA in between that keeps its protection is not notified (seen on 6.1 and 6.12)', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: PMD, prot: 'r', kind: 'anon' });
    mm.mprotect(A + P, P, 'rw');
    rec.take();
    mm.mprotect(A, 4 * P, 'rw');
    expect(rec.take()).toEqual([`start ${A.toString(16)}-${(A + P).toString(16)}`, `start ${(A + 2 * P).toString(16)}-${(A + 4 * P).toString(16)}`,
      `end ${(A + 2 * P).toString(16)}-${(A + 4 * P).toString(16)}`, `end ${A.toString(16)}-${(A + P).toString(16)}`]);
  });

  it('a changed VMA part with an anon_vma does not merge into a neighbour without one (is_mergeable_anon_vma; seen on 6.1 and 6.12)', () => {
    const { mm } = setup();
    mm.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    mm.mprotect(A + PMD - 4 * P, P, 'r');
    mm.touch(A + PMD, true); // the VMA after the cut gets an anon_vma
    mm.mprotect(A, PMD, 'r'); // [A, cut] has none: the faulted part stays apart
    mm.mprotect(A, 2 * PMD, 'rw');
    expect(mm.vmas().map((v) => v.start - A)).toEqual([0, PMD - 3 * P]);
    mm.touch(A + 5 * P, true);
    expect(mm.thpCollapse(A)).toEqual({ ok: false, errno: 'EINVAL' });
    const m2 = new HostMm(); // without the first mprotect(r) nothing is left apart
    m2.mmap({ hva: A, size: 2 * PMD, prot: 'rw', kind: 'anon' });
    m2.mprotect(A + PMD - 4 * P, P, 'r');
    m2.touch(A + PMD, true);
    m2.mprotect(A, 2 * PMD, 'rw');
    expect(m2.vmas().length).toBe(1);
  });

  it('a VMA that does not hold the enclosing PMD range splits no PMD', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A + P, size: PMD, prot: 'rw', kind: 'anon' });
    mm.touch(A + 2 * P, true);
    rec.take();
    mm.munmap(A + 4 * P, P);
    expect(rec.take()).toEqual(inv(A + 4 * P, A + 5 * P));
  });
});
