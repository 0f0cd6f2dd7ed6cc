/** Abstract attributes of a valid leaf read through the codec's predicates (never raw bits). */
import * as C from '../../../impl/descriptor/codec';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { Memslot } from '../../../model/memslotTypes';
import type { Leaf } from './walk';
import { stage2GetLeaf, type LeafOut } from '../../../impl/ops/leaf';

/** Output PA of the leaf's span start (OA rounded down to the leaf size). */
export function leafPa(pgt: Stage2Pgtable, l: Leaf): number {
  const oa = C.oaOf(l.lo, l.hi, pgt.geom.pageShift);
  return oa - (oa % l.size);
}

/**
 * The PA the valid leaf covering `ipa` maps it to, its words left in `out`; -1 when no valid leaf
 * covers it (stage2GetLeaf).
 */
export function leafPaAt(pgt: Stage2Pgtable, ipa: number, out: LeafOut): number {
  if (stage2GetLeaf(pgt, ipa, out) !== 0 || !out.valid) return -1;
  const size = pgt.geom.granules[out.level];
  const oa = C.oaOf(out.lo, out.hi, pgt.geom.pageShift);
  return oa - (oa % size) + (ipa % size);
}

export const leafWritable = (l: Leaf): boolean => C.isWritable(l.lo);
export const leafExec = (l: Leaf): boolean => C.isExecutable(l.lo, l.hi);
export const leafMemtype = (pgt: Stage2Pgtable, l: Leaf): C.DecodedMemType => C.memTypeOf(l.lo, pgt.fwb);

/** The slot containing `ipa`, O(#slots). Source: __gfn_to_memslot (facts §12). */
export function slotAt(slots: ReadonlyMap<number, Memslot>, ipa: number): Memslot | undefined {
  for (const s of slots.values()) if (ipa >= s.gpa && ipa < s.gpa + s.size) return s;
  return undefined;
}

/** [a, b) ∩ [c, d) is not empty: clip(a, b, c, d) !== null, without the pair. */
export const overlaps = (a: number, b: number, c: number, d: number): boolean => Math.max(a, c) < Math.min(b, d);

/** [a, b) ∩ [c, d), or null. */
export function clip(a: number, b: number, c: number, d: number): [number, number] | null {
  const lo = Math.max(a, c);
  const hi = Math.min(b, d);
  return lo < hi ? [lo, hi] : null;
}

/** Pages sampled from [a, b) at most (samplePages); the k-th sample is sampleAt(a, b, page, k). */
export const SAMPLE_CAP = 64;

/** How many samples samplePages(a, b, page) has. */
export function sampleCount(a: number, b: number, page: number): number {
  const n = Math.ceil((b - a) / page);
  return n <= SAMPLE_CAP ? n : Math.ceil(n / Math.ceil(n / (SAMPLE_CAP - 1))) + 1;
}

/** The k-th sample of samplePages(a, b, page), without the list: every page, or an even stride then the last page. */
export function sampleAt(a: number, b: number, page: number, k: number): number {
  const n = Math.ceil((b - a) / page);
  if (n <= SAMPLE_CAP) return a + k * page;
  const step = Math.ceil(n / (SAMPLE_CAP - 1));
  return k < Math.ceil(n / step) ? a + k * step * page : a + (n - 1) * page;
}

/** Page addresses of [a, b), at most SAMPLE_CAP of them: both ends and an even stride between (bounded cost on 1G blocks). */
export function samplePages(a: number, b: number, page: number): number[] {
  const out: number[] = [];
  for (let k = 0, m = sampleCount(a, b, page); k < m; k++) out.push(sampleAt(a, b, page, k));
  return out;
}

export const hex = (n: number): string => '0x' + n.toString(16);
