/** HostMm basics: physical map, zero page and COW, file page cache, hva_to_pfn writability, queries. */
import { HostMm } from './hostMm';
import { RAM_BASE_PA, isRamPfn } from './constants';
import { A, P, Recorder, inv } from './testUtil';

function setup(): { mm: HostMm; rec: Recorder } {
  const mm = new HostMm();
  const rec = new Recorder();
  mm.subscribe(rec);
  return { mm, rec };
}

describe('host physical map', () => {
  it('the zero page is the first RAM page; PAs below 0x80000000 are device memory', () => {
    const mm = new HostMm();
    expect(mm.zeroPfn).toBe(RAM_BASE_PA / 4096);
    expect(mm.isRamPfn(mm.zeroPfn)).toBe(true);
    expect(mm.isRamPfn(RAM_BASE_PA / 4096 - 1)).toBe(false);
    expect(isRamPfn(RAM_BASE_PA / 65536, 65536)).toBe(true);
    expect(new HostMm({ pageSize: 65536 }).zeroPfn).toBe(RAM_BASE_PA / 65536);
  });

  it('allocates fresh RAM pfns in order after the zero page, never reusing them', () => {
    const { mm } = setup();
    expect(mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'anon' })).toEqual({ ok: true });
    const p0 = mm.touch(A, true);
    const p1 = mm.touch(A + P, true);
    expect(p0).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
    expect(p1).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 2, writable: true });
    mm.madviseDontneed(A, P);
    expect(mm.touch(A, true)).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 3, writable: true });
  });
});

describe('determinism', () => {
  it('two instances given the same steps give the same pfns and notifier calls', () => {
    const run = (): { pfns: number[]; events: string[] } => {
      const { mm, rec } = setup();
      mm.mmap({ hva: A, size: 0x40_0000, prot: 'rw', kind: 'anon' });
      mm.mmap({ hva: A + 0x40_0000, size: 0x40_0000, prot: 'rw', kind: 'hugetlb', hugeSize: 0x20_0000 });
      const pfns: number[] = [];
      for (const [hva, w] of [[A + 5 * P, false], [A + 5 * P, true], [A + 0x40_0000 + P, true], [A, true]] as const) {
        const r = mm.hvaToPfn(hva, { write: w, writableOk: true });
        if (r.kind === 'ok') pfns.push(r.pfn);
      }
      mm.thpCollapse(A);
      mm.migrate(A + 0x40_0000);
      pfns.push(mm.pte(A)?.pfn ?? -1, mm.pte(A + 0x40_0000)?.pfn ?? -1);
      return { pfns, events: rec.events };
    };
    const a = run();
    expect(a.pfns).toHaveLength(6);
    expect(run()).toEqual(a);
  });
});

describe('anon: zero page and COW', () => {
  it('a read maps the zero page read-only; a later write COWs it under one invalidation', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 16 * P, prot: 'rw', kind: 'anon' });
    expect(mm.hvaToPfn(A + 3 * P + 8, { write: false, writableOk: true })).toEqual({ kind: 'ok', pfn: mm.zeroPfn, writable: false });
    expect(mm.pte(A + 3 * P)).toEqual({ pfn: mm.zeroPfn, writable: false, size: P });
    expect(rec.take()).toEqual([]); // populating an empty PTE needs no notifier
    const w = mm.hvaToPfn(A + 3 * P, { write: true, writableOk: true });
    expect(w).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
    expect(rec.take()).toEqual(inv(A + 3 * P, A + 4 * P));
    // a read of the now-private page reports it writable (fast path), without notifier
    expect(mm.hvaToPfn(A + 3 * P, { write: false, writableOk: true })).toEqual(w);
    expect(mm.hvaToPfn(A + 3 * P, { write: false, writableOk: false })).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: false });
    expect(rec.take()).toEqual([]);
  });

  it('a first write allocates directly (no zero page, no notifier)', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: P, prot: 'rw', kind: 'anon' });
    expect(mm.touch(A, true)).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
    expect(rec.take()).toEqual([]);
  });

  it('faults: no VMA, PROT_NONE, write to a read-only VMA', () => {
    const { mm } = setup();
    mm.mmap({ hva: A, size: P, prot: 'none', kind: 'anon' });
    mm.mmap({ hva: A + P, size: P, prot: 'r', kind: 'anon' });
    expect(mm.hvaToPfn(A - P, { write: false, writableOk: true })).toEqual({ kind: 'fault' });
    expect(mm.hvaToPfn(A, { write: false, writableOk: true })).toEqual({ kind: 'fault' });
    expect(mm.hvaToPfn(A + P, { write: true, writableOk: true })).toEqual({ kind: 'fault' });
    expect(mm.hvaToPfn(A + P, { write: false, writableOk: true })).toEqual({ kind: 'ok', pfn: mm.zeroPfn, writable: false });
  });
});

describe('file (shared, page cache)', () => {
  it('each page gets a fresh pfn on first touch, writable iff rw, kept across MADV_DONTNEED', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'file' });
    mm.mmap({ hva: A + 4 * P, size: 4 * P, prot: 'r', kind: 'file' });
    const r = mm.hvaToPfn(A + P, { write: false, writableOk: true });
    expect(r).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 1, writable: true });
    expect(mm.hvaToPfn(A + 5 * P, { write: false, writableOk: true })).toEqual({ kind: 'ok', pfn: mm.zeroPfn + 2, writable: false });
    expect(mm.madviseDontneed(A, 8 * P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A, A + 8 * P));
    expect(mm.pte(A + P)).toBeUndefined();
    expect(mm.touch(A + P, false)).toEqual(r); // same page-cache page
    expect(mm.vmas()).toHaveLength(2); // different files never merge
  });
});

describe('queries', () => {
  it('findVma, vmasIntersecting, vmas sorted, hostLeafSize', () => {
    const { mm } = setup();
    mm.mmap({ hva: A + 8 * P, size: 2 * P, prot: 'r', kind: 'file' });
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'anon' });
    expect(mm.vmas().map((v) => v.start)).toEqual([A, A + 8 * P]);
    expect(mm.findVma(A + P)?.kind).toBe('anon');
    expect(mm.findVma(A + 2 * P)).toBeUndefined();
    expect(mm.vmasIntersecting(A + P, 8 * P).map((v) => v.kind)).toEqual(['anon', 'file']);
    expect(mm.vmasIntersecting(A + 2 * P, 6 * P)).toEqual([]);
    expect(mm.hostLeafSize(A)).toBe(0);
    mm.touch(A, false);
    expect(mm.hostLeafSize(A)).toBe(P);
  });

  it('adjacent anon VMAs with the same protection merge', () => {
    const { mm } = setup();
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'anon' });
    mm.mmap({ hva: A + 2 * P, size: 2 * P, prot: 'rw', kind: 'anon' });
    expect(mm.vmas()).toEqual([{ hva: A, size: 4 * P, start: A, end: A + 4 * P, prot: 'rw', kind: 'anon', uffd: false }]);
  });
});
