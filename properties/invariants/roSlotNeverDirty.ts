/** RO_SLOT_NEVER_DIRTY: READONLY slots never get dirty bits (facts §21.38). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { violation } from './lib/violation';

const NAME = 'RO_SLOT_NEVER_DIRTY';

/** Source: kvm_slot_dirty_track_enabled excludes READONLY; mark_page_dirty only after a writable fault (facts §17, §19 #54). */
export const roSlotNeverDirty: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No READONLY memslot has a dirty bit set, even with LOG_DIRTY, and a getDirtyLog of one reports nothing.',
  source: 'facts §17, §21.38, §22 M22',
  check(s, cases) {
    for (const m of s.model.memslots.values()) {
      if (m.flags.readonly && m.flags.logDirty) cases?.saw(NAME); // a READONLY slot that logs
      if (m.flags.readonly && m.dirty && m.dirty.size > 0) return violation(s, NAME, `READONLY slot ${m.id} has ${m.dirty.size} dirty pages`, { ipa: m.gpa });
    }
    return null;
  },
};
