/** DIRTY_LOG_COMPLETE: while logging, leaves are pages and every writable one is dirty since the last harvest (facts §21.35–36). */
import type { Invariant, Snapshot, Violation } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafWritable, overlaps } from './lib/leafInfo';
import { loggingSlots } from './lib/logging';
import { violation } from './lib/violation';
import { ioremapLeafAt } from './lib/ioremapped';

const NAME = 'DIRTY_LOG_COMPLETE';

/** The violation at `ipa`: message prefixed with it. */
const found = (s: Snapshot<unknown, unknown>, ipa: number, msg: string): Violation => violation(s, NAME, `${hex(ipa)}: ${msg}`, { ipa });

/**
 * A writable leaf lets the guest write without a fault, so its gfn must already be in the bitmap
 * (else the write is lost from the next log); a writable block would let writes to its other pages go
 * unlogged. Read-only blocks may survive enabling (eager split is off by default, facts §17).
 * Dirty bits are read from the model's slot table (same ioctls, compared outcome by outcome).
 * Source: kvm_get_dirty_log_protect, user_mem_abort force_pte + mark_page_dirty (facts §17).
 */
export const dirtyLogComplete: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'While logging is active on a slot, no writable leaf in it is larger than a page and every writable leaf\'s gfn is dirty since the last harvest.',
  source: 'facts §17, §21.35–36, §22 M6, M9, M18',
  check(s, cases) {
    const slots = loggingSlots(s.model.memslots);
    if (slots.length === 0) return null;
    const page = s.config.granule;
    for (const l of leavesIn(s.impl.pgt, s.touched)) {
      if (!leafWritable(l)) continue;
      for (const m of slots) {
        if (!overlaps(l.ipa, l.ipa + l.size, m.gpa, m.gpa + m.size)) continue;
        cases?.saw(NAME); // a writable leaf in a logging slot
        if (l.size > page) return found(s, Math.max(l.ipa, m.gpa), `writable leaf of size ${hex(l.size)} in logging slot ${m.id}`);
        const idx = (l.ipa - m.gpa) / page;
        if (!m.dirty?.has(idx) && !ioremapLeafAt(s, l.ipa)) return found(s, l.ipa, `writable leaf in logging slot ${m.id} but page ${idx} is not dirty`);
      }
    }
    return null;
  },
};
