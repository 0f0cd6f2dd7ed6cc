/** Tests of the largest-leaf rule: huge-mapping rule, VMA size, THP, force_pte (facts §15.4–15.5). */
import type { Vma } from '../host/types';
import { hugeRuleHolds, maxLeafSize, vmaSuggestedSize } from './blockSize';

const M2 = 0x200000;
const G1 = 0x40000000;
const anon = (start: number, size: number): Vma => ({ hva: start, size, prot: 'rw', kind: 'anon', start, end: start + size });

describe('huge-mapping rule (facts §15.5)', () => {
  const slot = { gpa: 0x40000000, hva: 0x7f0000000000, size: 4 * M2 };
  test.each([
    ['PAGE always passes', slot, slot.hva + 0x1000, 0x1000, true],
    ['congruent, block inside', slot, slot.hva + M2 + 0x3000, M2, true],
    ['not congruent', { ...slot, gpa: slot.gpa + 0x1000 }, slot.hva + M2, M2, false],
    ['tail block leaves the slot', { ...slot, size: 3 * M2 + 0x100000 }, slot.hva + 3 * M2 + 0x1000, M2, false],
  ])('%s', (_n, s, hva, size, want) => {
    expect(hugeRuleHolds(s, hva, size, 4096)).toBe(want);
  });
});

describe('maxLeafSize (facts §15.4 steps 4–6, 14)', () => {
  const slot = { gpa: 0x40000000, hva: 0x7f0000000000, size: 4 * M2 };
  const base = { slot, vma: anon(slot.hva, slot.size), hva: slot.hva + M2, granule: 4096 as const, logging: false, nonCacheable: false, hostLeaf: M2 };
  test('THP-backed congruent anon: PMD', () => expect(maxLeafSize(base)).toBe(M2));
  test('logging forces PAGE', () => expect(maxLeafSize({ ...base, logging: true })).toBe(0x1000));
  test('no THP at the host: PAGE', () => expect(maxLeafSize({ ...base, hostLeaf: 0x1000 })).toBe(0x1000));
  test('non-cacheable memory never gets the THP upgrade', () => expect(maxLeafSize({ ...base, nonCacheable: true })).toBe(0x1000));
  test('hugetlb 1G on a slot too small for 1G falls back to 2M', () => {
    const vma: Vma = { ...anon(0x7f0000000000 - 0x40000000 + 0x40000000, G1), kind: 'hugetlb', hugeSize: G1 };
    expect(maxLeafSize({ ...base, vma, hostLeaf: G1 })).toBe(M2);
  });
  test('hugetlb 2M whose block leaves the slot: PAGE and no THP (force_pte)', () => {
    const vma: Vma = { ...anon(slot.hva, slot.size), kind: 'hugetlb', hugeSize: M2 };
    const s2 = { ...slot, size: M2 + 0x1000 };
    expect(maxLeafSize({ ...base, slot: s2, vma, hva: slot.hva + M2 })).toBe(0x1000);
  });
  test('pfnmap: block only where hva ≡ pa and the block is inside the VMA', () => {
    const vma: Vma = { ...anon(slot.hva, slot.size), kind: 'pfnmap', pa: 0x10000000 };
    expect(vmaSuggestedSize(vma, slot.hva + M2, 4096)).toBe(M2);
    expect(vmaSuggestedSize({ ...vma, pa: 0x10001000 }, slot.hva + M2, 4096)).toBe(0x1000);
  });
});
