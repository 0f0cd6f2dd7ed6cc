/** The state lines replay --step and the HTML report print after a step: notifier, faults in flight, ESR, host PTE, effects. */
import { syndromeOf } from '../model/arch/esr';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../impl/effects';
import { applyStep, type World } from '../properties/runner/executors';
import type { Step } from '../properties/trace';

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * What a stage-2 finding needs beside the maplets, after a step: the MMU-notifier state, each
 * split fault in flight (the seq it sampled, the pfn it resolved), and for an access the ESR a
 * fault of its kind reports and the host PTE behind its IPA.
 */
export function stateLines(w: World, step: Step): string[] {
  const n = w.impl.kvm.notifier;
  const out = [`notifier: mmu_invalidate_seq ${n.seq}, in progress ${n.inProgress}${n.range ? `, gfns [${hex(n.range.start)}, ${hex(n.range.end)})` : ''}`];
  for (const vcpu of [0, 1, 2, 3]) {
    const f = w.impl.kvm.pendingFault(vcpu);
    if (f) out.push(`vcpu ${vcpu} fault in flight at ${hex(f.ipa)}: sampled seq ${f.mmuSeq}${f.mmuSeq !== n.seq ? ' (stale: the notifier moved since)' : ''}, resolved pfn ${hex(f.pfn)} ${f.writable ? 'writable' : 'read-only'}`);
  }
  if (step.op === 'access' || step.op === 'faultBegin') {
    const syn = syndromeOf(step.kind, false);
    out.push(`ESR of a ${step.kind} fault: ${syn.isIabt ? 'instruction' : 'data'} abort, ISV ${syn.isv ? 1 : 0}${syn.isv ? ` (len ${syn.len})` : ''}, WnR ${syn.wnr ? 1 : 0}, S1PTW ${syn.s1ptw ? 1 : 0}, CM ${syn.cm ? 1 : 0}`);
    const slot = [...w.model.kvm.memslots.values()].find((s) => step.ipa >= s.gpa && step.ipa < s.gpa + s.size);
    if (slot) {
      const hva = slot.hva + (step.ipa - slot.gpa);
      const pte = w.impl.host.pte(hva);
      out.push(`host: hva ${hex(hva)} ${pte ? `-> pfn ${hex(pte.pfn)} ${pte.writable ? 'rw' : 'r'} (host leaf ${hex(pte.size)})` : 'not present'}`);
    }
  }
  return out;
}

const MAINT_SHOWN = 8;

/** The step's TLB and cache maintenance in order, and how many descriptors and tables it wrote; null when it did nothing. */
export function maintenanceLine(events: readonly EffectEvent[]): string | null {
  const parts: string[] = [];
  let stores = 0, allocs = 0, frees = 0;
  for (const e of events) {
    if (e.op === 'pteStore') stores++;
    else if (e.op === 'tableAlloc') allocs++;
    else if (e.op === 'tableFree') frees++;
    else if (e.op === 'tlbiIpa') parts.push(`TLBI IPA ${hex(e.ipa)} ${e.level === TLBI_LEVEL_UNKNOWN ? 'level ?' : `L${e.level}`}`);
    else if (e.op === 'tlbiRange') parts.push(`TLBI range ${hex(e.ipa)}+${hex(e.size)}`);
    else if (e.op === 'tlbiVmid') parts.push('TLBI VMID');
    else if (e.op === 'dcacheCleanInvalPoc') parts.push(`DC CIVAC pa ${hex(e.pa)}+${hex(e.size)}`);
    else parts.push(`IC IVAU pa ${hex(e.pa)}+${hex(e.size)}`);
  }
  if (parts.length === 0 && stores + allocs + frees === 0) return null;
  const shown = parts.length > MAINT_SHOWN ? [...parts.slice(0, MAINT_SHOWN), `… ${parts.length - MAINT_SHOWN} more`] : parts;
  return `effects: ${stores} descriptor store(s), ${allocs} table(s) allocated, ${frees} freed${shown.length ? `; ${shown.join('; ')}` : '; no TLB or cache maintenance'}`;
}


/** Apply `step` to `w` and return the state lines after it, its effects line last (what replay --step and the HTML report print). */
export function applyStepWithState(w: World, step: Step): string[] {
  const mark = w.impl.kvm.effects.events.length;
  applyStep(w, step);
  const effects = maintenanceLine(w.impl.kvm.effects.events.slice(mark));
  return [...stateLines(w, step), ...(effects ? [effects] : [])];
}
