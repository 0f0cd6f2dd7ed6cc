/** UNMAP_CLEANS_DCACHE: without FWB, a page the guest wrote is cleaned and invalidated to PoC before stage 2 lets go of it (issue 16). */
import * as C from '../../impl/descriptor/codec';
import { makeLeafOut } from '../../impl/ops/leaf';
import type { Stage2Pgtable } from '../../impl/pgtable';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex, leafPaAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'UNMAP_CLEANS_DCACHE';
const leafOut = makeLeafOut();

/** The first of `pages` inside the removed leaf [oa, oa+size) at `ipa` that the guest no longer maps there, or -1. */
function firstLeft(pages: Iterable<number>, pgt: Stage2Pgtable, ipa: number, oa: number, size: number): number {
  for (const p of pages) {
    if (p < oa || p >= oa + size) continue;
    if (leafPaAt(pgt, ipa + (p - oa), leafOut) !== p) return p; // else still the guest's page
  }
  return -1;
}

/**
 * Source: stage2_unmap_walker (arch/arm64/kvm/hyp/pgtable.c: a cacheable leaf removed without FWB
 * is cleaned+invalidated to PoC, kvm-s2-facts §7); Arm ARM D7.5 (data cache maintenance to PoC
 * makes a write visible to non-cacheable observers, and an invalidate drops stale lines that a
 * cacheable reader, the host copying the page, would otherwise see over a non-cacheable write). Only leaves cleared outright count, as the
 * unmap walker clears them (MMU-notifier unmap, memslot deletion): a leaf replaced by break-before-make
 * (a block split into an empty table, an ioremap) leaves the page with the guest, re-faulted and
 * cleaned by the map path; a page mapped again at the same IPA in the same step is still the guest's.
 */
export const unmapCleansDcache: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Without FWB, when KVM unmaps a page the guest wrote (through the cache, or around it), its lines were first cleaned and invalidated to the Point of Coherency.',
  source: 'stage2_unmap_walker (arch/arm64/kvm/hyp/pgtable.c); Arm ARM D7.5',
  check(s, cases) {
    const dc = s.impl.dcache;
    if (!dc || dc.size === 0) return null;
    const pgt = s.impl.pgt;
    const g = pgt.geom;
    for (const ev of s.events) {
      // The unmap walker's signature: a valid leaf cleared outright (a break stores LOCKED and is followed by a make).
      if (ev.op !== 'pteStore' || !C.isValid(ev.oldLo) || C.isTable(ev.oldLo, ev.level, pgt.lastLevel) || ev.newLo !== 0 || ev.newHi !== 0) continue;
      cases?.saw(NAME); // a leaf left its place while the guest had dirty lines
      const size = g.granules[ev.level];
      const oa = C.oaOf(ev.oldLo, ev.oldHi, g.pageShift);
      for (const [pages, what, effect] of [
        [dc.pages(), 'written by the guest through a cacheable mapping', 'memory holds stale data for any non-coherent reader'],
        [dc.ncPages(), 'written by the guest around the cache', 'stale lines remain for the host\'s next cacheable read (a migration copies them)'],
      ] as const) {
        const p = firstLeft(pages, pgt, ev.ipa, oa, size);
        if (p < 0) continue;
        const ipa = ev.ipa + (p - oa);
        return violation(s, NAME, `page ${hex(p)} (ipa ${hex(ipa)}) was ${what} and is no longer mapped, but no clean+invalidate to PoC reached it: ${effect}`,
          { ipa, expected: `DC CIVAC of ${hex(p)} before the unmap`, actual: 'no clean+invalidate' });
      }
    }
    return null;
  },
};
