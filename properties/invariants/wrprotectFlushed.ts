/** WRPROTECT_FLUSHED: dirty-log write-protection is TLB-flushed before the ioctl returns (facts §21.11). */
import { isValid, isWritable } from '../../impl/descriptor/codec';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../../impl/effects';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'WRPROTECT_FLUSHED';
const IOCTLS = new Set(['setMemslot', 'getDirtyLog', 'clearDirtyLog']);

/** Does TLBI event `ev` invalidate [ipa, ipa+size) mapped at `level`? */
function covers(ev: EffectEvent, ipa: number, size: number, level: number): boolean {
  if (ev.op === 'tlbiVmid') return true;
  if (ev.op === 'tlbiRange') return ev.ipa < ipa + size && ipa < ev.ipa + ev.size;
  return ev.op === 'tlbiIpa' && ev.ipa >= ipa && ev.ipa < ipa + size && (ev.level === level || ev.level === TLBI_LEVEL_UNKNOWN);
}

/** Source: kvm_mmu_wp_memory_region + kvm_flush_remote_tlbs_memslot, kvm_arch_mmu_enable_log_dirty_pt_masked callers (facts §17). */
export const wrprotectFlushed: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'In a setMemslot/getDirtyLog/clearDirtyLog step, every W removal from a valid leaf is followed by a TLBI covering it before the step ends.',
  source: 'facts §6, §17, §21.11, §22 M18',
  check(s, cases) {
    if (!IOCTLS.has(s.step.op)) return null;
    const ev = s.events;
    const gran = s.impl.pgt.geom.granules;
    // Everything before the last whole-VMID flush is covered: only later stores need a search.
    let i = 0;
    for (let k = ev.length - 1; k >= 0; k--) if (ev[k].op === 'tlbiVmid') { i = k + 1; break; }
    for (; i < ev.length; i++) {
      const e = ev[i];
      if (e.op !== 'pteStore' || !isValid(e.oldLo) || !isValid(e.newLo) || !isWritable(e.oldLo) || isWritable(e.newLo)) continue;
      cases?.saw(NAME); // a write-protect
      const size = gran[e.level];
      let flushed = false;
      for (let j = i + 1; j < ev.length && !flushed; j++) flushed = covers(ev[j], e.ipa, size, e.level);
      if (!flushed) return violation(s, NAME, `write-protect of ${hex(e.ipa)} L${e.level} (event ${i}) has no later TLBI in ${s.step.op}`, { ipa: e.ipa });
    }
    return null;
  },
};
