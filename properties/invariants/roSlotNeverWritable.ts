/** RO_SLOT_NEVER_WRITABLE: no writable stage-2 leaf inside a READONLY memslot (seed 000, facts §21.22). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafWritable, overlaps } from './lib/leafInfo';
import type { Memslot } from '../../model/memslotTypes';
import { violation } from './lib/violation';
import { ioremapLeafAt } from './lib/ioremapped';

const NAME = 'RO_SLOT_NEVER_WRITABLE';

function anyReadonly(slots: ReadonlyMap<number, Memslot>): boolean {
  for (const m of slots.values()) if (m.flags.readonly) return true;
  return false;
}

/** The first READONLY slot (in table order) overlapping [a, b). */
function firstReadonlyOverlap(slots: ReadonlyMap<number, Memslot>, a: number, b: number): Memslot | undefined {
  for (const m of slots.values()) if (m.flags.readonly && overlaps(a, b, m.gpa, m.gpa + m.size)) return m;
  return undefined;
}

/** Source: user_mem_abort writable = !READONLY (facts §15.4), seed 000 (PAGE_S2_DEVICE read-only). */
export const roSlotNeverWritable: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No writable stage-2 leaf maps any IPA of a READONLY memslot (kvm_phys_addr_ioremap pages excepted).',
  source: 'seed 000; facts §21.22, §22 M10',
  check(s, cases) {
    const slots = s.model.memslots;
    if (!anyReadonly(slots)) return null;
    for (const l of leavesIn(s.impl.pgt, s.touched)) {
      const hit = firstReadonlyOverlap(slots, l.ipa, l.ipa + l.size);
      if (!hit) continue;
      cases?.saw(NAME); // a leaf in a READONLY slot
      if (!leafWritable(l)) continue;
      const ipa = Math.max(l.ipa, hit.gpa);
      // kvm_phys_addr_ioremap pages are not memslot mappings: writable as asked (facts §15.9, §21.20).
      if (!ioremapLeafAt(s, ipa)) return violation(s, NAME, `writable leaf at ${hex(ipa)} in READONLY slot ${hit.id}`, { ipa, expected: 'not writable', actual: 'W' });
    }
    return null;
  },
};
