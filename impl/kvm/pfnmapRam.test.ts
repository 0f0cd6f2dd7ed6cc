/** Regression (probe seed 3): a cacheable PFNMAP VMA over host RAM is Normal, not 'device'; an S1PTW write on its read-only block is -EFAULT (facts §15.4 step 10, §16). */
import { GPA, HVA, implSlot, implWorld, leafAt } from './testkit';

const MB = 0x10_0000;
const RAM_PA = 0x1_0000_0000; // host RAM is PA ≥ 0x8000_0000

/** Slot 0 over anon memory, then the hva replaced by a read-only cacheable pfnmap of RAM (as the seed-3 trace). */
function seed3World(): ReturnType<typeof implWorld> {
  const w = implWorld();
  implSlot(w, { uffd: true });
  const m = w.host.mmap({ hva: HVA, size: 2 * MB, prot: 'r', kind: 'pfnmap', pgprot: 'normal', allowAnyUncached: true, pa: RAM_PA });
  if (!m.ok) throw new Error(`mmap failed: ${m.errno}`);
  return w;
}

describe('cacheable PFNMAP of RAM without FWB+DIC (seed 3)', () => {
  test('a read maps Normal WB as a 2M block (RAM pfn: no -EFAULT at step 10; PMD-congruent pfnmap at step 4)', () => {
    const w = seed3World();
    expect(w.kvm.access(1, GPA + 8, 'read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    const l = leafAt(w.kvm, GPA + 0x1ff008);
    expect(l).toMatchObject({ mapped: true, size: 2 * MB, w: false, memtype: 'normal', pa: RAM_PA + 0x1ff008 });
  });

  test('an S1PTW write then takes a permission fault on the block: a write fault (kvm_is_write_fault) on a read-only pfnmap → efault', () => {
    const w = seed3World();
    expect(w.kvm.faultBegin(0, GPA + 0x1ff008, 'read').kind).toBe('ok');
    w.kvm.access(1, GPA + 8, 'read');
    expect(w.kvm.faultBegin(1, GPA + 0x1ff008, 's1ptw_write')).toEqual({ kind: 'efault' });
    expect(leafAt(w.kvm, GPA + 0x1ff008).w).toBe(false);
  });

  test('an S1PTW write with no mapping is a translation fault, so not a write: it maps read-only, and the retried walk is -EFAULT (§15.2)', () => {
    const w = seed3World();
    expect(w.kvm.faultBegin(1, GPA + 0x1ff008, 's1ptw_write').kind).toBe('ok');
    expect(w.kvm.faultCommit(1).kind).toBe('ok');
    expect(leafAt(w.kvm, GPA + 0x1ff008)).toMatchObject({ mapped: true, w: false, memtype: 'normal' });
    expect(w.kvm.access(1, GPA + 0x1ff008, 's1ptw_write')).toEqual({ kind: 'efault' });
  });
});
