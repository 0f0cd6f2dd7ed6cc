/** A MOVE that fails in arm64 prepare has already flushed the old range (kvm_set_memslot; facts §12.3, §13). */
import { GFN, GPA, slotOver, world } from './testkit/world';

describe('memslot MOVE failing in prepare', () => {
  it('leaves the old range unmapped and the slot where it was', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 'read').kind).toBe('ok');
    expect(w.kvm.mapping(GFN)).toBeDefined();
    // base_gfn + npages beyond the 40-bit IPA space: arm64 prepare fails with EFAULT.
    expect(w.kvm.setMemslot({ slot: 0, gpa: 2 ** 40, size: 0x20_0000, hva: 0x7f00_0000_0000, flags: ['READONLY'] }))
      .toEqual({ kind: 'errno', errno: 'EFAULT' });
    expect(w.kvm.mapping(GFN)).toBeUndefined();
    expect(w.kvm.memslots.get(0)?.gpa).toBe(GPA);
  });

  it('a failing CREATE flushes nothing', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.setMemslot({ slot: 1, gpa: 2 ** 40, size: 0x20_0000, hva: 0x7f00_0000_0000, flags: [] }).kind).toBe('errno');
    expect(w.kvm.mapping(GFN)).toBeDefined();
  });
});
