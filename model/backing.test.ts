/** Table tests of the stage-2 memory type per backing (facts §15.6, seed 003) through the model facade. */
import { GFN, GPA, HVA, PAGE, slotOver, world } from './testkit/world';
import type { Config, MemslotFlag, S1MemType } from './types';
import type { VmaSpec } from './host/types';

const DEV_PA = 0x1000_0000; // below 0x80000000: device memory
const RAM_PA = 0x9000_0000; // host RAM

interface Row {
  name: string;
  vma: Partial<VmaSpec>;
  config?: Partial<Config>;
  flags?: MemslotFlag[];
  s1?: S1MemType;
  memtype: 'normal' | 'nc' | 'device';
  effective: string;
  w: boolean;
  /** Outcome of an instruction fetch: executable leaf, or injected prefetch abort. */
  exec: 'ok' | 'injectPabt';
}

const ROWS: Row[] = [
  { name: 'RAM (anon): Normal WB, X on exec fault', vma: {}, memtype: 'normal', effective: 'normal-wb', w: true, exec: 'ok' },
  { name: 'RAM behind a pfnmap VMA is still RAM', vma: { kind: 'pfnmap', pa: RAM_PA }, memtype: 'normal', effective: 'normal-wb', w: true, exec: 'ok' },
  { name: 'device pfnmap, non-cacheable VMA: Device-nGnRE, never X', vma: { kind: 'pfnmap', pa: DEV_PA }, memtype: 'device', effective: 'device-nGnRE', w: true, exec: 'injectPabt' },
  { name: 'device pfnmap on a READONLY slot: Device, read-only (seed 000)', vma: { kind: 'pfnmap', pa: DEV_PA }, flags: ['READONLY'], memtype: 'device', effective: 'device-nGnRE', w: false, exec: 'injectPabt' },
  { name: 'device pfnmap with VM_ALLOW_ANY_UNCACHED: Normal-NC, never X', vma: { kind: 'pfnmap', pa: DEV_PA, allowAnyUncached: true }, memtype: 'nc', effective: 'normal-nc', w: true, exec: 'injectPabt' },
  { name: 'Normal-NC lets a guest Device stage 1 win', vma: { kind: 'pfnmap', pa: DEV_PA, allowAnyUncached: true }, s1: 'device', memtype: 'nc', effective: 'device-nGnRE', w: true, exec: 'injectPabt' },
  { name: 'cacheable device pfnmap with FWB+DIC: Normal WB, X allowed', vma: { kind: 'pfnmap', pa: DEV_PA, pgprot: 'normal' }, config: { fwb: true, dic: true }, memtype: 'normal', effective: 'normal-wb', w: true, exec: 'ok' },
];

describe('memory type per backing (facts §15.6)', () => {
  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_n, r) => {
    const w = world(r.config);
    slotOver(w, r.vma, r.flags ?? []);
    w.host.touch(HVA, true); // populated, writable host page (untouched anon would be the zero page)
    expect(w.kvm.access(0, GPA, 'read', r.s1 ?? 'normal')).toEqual({ kind: 'ok', effective: r.effective });
    expect(w.kvm.mapping(GFN)).toMatchObject({ memtype: r.memtype, perms: { w: r.w } });
    expect(w.kvm.permitted(GFN)).toMatchObject({ memtype: r.memtype, perms: { x: r.exec === 'ok' } });
    const fetch = w.kvm.access(0, GPA + 8, 'exec');
    expect(fetch.kind).toBe(r.exec);
    expect(w.kvm.mapping(GFN)?.perms.x).toBe(r.exec === 'ok');
  });

  test('a DIC host maps Normal memory executable on any fault', () => {
    const w = world({ dic: true });
    slotOver(w);
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.mapping(GFN)?.perms.x).toBe(true);
  });

  test('cacheable device pfnmap without FWB+DIC: slot creation EINVAL; if mapped later, the fault is -EFAULT', () => {
    const w = world();
    w.host.mmap({ hva: HVA, size: PAGE, prot: 'rw', kind: 'pfnmap', pa: DEV_PA, pgprot: 'normal' });
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA, size: PAGE, hva: HVA, flags: [] })).toEqual({ kind: 'errno', errno: 'EINVAL' });
    w.host.mmap({ hva: HVA, size: PAGE, prot: 'rw', kind: 'pfnmap', pa: DEV_PA });
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA, size: PAGE, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    w.host.mmap({ hva: HVA, size: PAGE, prot: 'rw', kind: 'pfnmap', pa: DEV_PA, pgprot: 'normal' });
    expect(w.kvm.access(0, GPA, 'read')).toEqual({ kind: 'efault' });
    expect(w.kvm.permitted(GFN)).toBeNull();
  });

  test('kvm_phys_addr_ioremap: Device pages, writable only if asked, never executable (§15.9)', () => {
    const w = world();
    expect(w.kvm.ioremap(0x0800_0010, DEV_PA, 2 * PAGE, false)).toEqual({ kind: 'ok' });
    const g = 0x0800_0000 / PAGE;
    expect(w.kvm.mappedGfns()).toEqual([g, g + 1, g + 2]); // size grows by the IPA's page offset
    expect(w.kvm.mapping(g)).toMatchObject({ pfn: DEV_PA / PAGE, memtype: 'device', perms: { r: true, w: false, x: false } });
    expect(w.kvm.access(0, 0x0800_0000, 'read')).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
    expect(w.kvm.access(0, 0x0800_0000, 'write')).toEqual({ kind: 'mmio', ipa: 0x0800_0000, len: 8, write: true });
    expect(w.kvm.access(0, 0x0800_0000, 'exec')).toEqual({ kind: 'injectPabt' });
    w.kvm.ioremap(0x0900_0000, DEV_PA, PAGE, true);
    expect(w.kvm.access(0, 0x0900_0000, 'write')).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
    expect(world({ protectedVm: true }).kvm.ioremap(0, DEV_PA, PAGE, true)).toEqual({ kind: 'errno', errno: 'EPERM' });
  });
});
