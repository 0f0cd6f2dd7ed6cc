/** DELETED_SLOT_UNMAPPED: after a memslot DELETE or MOVE returns, nothing maps the old range (facts §21.19). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { forEachLeafIn } from './lib/walk';
import { clip, hex, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';
import type { Memslot } from '../../model/memslotTypes';

const NAME = 'DELETED_SLOT_UNMAPPED';
/** Slot placements seen after the previous step, per impl object (the invariant's own memory, O(#slots)). */
const before = new WeakMap<object, Map<number, { gpa: number; size: number }>>();

/** Do the placements `p` hold exactly what a copy of `slots` would (same ids, gpa and size)? */
function samePlacements(p: Map<number, { gpa: number; size: number }>, slots: ReadonlyMap<number, Memslot>): boolean {
  if (p.size !== slots.size) return false;
  for (const m of slots.values()) {
    const e = p.get(m.id);
    if (e === undefined || e.gpa !== m.gpa || e.size !== m.size) return false;
  }
  return true;
}

/** Record this step's placements and return the previous step's (a fresh copy only when a slot moved, came or went). */
function remember(s: { impl: ImplView; model: ModelView }): Map<number, { gpa: number; size: number }> | undefined {
  const prev = before.get(s.impl);
  if (prev && samePlacements(prev, s.model.memslots)) return prev;
  before.set(s.impl, new Map([...s.model.memslots.values()].map((m) => [m.id, { gpa: m.gpa, size: m.size }])));
  return prev;
}

/** Source: kvm_arch_flush_shadow_memslot → unmap [base_gfn, +npages) (facts §12.3, §13). */
export const deletedSlotUnmapped: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'After a setMemslot that deletes or moves a slot succeeds, no stage-2 leaf maps the old range (other than ioremap pages or another slot now there).',
  source: 'facts §12.3, §13, §21.19',
  check(s, cases) {
    const prev = remember(s);
    const st = s.step;
    if (st.op !== 'setMemslot' || s.implOutcome.kind !== 'ok' || !prev) return null;
    const old = prev.get(st.slot);
    const now = s.model.memslots.get(st.slot);
    if (!old || (now && now.gpa === old.gpa)) return null;
    cases?.saw(NAME); // a slot deleted or moved
    let at = -1;
    forEachLeafIn(s.impl.pgt, [[old.gpa, old.gpa + old.size]], (l) => {
      if (at >= 0) return;
      const c = clip(l.ipa, l.ipa + l.size, old.gpa, old.gpa + old.size);
      // A leaf made by this very step inside the new location of a moved slot cannot exist (faults come later).
      if (c && slotAt(s.model.memslots, c[0]) === undefined && s.model.permitted(c[0] / s.config.granule) === null) at = c[0];
      else if (c && slotAt(s.model.memslots, c[0])?.id === st.slot) at = c[0];
    });
    return at < 0 ? null : violation(s, NAME, `slot ${st.slot} ${now ? 'moved' : 'deleted'} but ${hex(at)} is still mapped`, { ipa: at });
  },
};
