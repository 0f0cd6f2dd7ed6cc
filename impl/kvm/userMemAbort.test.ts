/** user_mem_abort on KvmImpl, step by step: sizing, THP, device memtypes, exec, relax vs map, dirty bit, CMOs (facts §15.4–15.6). */
import { GPA, HVA, implSlot, implWorld, leafAt } from './testkit';

const MB = 0x10_0000;
const DEV_PA = 0x1000_0000;

describe('block sizing (steps 4–6, 14; §15.5)', () => {
  test('hugetlb 2M, congruent and contained → a 2M block of the head pfn', () => {
    const w = implWorld();
    implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB });
    w.kvm.access(0, GPA + 0x5000, 'read');
    const l = leafAt(w.kvm, GPA + 0x5000);
    expect(l.size).toBe(2 * MB);
    expect(l.pa).toBe(w.host.pte(HVA + 0x5000)?.pfn as number * 0x1000);
  });

  test('1G hugetlb with a 32–34-bit IPA space (stage 2 starts at level 2): the fault maps the whole 1G as 2M blocks', () => {
    for (const iaBits of [32, 33, 34, 40]) {
      const w = implWorld({ iaBits });
      implSlot(w, { kind: 'hugetlb', hugeSize: 1024 * MB }, [], 1024 * MB);
      w.kvm.access(0, GPA + 0x5000, 'read');
      const far = leafAt(w.kvm, GPA + 1000 * MB); // user_mem_abort's PUD_SHIFT case does not look at the start level
      expect(far.mapped).toBe(true);
      expect(far.size).toBe(iaBits < 35 ? 2 * MB : 1024 * MB);
      expect(far.pa).toBe(w.host.pte(HVA + 1000 * MB)?.pfn as number * 0x1000 - (1000 * MB) % far.size + ((GPA + 1000 * MB) % far.size));
    }
  });

  test('not congruent (gpa ≢ hva mod 2M) → pages', () => {
    const w = implWorld();
    implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB });
    const w2 = implWorld();
    w2.host.mmap({ hva: HVA, size: 4 * MB, prot: 'rw', kind: 'hugetlb', hugeSize: 2 * MB });
    w2.kvm.setMemslot({ slot: 0, gpa: GPA + 0x1000, size: 2 * MB, hva: HVA, flags: [] });
    w2.kvm.access(0, GPA + 0x1000, 'read');
    expect(leafAt(w2.kvm, GPA + 0x1000).size).toBe(0x1000);
    w.kvm.access(0, GPA, 'read');
    expect(leafAt(w.kvm, GPA).size).toBe(2 * MB);
  });

  test('THP-backed anon → 2M block after transparent_hugepage_adjust; logging forces pages', () => {
    const w = implWorld();
    implSlot(w);
    w.host.touch(HVA, true);
    expect(w.host.thpCollapse(HVA).ok).toBe(true);
    w.kvm.access(0, GPA + 0x3000, 'read');
    expect(leafAt(w.kvm, GPA + 0x3000).size).toBe(2 * MB);
    const l = implWorld();
    implSlot(l, {}, ['LOG_DIRTY']);
    l.host.touch(HVA, true);
    l.host.thpCollapse(HVA);
    l.kvm.access(0, GPA + 0x3000, 'read');
    expect(leafAt(l.kvm, GPA + 0x3000)).toMatchObject({ size: 0x1000, w: false }); // read while logging: RO
  });
});

describe('device memory (steps 10–11, 16; §15.6)', () => {
  test('non-RAM pfnmap → Device-nGnRE, never executable (-ENOEXEC → injectPabt)', () => {
    const w = implWorld();
    implSlot(w, { kind: 'pfnmap', pa: DEV_PA, pgprot: 'device' });
    expect(w.kvm.access(0, GPA, 'write')).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
    expect(leafAt(w.kvm, GPA)).toMatchObject({ memtype: 'device', x: false, pa: DEV_PA });
    expect(w.kvm.access(0, GPA + 0x1000, 'exec')).toEqual({ kind: 'injectPabt' });
  });

  test('VM_ALLOW_ANY_UNCACHED → Normal-NC', () => {
    const w = implWorld();
    implSlot(w, { kind: 'pfnmap', pa: DEV_PA, pgprot: 'nc', allowAnyUncached: true });
    expect(w.kvm.access(0, GPA, 'read')).toEqual({ kind: 'ok', effective: 'normal-nc' });
  });

  test('cacheable pfnmap: EINVAL at creation without FWB+DIC, Normal and executable with them', () => {
    const spec = { hva: HVA, size: 2 * MB, prot: 'rw', kind: 'pfnmap', pa: DEV_PA, pgprot: 'normal' } as const;
    const a = implWorld();
    a.host.mmap(spec);
    expect(a.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: [] })).toEqual({ kind: 'errno', errno: 'EINVAL' });
    const b = implWorld({ fwb: true, dic: true });
    b.host.mmap(spec);
    expect(b.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(b.kvm.access(0, GPA, 'exec').kind).toBe('ok');
    expect(leafAt(b.kvm, GPA)).toMatchObject({ memtype: 'normal', x: true });
  });
});

describe('permissions, exec, dirty bit and CMOs (steps 16–19)', () => {
  test('read then write while logging: the permission fault relaxes the same leaf (no table, one TLBI)', () => {
    const w = implWorld();
    implSlot(w, {}, ['LOG_DIRTY']);
    w.host.touch(HVA, true);
    w.kvm.access(0, GPA, 'read');
    expect(leafAt(w.kvm, GPA).w).toBe(false);
    w.kvm.effects.clear();
    expect(w.kvm.access(0, GPA, 'write').kind).toBe('ok');
    expect(w.kvm.effects.events.map((e) => e.op)).toEqual(['pteStore', 'tlbiIpa']);
    expect(leafAt(w.kvm, GPA).w).toBe(true);
  });

  test('a read of an untouched anon page maps the zero page read-only; the write breaks COW through the notifier', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA, 'read');
    expect(leafAt(w.kvm, GPA)).toMatchObject({ w: false, pa: w.host.zeroPfn * 0x1000 });
    w.kvm.access(0, GPA, 'write');
    expect(leafAt(w.kvm, GPA)).toMatchObject({ w: true, pa: (w.host.pte(HVA)?.pfn ?? -1) * 0x1000 });
  });

  test('exec fault adds X lazily with an I-cache invalidate; no X without DIC on a data fault', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA, 'write');
    expect(leafAt(w.kvm, GPA).x).toBe(false);
    w.kvm.effects.clear();
    w.kvm.access(0, GPA, 'exec');
    expect(leafAt(w.kvm, GPA).x).toBe(true);
    expect(w.kvm.effects.events.some((e) => e.op === 'icacheInvalPou')).toBe(true);
    const d = implWorld({ dic: true });
    implSlot(d);
    d.kvm.access(0, GPA, 'read');
    expect(leafAt(d.kvm, GPA).x).toBe(true);
  });

  test('new cacheable leaf without FWB is cleaned to PoC before it becomes valid; not under FWB', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA, 'write');
    const ops = w.kvm.effects.events.map((e) => e.op);
    expect(ops.indexOf('dcacheCleanInvalPoc')).toBeLessThan(ops.lastIndexOf('pteStore'));
    const f = implWorld({ fwb: true });
    implSlot(f);
    f.kvm.access(0, GPA, 'write');
    expect(f.kvm.effects.events.some((e) => e.op === 'dcacheCleanInvalPoc')).toBe(false);
  });

  test('writes while logging set the dirty bit; reads do not', () => {
    const w = implWorld();
    implSlot(w, {}, ['LOG_DIRTY']);
    w.kvm.access(0, GPA + 0x1000, 'read');
    w.kvm.access(0, GPA + 0x3000, 'write');
    w.kvm.access(0, GPA + 0x1000, 'write');
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([1, 3]);
    expect(leafAt(w.kvm, GPA + 0x3000).w).toBe(false); // re-protected by the harvest
  });

  test('a write permission fault on a block while logging maps one page (block → table)', () => {
    const w = implWorld();
    implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB });
    w.kvm.access(0, GPA, 'write');
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(leafAt(w.kvm, GPA)).toMatchObject({ size: 2 * MB, w: false });
    w.kvm.access(0, GPA + 0x5000, 'write');
    expect(leafAt(w.kvm, GPA + 0x5000)).toMatchObject({ size: 0x1000, w: true });
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([5]);
  });
});
