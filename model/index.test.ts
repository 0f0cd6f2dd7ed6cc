/** Tests of the KvmModel facade: split faults vs the MMU notifier (seed 001), memslots, dirty log, permitted(). */
import { S2InputError } from './types';
import { GFN, GPA, HVA, PAGE, slotOver, world } from './testkit/world';

const M2 = 0x20_0000;

describe('split fault vs MMU notifier (seed 001, facts §14.4)', () => {
  test('an invalidation that completes between begin and commit forces a retry; the re-fault maps the new page', () => {
    const w = world();
    slotOver(w);
    w.host.touch(HVA, true);
    const oldPfn = w.host.pte(HVA)?.pfn;
    expect(w.kvm.faultBegin(0, GPA, 'write')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultInFlight(0)).toBe(true);
    w.host.madviseDontneed(HVA, PAGE);
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'retry' });
    expect(w.kvm.mapping(GFN)).toBeUndefined();
    expect(w.kvm.access(0, GPA, 'write')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.mapping(GFN)?.pfn).toBe(w.host.pte(HVA)?.pfn);
    expect(w.kvm.mapping(GFN)?.pfn).not.toBe(oldPfn);
  });

  test('an open invalidation blocks every commit (arm64 coarse check) and permits nothing in its range', () => {
    const w = world();
    slotOver(w);
    w.host.touch(HVA, true);
    w.host.touch(HVA + PAGE, true);
    w.kvm.access(0, GPA, 'write');
    w.kvm.faultBegin(1, GPA + PAGE, 'write');
    const id = w.host.invalidateBegin(HVA, PAGE);
    expect(w.kvm.mapping(GFN)).toBeUndefined();
    expect(w.kvm.permitted(GFN)).toBeNull();
    expect(w.kvm.notifier.inProgress).toBe(1);
    expect(w.kvm.faultCommit(1)).toEqual({ kind: 'retry' }); // another page, still retried
    w.host.invalidateEnd(id);
    expect(w.kvm.notifier).toMatchObject({ seq: 1, inProgress: 0 });
    expect(w.kvm.faultBegin(1, GPA + PAGE, 'write')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultCommit(1)).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(true);
  });

  test('an invalidation outside every memslot is not counted and does not block commits', () => {
    const w = world();
    slotOver(w);
    w.host.mmap({ hva: HVA + 0x1000_0000, size: PAGE, prot: 'rw', kind: 'anon' });
    w.kvm.faultBegin(0, GPA, 'read');
    w.host.madviseDontneed(HVA + 0x1000_0000, PAGE);
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'ok' });
    expect(w.kvm.notifier.seq).toBe(0);
  });

  test('a memslot change between begin and commit makes the commit retry', () => {
    const w = world();
    slotOver(w);
    w.kvm.faultBegin(0, GPA, 'read');
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'retry' });
  });

  test('faultBegin ends early with the final outcome when the fault never reaches the pfn', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    expect(w.kvm.faultBegin(0, GPA, 'write')).toEqual({ kind: 'mmio', ipa: GPA, len: 8, write: true });
    expect(w.kvm.faultInFlight(0)).toBe(false);
  });

  test('bad input: commit without a fault in flight, or a second begin, names the vcpu field', () => {
    const w = world();
    slotOver(w);
    expect(() => w.kvm.faultCommit(3)).toThrow(S2InputError);
    expect(() => w.kvm.faultCommit(3)).toThrow(/^vcpu: /);
    w.kvm.faultBegin(0, GPA, 'read');
    expect(() => w.kvm.faultBegin(0, GPA, 'read')).toThrow(/^vcpu: /);
  });

  test('a pfnmap fault maps the PA the VMA maps at that hva (vm_pgoff + offset), Device', () => {
    const w = world();
    slotOver(w, { kind: 'pfnmap', pa: 0x1000_0000 }, [], M2);
    w.kvm.access(0, GPA + 5 * PAGE, 'read');
    expect(w.kvm.mapping(GFN + 5)).toMatchObject({ pfn: 0x1000_0000 / PAGE + 5, memtype: 'device' });
  });
});

describe('memslots and dirty logging (facts §12.3, §13, §17)', () => {
  test('delete and move unmap the old range; overlap is EEXIST', () => {
    const w = world();
    slotOver(w);
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.setMemslot({ slot: 1, gpa: GPA, size: PAGE, hva: HVA, flags: [] })).toEqual({ kind: 'errno', errno: 'EEXIST' });
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA + M2, size: M2, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(w.kvm.mappedGfns()).toEqual([]);
    w.kvm.access(0, GPA + M2, 'read');
    expect(w.kvm.mappedGfns()).toEqual([GFN + M2 / PAGE]);
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA + M2, size: 0, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(w.kvm.mappedGfns()).toEqual([]);
    expect(w.kvm.memslots.size).toBe(0);
  });

  test('enabling LOG_DIRTY write-protects; reads stay RO; a write maps W and sets the bit; GET harvests and re-protects', () => {
    const w = world();
    slotOver(w);
    w.host.touch(HVA, true);
    w.host.touch(HVA + PAGE, true);
    w.kvm.access(0, GPA, 'write');
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA, size: M2, hva: HVA, flags: ['LOG_DIRTY'] })).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN)?.perms.w).toBe(false);
    w.kvm.access(0, GPA + PAGE, 'read');
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(false);
    expect(w.kvm.permitted(GFN + 1)?.perms.w).toBe(false);
    w.kvm.access(0, GPA + PAGE, 'write');
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(true);
    expect(w.kvm.permitted(GFN + 1)?.perms.w).toBe(true);
    expect(w.kvm.getDirtyLog(0)).toEqual({ outcome: { kind: 'ok' }, dirty: [1] });
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(false);
    expect(w.kvm.permitted(GFN + 1)?.perms.w).toBe(false);
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([]);
  });

  test('CLEAR_DIRTY_LOG clears and write-protects; GET without a bitmap is ENOENT', () => {
    const w = world();
    expect(w.kvm.getDirtyLog(0).outcome).toEqual({ kind: 'errno', errno: 'ENOENT' });
    slotOver(w, {}, ['LOG_DIRTY']);
    w.kvm.access(0, GPA + 3 * PAGE, 'write');
    expect(w.kvm.clearDirtyLog(0, 0, 512)).toEqual({ outcome: { kind: 'ok' }, cleared: [3] });
    expect(w.kvm.mapping(GFN + 3)?.perms.w).toBe(false);
    expect(w.kvm.clearDirtyLog(0, 1, 64).outcome).toEqual({ kind: 'errno', errno: 'EINVAL' });
  });
});

describe('permitted(gfn) (DESIGN §1)', () => {
  test('nothing outside memslots; the host pfn inside; W only where the host PTE is writable', () => {
    const w = world();
    slotOver(w);
    expect(w.kvm.permitted(GFN + M2 / PAGE)).toBeNull();
    expect(w.kvm.permitted(GFN)).toBeNull(); // not populated at the host yet
    w.host.touch(HVA, false);
    expect(w.kvm.permitted(GFN)).toEqual({ pfn: w.host.zeroPfn, memtype: 'normal', perms: { r: true, w: false, x: true }, maxLeafSize: PAGE });
    w.host.touch(HVA, true);
    expect(w.kvm.permitted(GFN)?.perms.w).toBe(true);
    expect(w.kvm.permitted(GFN)?.pfn).not.toBe(w.host.zeroPfn);
  });

  test('a THP-backed congruent slot permits a 2M leaf; while logging only read-only (no eager split, facts §17)', () => {
    const w = world();
    slotOver(w, {}, [], 2 * M2);
    w.host.touch(HVA, true);
    w.host.thpCollapse(HVA);
    expect(w.kvm.permitted(GFN + 7)?.maxLeafSize).toBe(M2);
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * M2, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(w.kvm.permitted(GFN + 7)?.perms.w).toBe(false);
    expect(w.kvm.permitted(GFN + 7)?.maxLeafSize).toBe(M2);
    w.kvm.access(0, GPA + 7 * PAGE, 'write');
    expect(w.kvm.permitted(GFN + 7)?.perms.w).toBe(true);
    expect(w.kvm.permitted(GFN + 7)?.maxLeafSize).toBe(PAGE);
  });

  test('uffd faults are reported from the host', () => {
    const w = world();
    slotOver(w, { uffd: true });
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.counters.uffdFaults).toBe(1);
  });
});
