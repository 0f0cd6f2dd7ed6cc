/** NO_STALE_PFN: leaves follow the host's current PTEs; none inside an open invalidation (seed 001, facts §14, §21.30–33). */
import type { Invariant, HostQuery } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { leavesIn, type Leaf } from './lib/walk';
import { hex, leafPa, leafWritable, sampleAt, sampleCount, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';
import { ioremapLeafAt } from './lib/ioremapped';
import type { Stage2Pgtable } from '../../impl/pgtable';
import type { Memslot } from '../../model/memslotTypes';

const NAME = 'NO_STALE_PFN';

/** Why the page at `ipa` of leaf `l` (inside `slot`) is stale, or null. */
function stale(pgt: Stage2Pgtable, host: HostQuery, open: readonly { start: number; end: number }[], l: Leaf, slot: Memslot, ipa: number): string | null {
  const hva = slot.hva + (ipa - slot.gpa);
  for (const r of open) if (hva >= r.start && hva < r.end) return `mapped while hva ${hex(hva)} is being invalidated`;
  if (open.length > 0) return null;
  const pte = host.pte(hva);
  const pa = leafPa(pgt, l) + (ipa - l.ipa);
  const page = pgt.geom.granule;
  if (!pte) return `maps pa ${hex(pa)} but the host maps nothing at hva ${hex(hva)}`;
  if (pte.pfn * page !== pa) return `maps pa ${hex(pa)} but the host maps pa ${hex(pte.pfn * page)} at hva ${hex(hva)}`;
  if (leafWritable(l) && !pte.writable) return `writable but the host PTE at hva ${hex(hva)} is read-only`;
  return null;
}

/**
 * Source: mmu_invalidate_retry_gfn (facts §14.4) and the notifier unmap (§14.2); seed 001.
 * Only the part of a leaf inside a touched range can have changed on either side this step; its
 * pages are sampled (ends + stride, ≤ 64 per part) to bound the cost.
 */
export const noStalePfn: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'During an open invalidation no leaf maps a gfn whose hva is inside it; with none open, every leaf maps the pfn the host maps now at the slot\'s hva, writable only if the host PTE is.',
  source: 'seed 001; facts §14, §21.30, §21.31, §21.33',
  check(s, cases) {
    const host = hostOf(s);
    if (!host || s.touched.length === 0) return null;
    const pgt = s.impl.pgt;
    let open: readonly { start: number; end: number }[] | null = null; // asked for once, when a leaf is there
    const touched = s.touched;
    const page = pgt.geom.granule;
    for (const l of leavesIn(pgt, touched)) {
      for (let r = 0; r < touched.length; r++) {
        const lo = Math.max(l.ipa, touched[r][0]);
        const hi = Math.min(l.ipa + l.size, touched[r][1]);
        if (lo >= hi) continue;
        for (let k = 0, m = sampleCount(lo, hi, page); k < m; k++) {
          const ipa = sampleAt(lo, hi, page, k);
          const slot = slotAt(s.model.memslots, ipa);
          if (!slot) continue; // outside slots: NO_MAPPING_OUTSIDE_SLOTS judges it
          cases?.saw(NAME); // a slot page a leaf maps
          const why = stale(pgt, host, (open ??= host.openInvalidations()), l, slot, ipa);
          if (why && !ioremapLeafAt(s, ipa)) return violation(s, NAME, `leaf at ${hex(ipa)} ${why}`, { ipa });
        }
      }
    }
    return null;
  },
};
