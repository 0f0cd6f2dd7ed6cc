/** Abstract attributes of a valid leaf read through the codec's predicates (never raw bits). */
import * as C from '../../../impl/descriptor/codec';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { Memslot } from '../../../model/memslotTypes';
import type { Leaf } from './walk';

/** Output PA of the leaf's span start (OA rounded down to the leaf size). */
export function leafPa(pgt: Stage2Pgtable, l: Leaf): number {
  const oa = C.oaOf(l.lo, l.hi, pgt.geom.pageShift);
  return oa - (oa % l.size);
}

export const leafWritable = (l: Leaf): boolean => C.isWritable(l.lo);
export const leafExec = (l: Leaf): boolean => C.isExecutable(l.lo, l.hi);
export const leafMemtype = (pgt: Stage2Pgtable, l: Leaf): C.DecodedMemType => C.memTypeOf(l.lo, pgt.fwb);

/** The slot containing `ipa`, O(#slots). Source: __gfn_to_memslot (facts §12). */
export function slotAt(slots: ReadonlyMap<number, Memslot>, ipa: number): Memslot | undefined {
  for (const s of slots.values()) if (ipa >= s.gpa && ipa < s.gpa + s.size) return s;
  return undefined;
}

/** [a, b) ∩ [c, d), or null. */
export function clip(a: number, b: number, c: number, d: number): [number, number] | null {
  const lo = Math.max(a, c);
  const hi = Math.min(b, d);
  return lo < hi ? [lo, hi] : null;
}

/** Page addresses of [a, b), at most `cap` of them: both ends and an even stride between (bounded cost on 1G blocks). */
export function samplePages(a: number, b: number, page: number, cap = 64): number[] {
  const n = Math.ceil((b - a) / page);
  if (n <= cap) return Array.from({ length: n }, (_, i) => a + i * page);
  const step = Math.ceil(n / (cap - 1));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(a + i * page);
  out.push(a + (n - 1) * page);
  return out;
}

export const hex = (n: number): string => '0x' + n.toString(16);
