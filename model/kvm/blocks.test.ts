/** Block-granular stage 2: faults install the whole leaf KVM picks; unmap, wrprotect, aging, relax act on whole leaves (facts §5, §7, §8, §15.4). */
import { GFN, GPA, HVA, PAGE, slotOver, world, type World } from '../testkit/world';
import type { MemslotFlag } from '../types';

const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const NP2 = M2 / PAGE;

/** Every model page (sampled every `stride` pages) fits what permitted() allows at its gfn (self-consistency, DESIGN §1). */
function expectSelfConsistent(w: World, stride = 1): void {
  const gfns = w.kvm.mappedGfns();
  for (let i = 0; i < gfns.length; i += stride) {
    const g = gfns[i];
    const m = w.kvm.mapping(g);
    const p = w.kvm.permitted(g);
    expect({ g, p: p !== null }).toEqual({ g, p: true });
    if (!m || !p) continue;
    expect({ g, pfn: m.pfn, memtype: m.memtype }).toEqual({ g, pfn: p.pfn, memtype: p.memtype });
    expect(m.leafSize).toBeLessThanOrEqual(p.maxLeafSize);
    expect((m.perms.w && !p.perms.w) || (m.perms.x && !p.perms.x)).toBe(false);
  }
}

/** A hugetlb VMA of `hugeSize` pages at HVA with slot 0 over it at GPA (congruent). */
function hugetlbSlot(flags: MemslotFlag[] = [], hugeSize = M2, size = 2 * M2): World {
  const w = world();
  slotOver(w, { kind: 'hugetlb', hugeSize }, flags, size);
  return w;
}

describe('blocks installed whole at the aligned base (facts §15.4 steps 4–6, 14)', () => {
  test('hugetlb: a fault in the middle maps the whole 2M block from the aligned gfn and pfn', () => {
    const w = hugetlbSlot();
    expect(w.kvm.access(0, GPA + M2 + 0x12345, 'read').kind).toBe('ok');
    const base = w.host.pte(HVA + M2)?.pfn ?? -1;
    expect(w.kvm.mapping(GFN + NP2)).toMatchObject({ pfn: base, leafSize: M2, baseGfn: GFN + NP2, npages: NP2 });
    expect(w.kvm.mapping(GFN + 2 * NP2 - 1)?.pfn).toBe(base + NP2 - 1);
    expect(w.kvm.mappedGfns()).toHaveLength(NP2);
    expectSelfConsistent(w);
  });

  test('THP: a page fault on a collapsed huge page maps a PMD block at the aligned base', () => {
    const w = world();
    slotOver(w, {}, [], 2 * M2);
    w.host.touch(HVA, true);
    expect(w.host.thpCollapse(HVA).ok).toBe(true);
    expect(w.kvm.access(0, GPA + 7 * PAGE, 'write').kind).toBe('ok');
    expect(w.kvm.mapping(GFN + 7)).toMatchObject({ pfn: (w.host.pte(HVA)?.pfn ?? -1) + 7, leafSize: M2, baseGfn: GFN });
    expectSelfConsistent(w);
  });

  test('hugetlb 1G: one leaf of 262144 pages, found from any of its pages', () => {
    const w = hugetlbSlot([], G1, G1);
    expect(w.kvm.access(0, GPA + G1 - PAGE, 'write').kind).toBe('ok');
    expect(w.kvm.mapping(GFN)).toMatchObject({ leafSize: G1, baseGfn: GFN, npages: G1 / PAGE });
    expect(w.kvm.mapping(GFN + 12345)?.pfn).toBe(w.host.pte(HVA + 12345 * PAGE)?.pfn);
    expectSelfConsistent(w, 4099);
  });
});

describe('whole-leaf operations (facts §7, §8)', () => {
  test('the fuzzer example: READONLY hugetlb block, a 4K invalidation drops the whole block, s1ptw_write then faults as a read', () => {
    const w = hugetlbSlot(['READONLY'], M2, M2);
    expect(w.kvm.access(0, GPA, 'read').kind).toBe('ok');
    expect(w.kvm.mapping(GFN)).toMatchObject({ leafSize: M2, perms: { w: false } });
    w.host.invalidateEnd(w.host.invalidateBegin(HVA + 0x1000, PAGE));
    expect(w.kvm.mappedGfns()).toEqual([]);
    // A translation fault of a stage-1 walk is a read (facts §15.2): the fault maps RO, no injection
    // (with the old per-page model the page was still mapped: permission fault = write → injectDabt).
    expect(w.kvm.faultBegin(0, GPA, 's1ptw_write')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN + 1)).toMatchObject({ leafSize: M2, perms: { w: false } });
    expectSelfConsistent(w);
    // Re-executed, the walker's write now takes the permission fault: a write into a READONLY slot (§15.3 row 6b).
    expect(w.kvm.access(0, GPA, 's1ptw_write')).toEqual({ kind: 'injectDabt' });
  });

  test('partial munmap of a THP block removes the whole block', () => {
    const w = world();
    slotOver(w, {}, [], 2 * M2);
    w.host.touch(HVA, true);
    w.host.thpCollapse(HVA);
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.mappedGfns()).toHaveLength(NP2);
    expect(w.host.munmap(HVA + 3 * PAGE, PAGE).ok).toBe(true);
    expect(w.kvm.mappedGfns()).toEqual([]);
  });

  test('aging one page clears AF on the whole block; an access-flag fault sets it on the whole block', () => {
    const w = hugetlbSlot();
    w.kvm.access(0, GPA, 'read');
    expect(w.host.age(HVA + 5 * PAGE, PAGE)).toBe(true);
    expect(w.kvm.mapping(GFN + 300)?.af).toBe(false);
    expect(w.host.testAge(HVA + 400 * PAGE, PAGE)).toBe(false);
    w.kvm.access(0, GPA + 300 * PAGE, 'read');
    expect(w.kvm.mapping(GFN)?.af).toBe(true);
    expect(w.kvm.mapping(GFN)?.leafSize).toBe(M2);
  });

  test('a permission fault of the block granule relaxes the whole block (exec adds X everywhere)', () => {
    const w = hugetlbSlot();
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.mapping(GFN + 5)?.perms.x).toBe(false);
    expect(w.kvm.access(0, GPA + 5 * PAGE, 'exec').kind).toBe('ok');
    expect(w.kvm.mapping(GFN + 500)).toMatchObject({ leafSize: M2, perms: { x: true } });
    expectSelfConsistent(w);
  });
});

describe('splitting and coalescing (facts §5.2 step 6, §5.3, §17)', () => {
  test('a logging write on a write-protected block maps one page; the rest of the block is unmapped', () => {
    const w = hugetlbSlot([], M2, M2);
    w.kvm.access(0, GPA, 'write');
    expect(w.kvm.mapping(GFN)).toMatchObject({ leafSize: M2, perms: { w: true } });
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(w.kvm.mapping(GFN + 9)).toMatchObject({ leafSize: M2, perms: { w: false } });
    expectSelfConsistent(w);
    expect(w.kvm.access(0, GPA + 5 * PAGE, 'write').kind).toBe('ok');
    expect(w.kvm.mappedGfns()).toEqual([GFN + 5]);
    expect(w.kvm.mapping(GFN + 5)).toMatchObject({ leafSize: PAGE, perms: { w: true } });
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([5]);
    expectSelfConsistent(w);
  });

  test('once logging is off, a permission fault on a page leaf maps the whole block over it', () => {
    const w = hugetlbSlot(['LOG_DIRTY'], M2, M2);
    w.kvm.access(0, GPA + 5 * PAGE, 'write');
    w.kvm.access(0, GPA + 6 * PAGE, 'read');
    expect(w.kvm.mappedGfns()).toEqual([GFN + 5, GFN + 6]);
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: [] });
    expect(w.kvm.access(0, GPA + 5 * PAGE, 'exec').kind).toBe('ok');
    expect(w.kvm.mapping(GFN + 6)).toMatchObject({ leafSize: M2, baseGfn: GFN, perms: { x: true } });
    expectSelfConsistent(w);
  });
});

describe('map() never changes only permissions (facts §5.2 step 2)', () => {
  test('a committed fault whose block differs from the installed one only in X leaves it alone', () => {
    const w = hugetlbSlot();
    expect(w.kvm.faultBegin(0, GPA, 'read')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultBegin(1, GPA + PAGE, 'exec')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultCommit(1)).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN)?.perms.x).toBe(true);
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN)).toMatchObject({ leafSize: M2, perms: { x: true } });
  });

  test('a page fault inside a block of the same pfn breaks the block (different level): only the page remains', () => {
    const w = hugetlbSlot(['LOG_DIRTY'], M2, M2);
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: [] });
    expect(w.kvm.faultBegin(0, GPA, 'read')).toEqual({ kind: 'ok' }); // block-sized fault, logging off
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'retry' }); // the memslot changed under the fault
    expect(w.kvm.access(0, GPA + 3 * PAGE, 'read').kind).toBe('ok');
    expect(w.kvm.mappedGfns()).toEqual([GFN + 3]);
  });
});

describe('eager split (config.eagerSplit: KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE)', () => {
  test('enabling dirty logging leaves the block\'s pages mapped, read-only, each its own leaf; without it the block stays', () => {
    for (const eagerSplit of [false, true]) {
      const w = world({ eagerSplit });
      slotOver(w, { kind: 'hugetlb', hugeSize: M2 }, [], M2);
      expect(w.kvm.access(0, GPA, 'write').kind).toBe('ok');
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] });
      const l = w.kvm.mapping(GPA / 4096 + 5);
      expect(l?.perms.w).toBe(false);
      expect(l?.leafSize).toBe(eagerSplit ? 4096 : M2);
    }
  });
});
