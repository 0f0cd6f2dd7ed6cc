/** Bad input: Linux errnos for mmap-like calls, S2InputError where Linux has no equivalent. */
import { HostMm } from './hostMm';
import { S2InputError } from '../types';
import type { VmaSpec } from './types';
import { A, GIB, P, PMD } from './testUtil';

const EINVAL = { ok: false, errno: 'EINVAL' };

describe('mmap validation', () => {
  const mm = new HostMm();
  const bad: Array<[string, VmaSpec, unknown]> = [
    ['unaligned hva', { hva: A + 1, size: P, prot: 'rw', kind: 'anon' }, EINVAL],
    ['unaligned size', { hva: A, size: P + 8, prot: 'rw', kind: 'anon' }, EINVAL],
    ['size 0', { hva: A, size: 0, prot: 'rw', kind: 'anon' }, EINVAL],
    ['beyond TASK_SIZE', { hva: 2 ** 48 - P, size: 2 * P, prot: 'rw', kind: 'anon' }, { ok: false, errno: 'ENOMEM' }],
    ['unknown kind', { hva: A, size: P, prot: 'rw', kind: 'shm' } as unknown as VmaSpec, EINVAL],
    ['unknown prot', { hva: A, size: P, prot: 'rwx', kind: 'anon' } as unknown as VmaSpec, EINVAL],
    ['unknown pgprot', { hva: A, size: P, prot: 'rw', kind: 'pfnmap', pa: 0, pgprot: 'wc' } as unknown as VmaSpec, EINVAL],
    ['pgprot on anon', { hva: A, size: P, prot: 'rw', kind: 'anon', pgprot: 'device' }, EINVAL],
    ['pa on file', { hva: A, size: P, prot: 'rw', kind: 'file', pa: 0 }, EINVAL],
    ['hugeSize on anon', { hva: A, size: PMD, prot: 'rw', kind: 'anon', hugeSize: PMD }, EINVAL],
    ['pfnmap without pa', { hva: A, size: P, prot: 'rw', kind: 'pfnmap' }, EINVAL],
    ['pfnmap unaligned pa', { hva: A, size: P, prot: 'rw', kind: 'pfnmap', pa: 0x800 }, EINVAL],
    ['pfnmap pa beyond 48 bits', { hva: A, size: 2 * P, prot: 'rw', kind: 'pfnmap', pa: 2 ** 48 - P }, EINVAL],
    ['pfnmap with uffd', { hva: A, size: P, prot: 'rw', kind: 'pfnmap', pa: 0, uffd: true }, EINVAL],
    ['unsupported hugeSize', { hva: A, size: 0x40_0000, prot: 'rw', kind: 'hugetlb', hugeSize: 0x40_0000 }, EINVAL],
    ['hugetlb size not a multiple', { hva: A, size: PMD + P, prot: 'rw', kind: 'hugetlb' }, EINVAL],
    ['hugetlb hva not aligned', { hva: A + PMD, size: GIB, prot: 'rw', kind: 'hugetlb', hugeSize: GIB }, EINVAL],
  ];
  it.each(bad)('%s', (_name, spec, want) => {
    expect(mm.mmap(spec)).toEqual(want);
    expect(mm.vmas()).toEqual([]);
  });

  it('non-numbers and negative numbers throw S2InputError naming the field', () => {
    expect(() => mm.mmap({ hva: -P, size: P, prot: 'rw', kind: 'anon' })).toThrow(/^hva: /);
    expect(() => mm.mmap({ hva: A, size: 0.5, prot: 'rw', kind: 'anon' })).toThrow(/^size: /);
    expect(() => mm.mmap({ hva: A, size: P, prot: 'rw', kind: 'anon', uffd: 1 as unknown as boolean })).toThrow(/^uffd: /);
    expect(() => mm.hvaToPfn(Number.NaN, { write: false, writableOk: true })).toThrow(S2InputError);
    expect(() => new HostMm({ pageSize: 8192 })).toThrow(/^pageSize: /);
  });

  it('huge sizes follow the granule: 16K has no 1G PUD but a 1G CONT_PMD; 4K has 64K CONT_PTE', () => {
    const m16 = new HostMm({ pageSize: 16384 });
    expect(m16.pmdSize).toBe(0x200_0000);
    expect(m16.mmap({ hva: A, size: GIB, prot: 'rw', kind: 'hugetlb', hugeSize: GIB })).toEqual({ ok: true });
    expect(m16.mmap({ hva: A + 64 * GIB, size: 64 * GIB, prot: 'rw', kind: 'hugetlb', hugeSize: 64 * GIB })).toEqual(EINVAL);
    expect(new HostMm().mmap({ hva: A, size: 0x1_0000, prot: 'rw', kind: 'hugetlb', hugeSize: 0x1_0000 })).toEqual({ ok: true });
  });
});

describe('range calls', () => {
  const mm = new HostMm();
  it('munmap: unaligned start or size, or size 0, is EINVAL', () => {
    expect(mm.munmap(A + 1, P)).toEqual(EINVAL);
    expect(mm.munmap(A, 0)).toEqual(EINVAL);
    expect(mm.munmap(A, 12)).toEqual(EINVAL);
    expect(mm.munmap(2 ** 48, P)).toEqual(EINVAL);
  });
  it('mprotect / madvise: unaligned start or bad prot is EINVAL; no VMA is ENOMEM', () => {
    expect(mm.mprotect(A + 1, P, 'r')).toEqual(EINVAL);
    expect(mm.mprotect(A, P, 'x' as unknown as 'r')).toEqual(EINVAL);
    expect(mm.mprotect(A, P, 'r')).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(mm.madviseDontneed(A + 1, P)).toEqual(EINVAL);
    expect(mm.madviseDontneed(A, P)).toEqual({ ok: false, errno: 'ENOMEM' });
  });
  it('range operations cost what is populated, not the size of the range (1 TiB VMA)', () => {
    const big = new HostMm();
    const T = 2 ** 40;
    expect(big.mmap({ hva: T, size: T, prot: 'rw', kind: 'anon' })).toEqual({ ok: true });
    big.touch(T + 5 * P, true);
    big.touch(2 * T - P, true);
    expect(big.mprotect(T, T, 'r')).toEqual({ ok: true });
    expect(big.madviseDontneed(T, T)).toEqual({ ok: true });
    big.invalidateEnd(big.invalidateBegin(T, T));
    expect(big.munmap(T, T)).toEqual({ ok: true });
    expect(big.vmas()).toEqual([]);
  });
});
