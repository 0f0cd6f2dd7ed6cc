/**
 * Audit disagreement 3: after harvesting, KVM write-protects each 64-page bitmap word from its lowest
 * to its highest harvested page (kvm_mmu_write_protect_pt_masked, __ffs..__fls), not only the
 * harvested pages. A writable ioremap page between two dirty pages shows the difference.
 */
import { maskedWrprotectSpans } from './dirtylog';
import { GFN, GPA, PAGE, slotOver, world } from './testkit/world';

describe('maskedWrprotectSpans', () => {
  test('one span per 64-page word, lowest to highest harvested page', () => {
    expect(maskedWrprotectSpans([])).toEqual([]);
    expect(maskedWrprotectSpans([5])).toEqual([[5, 1]]);
    expect(maskedWrprotectSpans([2, 0])).toEqual([[0, 3]]);
    expect(maskedWrprotectSpans([63, 64, 127, 200])).toEqual([[63, 1], [64, 64], [200, 1]]);
  });
});

describe('GET / CLEAR write-protect the span, a superset of the dirty pages', () => {
  /** Slot 0 logging, pages 0 and 2 dirtied by writes, page 1 a writable ioremap page (not dirty). */
  function logged(): ReturnType<typeof world> {
    const w = world();
    slotOver(w, {}, ['LOG_DIRTY']);
    expect(w.kvm.ioremap(GPA + PAGE, 0x1000_0000, PAGE, true)).toEqual({ kind: 'ok' });
    expect(w.kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(w.kvm.access(0, GPA + 2 * PAGE, 'write').kind).toBe('ok');
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(true);
    return w;
  }
  test('KVM_GET_DIRTY_LOG removes W from the page in between', () => {
    const w = logged();
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([0, 2]);
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(false);
  });
  test('KVM_CLEAR_DIRTY_LOG removes W from the page in between', () => {
    const w = logged();
    expect(w.kvm.clearDirtyLog(0, 0, 512).cleared).toEqual([0, 2]);
    expect(w.kvm.mapping(GFN + 1)?.perms.w).toBe(false);
  });
  test('a page outside the word\'s span keeps its leaf writable', () => {
    const w = world();
    slotOver(w, {}, ['LOG_DIRTY']);
    expect(w.kvm.ioremap(GPA + 3 * PAGE, 0x1000_0000, PAGE, true)).toEqual({ kind: 'ok' });
    expect(w.kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(w.kvm.access(0, GPA + 2 * PAGE, 'write').kind).toBe('ok');
    w.kvm.getDirtyLog(0);
    expect(w.kvm.mapping(GFN + 3)?.perms.w).toBe(true);
  });
});
