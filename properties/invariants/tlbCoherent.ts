/** TLB_COHERENT: after every step, each translation a vCPU's TLB holds is one the stage-2 tables still permit (issue 16). */
import * as C from '../../impl/descriptor/codec';
import type { EffectEvent } from '../../impl/effects';
import { makeLeafOut, makePathOut, stage2GetPath } from '../../impl/ops/leaf';
import type { Stage2Pgtable } from '../../impl/pgtable';
import { describeTlbPerms, type TlbEntry } from '../../impl/tlb';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex, leafPaAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'TLB_COHERENT';
const leafOut = makeLeafOut();
const path = makePathOut();

/** "vCPU 0 L3 0x1000+0x1000 → 0x40001000 rw- normal": one entry, decoded. */
export function describeTlbEntry(e: TlbEntry, fwb: boolean): string {
  return `vCPU ${e.vcpu} TLB entry L${e.level} ${hex(e.ipa)}+${hex(e.size)} → ${hex(e.pa)} ${describeTlbPerms(e, fwb).replace(':', ' ')}`;
}

/** The step's TLBIs that concerned `e`'s span, or why none did: what a developer needs to see which flush was missing or mis-targeted. */
function tlbisAbout(events: readonly EffectEvent[], e: { ipa: number; size: number; level: number }): string {
  const hits: string[] = [];
  for (const ev of events) {
    if (ev.op === 'tlbiIpa' && ev.ipa >= e.ipa && ev.ipa < e.ipa + e.size) {
      hits.push(`TLBI IPA ${hex(ev.ipa)} level ${ev.level < 0 ? 'unknown' : ev.level}${ev.nsh ? ' nsh' : ''}${ev.level >= 0 && ev.level !== e.level ? ` (hint ≠ the entry's L${e.level})` : ''}`);
    } else if (ev.op === 'tlbiRange' && ev.ipa < e.ipa + e.size && e.ipa < ev.ipa + ev.size) hits.push(`range TLBI ${hex(ev.ipa)}+${hex(ev.size)}`);
  }
  return hits.length > 0 ? `this step's ${hits.join(', ')} left it` : `no TLBI this step covered ${hex(e.ipa)}`;
}

/** The table the entry at (`ipa`, `level`) points to now, or null when it is no table. */
function tableAt(pgt: Stage2Pgtable, ipa: number, level: number): number | null {
  if (stage2GetPath(pgt, ipa, path) !== 0) return null;
  for (let i = 0; i < path.n; i++) if (path.level[i] === level) return C.oaOf(path.lo[i], path.hi[i], pgt.geom.pageShift);
  return null;
}

/** [start, end) pairs of the IPA spans whose descriptors this step stored. */
function storedSpans(events: readonly EffectEvent[], granules: readonly number[]): number[] {
  const out: number[] = [];
  for (const ev of events) if (ev.op === 'pteStore') out.push(ev.ipa, ev.ipa + granules[ev.level]);
  return out;
}

function overlapsAny(spans: readonly number[], ipa: number, size: number): boolean {
  for (let i = 0; i < spans.length; i += 2) if (spans[i] < ipa + size && ipa < spans[i + 1]) return true;
  return false;
}

/**
 * Source: Arm ARM D8.13 (a translation changed in memory stays usable from the TLB until
 * invalidated) and D8.13.5 (a TLBI whose level hint differs from the cached entry's level need not
 * remove it); KVM's __kvm_tlb_flush_vmid_ipa / kvm_tlb_flush_vmid_range after every change that
 * removes or restricts a leaf. A cached entry with fewer permissions than the table (a relax
 * flushed only locally, kvm_pgtable_stage2_relax_perms) costs a spurious fault and is allowed; the
 * access flag is not compared (aging clears it without a flush).
 */
export const tlbCoherent: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'After every step, every stage-2 translation in a vCPU\'s TLB maps the same output and memory type as the tables, with no permission the tables no longer grant, and every cached table entry points to the table still there.',
  source: 'Arm ARM D8.13; __kvm_tlb_flush_vmid_ipa, kvm_tlb_flush_vmid_range (arch/arm64/kvm/hyp/vhe/tlb.c)',
  check(s, cases) {
    const tlb = s.impl.tlb;
    if (!tlb || tlb.size === 0) return null;
    // An entry goes stale only when a descriptor covering it is stored (entries are filled from the
    // tables as they are, and TLBIs only remove): look at the entries under this step's stores.
    const pgt = s.impl.pgt;
    const spans = storedSpans(s.events, pgt.geom.granules);
    if (spans.length === 0) return null;
    cases?.saw(NAME); // translations cached while the tables changed
    const fwb = pgt.fwb;
    for (const e of tlb.entries()) {
      if (!overlapsAny(spans, e.ipa, e.size)) continue;
      const what = describeTlbEntry(e, fwb);
      const pa = leafPaAt(pgt, e.ipa, leafOut);
      if (pa < 0) {
        return violation(s, NAME, `${what} survives, but the tables map nothing at ${hex(e.ipa)}: ${tlbisAbout(s.events, e)}`, { ipa: e.ipa, expected: 'no entry', actual: what });
      }
      const why = pa !== e.pa ? `the tables map ${hex(pa)}`
        : C.isWritable(e.lo) && !C.isWritable(leafOut.lo) ? 'the tables made it read-only'
        : C.isExecutable(e.lo, e.hi) && !C.isExecutable(leafOut.lo, leafOut.hi) ? 'the tables made it non-executable'
        : C.memTypeOf(leafOut.lo, fwb) !== C.memTypeOf(e.lo, fwb) ? `the tables map it ${C.memTypeOf(leafOut.lo, fwb)}`
        : null;
      if (why) return violation(s, NAME, `${what} is stale, ${why}: ${tlbisAbout(s.events, e)}`, { ipa: e.ipa, expected: 'invalidated', actual: what });
    }
    for (const e of tlb.walkEntries()) {
      if (!overlapsAny(spans, e.ipa, e.size)) continue;
      const now = tableAt(pgt, e.ipa, e.level);
      if (now === e.tablePa) continue;
      const what = `vCPU ${e.vcpu} walk-cache entry L${e.level} ${hex(e.ipa)}+${hex(e.size)} → table ${hex(e.tablePa)}`;
      const there = now === null ? 'no table is there any more' : `the table there is now ${hex(now)}`;
      return violation(s, NAME, `${what} is stale, ${there}: ${tlbisAbout(s.events, e)}`, { ipa: e.ipa, expected: 'invalidated', actual: what });
    }
    return null;
  },
};
