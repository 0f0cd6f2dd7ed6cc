/**
 * Deliberately broken snapshots for the invariants no historical switch breaks (test-only): each
 * corrupts the impl through the library's write API (Stage2Pgtable.store, stage2Map, stage2RelaxPerms)
 * or forges the snapshot (event list, views) at the fixture's last step.
 */
import * as C from '../../../impl/descriptor/codec';
import { tableIndex } from '../../../impl/geometry';
import { stage2Map } from '../../../impl/ops/map';
import { stage2RelaxPerms } from '../../../impl/ops/attrs';
import { tablePageAt } from '../../../impl/ops/testkit';
import { PROT_R, PROT_X } from '../../../impl/descriptor/prot';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { Memslot } from '../../../model/memslotTypes';
import type { InvSnapshot } from '../lib/view';

const IPA = 0x40000000;

/** Word index of the last-level entry for `ipa` (a page must be mapped there). */
function pagePtr(pgt: Stage2Pgtable, ipa: number): number {
  const page = tablePageAt(pgt, ipa, pgt.lastLevel);
  if (page < 0) throw new Error(`forge: no last-level table at 0x${ipa.toString(16)}`);
  return pgt.pool.ptrOfPage(page) + 2 * tableIndex(pgt.geom, ipa, pgt.lastLevel);
}

/** Re-encode the page leaf at IPA with `edit` applied to its exploded form. */
function rewriteLeaf(s: InvSnapshot, edit: (d: C.Descriptor) => C.Descriptor): InvSnapshot {
  const pgt = s.impl.pgt;
  const ptr = pagePtr(pgt, IPA);
  const cc = { pageShift: pgt.geom.pageShift, fwb: pgt.fwb, lastLevel: pgt.lastLevel };
  const [lo, hi] = C.encode(edit(C.decode(pgt.pool.words[ptr], pgt.pool.words[ptr + 1], pgt.lastLevel, cc)), cc);
  pgt.store(ptr, IPA, pgt.lastLevel, lo, hi);
  return s;
}

const withSlots = (slots: ReadonlyMap<number, Memslot>, extra: Memslot): Map<number, Memslot> => new Map([...slots, [extra.id, extra]]);

/** Forge per invariant name, applied to the snapshot of the fixture's last step. */
export const FORGES: Readonly<Record<string, (s: InvSnapshot) => InvSnapshot>> = {
  BLOCK_ALIGNMENT: (s) => rewriteLeaf(s, (d) => ({ ...d, kind: 'block' })),
  DESCRIPTOR_ENCODING: (s) => rewriteLeaf(s, (d) => ({ ...d, cont: true })),
  NO_LOCKED_AT_REST: (s) => { const p = s.impl.pgt; p.store(pagePtr(p, IPA), IPA, p.lastLevel, C.LOCKED_LO, 0); return s; },
  EMPTY_TABLES_FREED: (s) => { const p = s.impl.pgt; p.store(pagePtr(p, IPA), IPA, p.lastLevel, 0, 0); return s; },
  CMO_BEFORE_MAKE: (s) => ({ ...s, events: s.events.filter((e) => e.op !== 'dcacheCleanInvalPoc') }),
  ICACHE_BEFORE_EXEC: (s) => ({ ...s, events: s.events.filter((e) => e.op !== 'icacheInvalPou') }),
  DEVICE_NEVER_EXEC: (s) => { stage2RelaxPerms(s.impl.pgt, IPA, PROT_R | PROT_X); return s; },
  MMU_SEQ_MONOTONIC: (s) => ({ ...s, impl: { pgt: s.impl.pgt, memslots: s.impl.memslots, notifier: { seq: s.impl.notifier.seq, inProgress: -1 } } }),
  RO_SLOT_NEVER_DIRTY: (s) => {
    const m = s.model.memslots.get(0);
    if (!m) throw new Error('forge: no slot 0');
    const model = { memslots: withSlots(s.model.memslots, { ...m, dirty: new Set([0]) }), notifier: s.model.notifier, permitted: (g: number) => s.model.permitted(g), ioremapAt: (g: number) => s.model.ioremapAt(g), ioremapCount: s.model.ioremapCount };
    return { ...s, model };
  },
  MEMSLOTS_DISJOINT: (s) => {
    const m = s.impl.memslots.get(0);
    if (!m) throw new Error('forge: no slot 0');
    return { ...s, impl: { pgt: s.impl.pgt, notifier: s.impl.notifier, memslots: withSlots(s.impl.memslots, { ...m, id: 7, gpa: m.gpa + 0x1000 }) } };
  },
  DELETED_SLOT_UNMAPPED: (s) => { stage2Map(s.impl.pgt, IPA, 0x1000, 0x80001000, PROT_R); return s; },
};
