/** LOGGING_PAGE_SIZE: while logging, new leaves and writable leaves in the slot are page-sized (facts §21.35). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafWritable, overlaps } from './lib/leafInfo';
import { loggingSlots } from './lib/logging';
import { newMakes } from './lib/makes';
import { violation } from './lib/violation';
import type { Memslot } from '../../model/memslotTypes';

const NAME = 'LOGGING_PAGE_SIZE';

/** Where [a, a+size) starts to overlap the first logging slot (in table order) it meets, or -1. */
function inLogging(slots: readonly Memslot[], a: number, size: number): number {
  for (const m of slots) if (overlaps(a, a + size, m.gpa, m.gpa + m.size)) return Math.max(a, m.gpa);
  return -1;
}

/**
 * Read-only blocks made before logging was enabled may stay (no eager split by default); what a
 * step newly makes valid, and anything writable, must be a page.
 * Source: user_mem_abort force_pte when logging (facts §15.5, §17).
 */
export const loggingPageSize: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'While dirty logging is active on a slot, every leaf made valid in it and every writable leaf in it is page-sized.',
  source: 'facts §17, §21.35, §22 M6',
  check(s, cases) {
    const slots = loggingSlots(s.model.memslots);
    if (slots.length === 0) return null;
    const pgt = s.impl.pgt;
    const page = s.config.granule;
    // New mappings only: a wrprotect or AF update of an old block re-describes it in place.
    for (const m of newMakes(pgt, s.events, false)) {
      const size = m.size;
      const at = inLogging(slots, m.ipa, size);
      if (at < 0) continue;
      cases?.saw(NAME); // a mapping made in a logging slot
      if (size > page) return violation(s, NAME, `leaf of size ${hex(size)} made at ${hex(at)} in a logging slot`, { ipa: at, expected: hex(page), actual: hex(size) });
    }
    for (const l of leavesIn(pgt, s.touched)) {
      if (l.size <= page || !leafWritable(l)) continue;
      const at = inLogging(slots, l.ipa, l.size);
      if (at >= 0) return violation(s, NAME, `writable leaf of size ${hex(l.size)} covers ${hex(at)} in a logging slot`, { ipa: at, expected: hex(page), actual: hex(l.size) });
    }
    return null;
  },
};
