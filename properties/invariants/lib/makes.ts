/** Leaves a step made valid, from its recorded pteStores, minus those that only re-describe an old leaf (split, perms). */
import * as C from '../../../impl/descriptor/codec';
import type { EffectEvent } from '../../../impl/effects';
import type { Stage2Pgtable } from '../../../impl/pgtable';

/** One newly valid leaf: event index, IPA span, PA. */
export interface Make {
  event: number;
  ipa: number;
  size: number;
  pa: number;
  lo: number;
  hi: number;
}

interface OldLeaf { ipa: number; size: number; pa: number; exec: boolean }

/** Valid leaves (IPA span → PA) this step's stores replaced or overwrote, by the start of their span, and the spans' sizes. */
function oldLeaves(pgt: Stage2Pgtable, ev: readonly EffectEvent[]): { byIpa: Map<number, OldLeaf[]>; sizes: number[] } {
  const byIpa = new Map<number, OldLeaf[]>();
  const sizes: number[] = [];
  for (const e of ev) {
    if (e.op !== 'pteStore' || !C.isValid(e.oldLo) || C.isTable(e.oldLo, e.level, pgt.lastLevel)) continue;
    const size = pgt.geom.granules[e.level];
    const oa = C.oaOf(e.oldLo, e.oldHi, pgt.geom.pageShift);
    const o = { ipa: e.ipa, size, pa: oa - (oa % size), exec: C.isExecutable(e.oldLo, e.oldHi) };
    const at = byIpa.get(e.ipa);
    if (at) at.push(o);
    else byIpa.set(e.ipa, [o]);
    if (!sizes.includes(size)) sizes.push(size);
  }
  return { byIpa, sizes };
}

/** An old leaf that mapped [ipa, ipa+size) to `pa` (and was executable, when `needOldExec`): looked up by span start, one probe per leaf size. */
function sameAsOld(olds: ReturnType<typeof oldLeaves>, ipa: number, size: number, pa: number, needOldExec: boolean): boolean {
  for (const g of olds.sizes) {
    if (g < size) continue;
    for (const o of olds.byIpa.get(ipa - (ipa % g)) ?? []) {
      if (o.size === g && pa === o.pa + (ipa - o.ipa) && (!needOldExec || o.exec)) return true;
    }
  }
  return false;
}

const NO_MAKES: readonly Make[] = Object.freeze([]);

/**
 * Leaves made valid by this step whose memory is new to that IPA: not a split of (or a permission
 * change on) a leaf that mapped the same IPA to the same PA before. `needOldExec`: also count as
 * new when the old leaf was not executable (for I-cache maintenance).
 */
export function newMakes(pgt: Stage2Pgtable, ev: readonly EffectEvent[], needOldExec: boolean): readonly Make[] {
  let olds: ReturnType<typeof oldLeaves> | null = null; // built on the first made leaf: most steps make none
  let out: Make[] | null = null;
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i];
    if (e.op !== 'pteStore' || !C.isValid(e.newLo) || C.isTable(e.newLo, e.level, pgt.lastLevel)) continue;
    const size = pgt.geom.granules[e.level];
    const oa = C.oaOf(e.newLo, e.newHi, pgt.geom.pageShift);
    const pa = oa - (oa % size);
    olds ??= oldLeaves(pgt, ev);
    if (!sameAsOld(olds, e.ipa, size, pa, needOldExec)) (out ??= []).push({ event: i, ipa: e.ipa, size, pa, lo: e.newLo, hi: e.newHi });
  }
  return out ?? NO_MAKES;
}

/** Is there a maintenance event of `op` before index `before` covering [pa, pa+size)? */
export function maintained(ev: readonly EffectEvent[], op: 'dcacheCleanInvalPoc' | 'icacheInvalPou', before: number, pa: number, size: number): boolean {
  for (let j = 0; j < before; j++) {
    const e = ev[j];
    if (e.op === op && e.pa <= pa && pa + size <= e.pa + e.size) return true;
  }
  return false;
}

/** Whether this step stored a descriptor (any level): the case of the per-entry encoding checks. */
export const storesDescriptor = (ev: readonly EffectEvent[]): boolean => ev.some((e) => e.op === 'pteStore');
