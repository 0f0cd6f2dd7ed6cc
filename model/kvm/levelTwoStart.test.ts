/**
 * A 1 GiB mapping on a stage 2 that starts at level 2 (4K, 32–34-bit IPA) is made of 2 MiB leaves,
 * and a write permission fault on one of them completes (the specification; mainline retries it
 * forever: kernel finding pud-fault-level2-livelock).
 */
import { world } from '../testkit/world';
import { largestLeafSize } from './blockSize';

const GIB = 0x4000_0000;
const MIB2 = 0x20_0000;
const HVA = 0x7f00_0000_0000;

describe('largestLeafSize (Arm ARM D8.3; stage2_pgtable_levels, kvm_get_vtcr)', () => {
  test('4K: level-1 blocks from a 35-bit IPA space; 16K/64K: level-2 blocks', () => {
    expect([32, 33, 34].map((b) => largestLeafSize(4096, b))).toEqual([MIB2, MIB2, MIB2]);
    expect([35, 40, 48].map((b) => largestLeafSize(4096, b))).toEqual([GIB, GIB, GIB]);
    expect(largestLeafSize(16384, 32)).toBe(0x200_0000);
    expect(largestLeafSize(65536, 48)).toBe(0x2000_0000);
  });
});

describe.each([33, 40])('a 1 GiB private hugetlb page, 4K, %i-bit IPA: read, then write', (iaBits) => {
  const leaf = iaBits < 35 ? MIB2 : GIB;
  test(`maps ${leaf === GIB ? 'one 1 GiB leaf' : '2 MiB leaves over the whole GiB'}; the write completes and makes its leaf writable`, () => {
    const w = world({ iaBits });
    expect(w.host.mmap({ hva: HVA, size: GIB, prot: 'rw', kind: 'hugetlb', hugeSize: GIB }).ok).toBe(true);
    expect(w.kvm.setMemslot({ slot: 0, gpa: GIB, size: GIB, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(w.kvm.access(0, GIB + 8, 'read').kind).toBe('ok');
    const top = GIB / 4096 + GIB / 4096 - 1;
    expect(w.kvm.mapping(GIB / 4096)).toMatchObject({ leafSize: leaf, perms: { w: false } });
    expect(w.kvm.mapping(top)).toMatchObject({ leafSize: leaf, pfn: w.kvm.mapping(GIB / 4096)!.pfn + GIB / 4096 - 1 });
    expect(w.kvm.access(0, GIB + 8, 'write').kind).toBe('ok');
    expect(w.kvm.mapping(GIB / 4096)).toMatchObject({ leafSize: leaf, perms: { w: true } });
  });
});

describe('a 1 GiB hugetlb page on a 33-bit IPA VM after one 2 MiB leaf was invalidated', () => {
  test('an access in the unmapped 2 MiB completes: the mapping installs what is missing (mainline stops at the first unchanged leaf)', () => {
    const w = world({ iaBits: 33 });
    expect(w.host.mmap({ hva: HVA, size: GIB, prot: 'rw', kind: 'hugetlb', hugeSize: GIB }).ok).toBe(true);
    expect(w.kvm.setMemslot({ slot: 0, gpa: GIB, size: GIB, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(w.kvm.access(0, GIB + 8, 'write').kind).toBe('ok');
    w.host.invalidateEnd(w.host.invalidateBegin(HVA + GIB - 0x1000, 0x1000)); // e.g. a secondary-MMU invalidation of one page
    const top = GIB / 4096 + GIB / 4096 - 1;
    expect(w.kvm.mapping(top)).toBeUndefined();
    expect(w.kvm.mapping(GIB / 4096)).toMatchObject({ leafSize: MIB2 });
    expect(w.kvm.access(0, GIB + GIB - 0x1000, 'read').kind).toBe('ok');
    expect(w.kvm.mapping(top)).toMatchObject({ leafSize: MIB2 });
  });
});
