/** DIRTY_LOG_COMPLETE: while logging, leaves are pages and every writable one is dirty since the last harvest (facts §21.35–36). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { forEachLeafIn } from './lib/walk';
import { clip, hex, leafWritable } from './lib/leafInfo';
import { loggingSlots } from './lib/logging';
import { violation } from './lib/violation';
import { ioremapped } from './lib/ioremapped';

const NAME = 'DIRTY_LOG_COMPLETE';

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
  check(s) {
    const slots = loggingSlots(s.model.memslots);
    if (slots.length === 0) return null;
    const page = s.config.granule;
    let bad: { ipa: number; msg: string } | null = null;
    forEachLeafIn(s.impl.pgt, s.touched, (l) => {
      for (const m of slots) {
        if (bad) return;
        const c = clip(l.ipa, l.ipa + l.size, m.gpa, m.gpa + m.size);
        if (!c) continue;
        if (!leafWritable(l)) continue;
        if (l.size > page) { bad = { ipa: c[0], msg: `writable leaf of size ${hex(l.size)} in logging slot ${m.id}` }; return; }
        const idx = (l.ipa - m.gpa) / page;
        if (!m.dirty?.has(idx) && !ioremapped(s.impl, s.config.granule, l.ipa)) bad = { ipa: l.ipa, msg: `writable leaf in logging slot ${m.id} but page ${idx} is not dirty` };
      }
    });
    if (!bad) return null;
    const b: { ipa: number; msg: string } = bad;
    return violation(s, NAME, `${hex(b.ipa)}: ${b.msg}`, { ipa: b.ipa });
  },
};
