/** MEMSLOTS_DISJOINT: memslots never overlap in guest physical space (facts §21.16). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'MEMSLOTS_DISJOINT';

/** Source: __kvm_set_memory_region overlap check → -EEXIST (facts §12.2). O(#slots log #slots), only on setMemslot steps. */
export const memslotsDisjoint: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No two memslots overlap in guest physical address space.',
  source: 'facts §12.2, §21.16',
  check(s, cases) {
    if (s.step.op !== 'setMemslot') return null;
    cases?.saw(NAME);
    for (const [side, table] of [['impl', s.impl.memslots], ['model', s.model.memslots]] as const) {
      const slots = [...table.values()].sort((a, b) => a.gpa - b.gpa);
      for (let i = 1; i < slots.length; i++) {
        const a = slots[i - 1];
        const b = slots[i];
        if (b.gpa < a.gpa + a.size) return violation(s, NAME, `${side}: slots ${a.id} and ${b.id} overlap at ${hex(b.gpa)}`, { ipa: b.gpa });
      }
    }
    return null;
  },
};
