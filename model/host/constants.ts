/** Host physical map convention and arm64 host page-table geometry (DESIGN §3, facts §1.1). */
import { S2InputError } from '../types';

/** First byte of host RAM: every PA below it is device memory (DESIGN §3 "Host physical map"). */
export const RAM_BASE_PA = 0x8000_0000;
/** User VA limit (arm64 48-bit VA, TASK_SIZE): mmap beyond it fails. */
export const TASK_SIZE = 2 ** 48;
/** Host PA limit used by this environment (48-bit PA, no LPA2): RAM and pfnmap PAs stay below. */
export const MAX_PA = 2 ** 48;
/** Host page sizes (= KVM granule on arm64). */
export const PAGE_SIZES: readonly number[] = [4096, 16384, 65536];

/** Size mapped by one PMD entry: a table page of pageSize/8 entries of pageSize (facts §1.1). */
export function pmdSizeOf(pageSize: number): number {
  return (pageSize * pageSize) / 8;
}

/** Size mapped by one PUD entry (level-1 block); only 4K has PUD huge pages on arm64. */
export function pudSizeOf(pageSize: number): number {
  return (pmdSizeOf(pageSize) * pageSize) / 8;
}

/** hugetlb sizes arm64 supports: CONT_PTE, PMD, CONT_PMD, PUD (4K only). Source: arch_hugetlb_valid_size. */
export function hugetlbSizes(pageSize: number): number[] {
  const pmd = pmdSizeOf(pageSize);
  if (pageSize === 4096) return [16 * pageSize, pmd, 16 * pmd, pudSizeOf(pageSize)];
  if (pageSize === 16384) return [128 * pageSize, pmd, 32 * pmd];
  return [32 * pageSize, pmd, 32 * pmd];
}

/**
 * Size of the host page-table leaf that maps a hugetlb page: PUD and PMD sizes are leaves of
 * their own size; CONT_PMD is built of PMD leaves, CONT_PTE of page leaves (arm64 hugetlbpage.c).
 */
export function hugetlbLeafSize(hugeSize: number, pageSize: number): number {
  const pmd = pmdSizeOf(pageSize);
  if (hugeSize === pudSizeOf(pageSize) && pageSize === 4096) return hugeSize;
  if (hugeSize >= pmd) return pmd;
  return pageSize;
}

/** True iff `pfn` is host RAM under the PA convention (PA >= RAM_BASE_PA). */
export function isRamPfn(pfn: number, pageSize: number): boolean {
  return pfn * pageSize >= RAM_BASE_PA;
}

/** Throws S2InputError unless `v` is a non-negative safe integer (no Linux equivalent). */
export function checkAddr(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new S2InputError(field, `must be a non-negative safe integer, got ${String(v)}`);
  }
  return v;
}

/** Round `v` down to a multiple of `align`. */
export function alignDown(v: number, align: number): number {
  return v - (v % align);
}

/** [hva, hva+size) of a notifier step: page-aligned, non-empty, no overflow, else S2InputError (no Linux equivalent). */
export function checkRange(hva: number, size: number, pageSize: number): number {
  checkAddr('hva', hva);
  checkAddr('size', size);
  if (hva % pageSize !== 0) throw new S2InputError('hva', 'must be page-aligned');
  if (size === 0 || size % pageSize !== 0) throw new S2InputError('size', 'must be a non-zero multiple of the page size');
  if (!Number.isSafeInteger(hva + size)) throw new S2InputError('size', 'range overflows');
  return hva + size;
}
