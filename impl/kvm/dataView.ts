/** What a completed guest access found in memory (the `data` expect key, model/types.ts DataView), judged from the hardware state. */
import { isCached } from '../../model/arch/combine';
import { isLoad, isStore } from '../../model/arch/permission';
import type { AccessKind, DataView, Outcome } from '../../model/types';
import type { ICache } from '../icache';
import type { KvmCore } from './state';

/**
 * The data view of the access that just completed with `o` at `ipa`, or undefined when it has none
 * (not `ok`, a CMO, AT or a stage-1 walk, outside every memslot: MMIO or an ioremap). The PA is the
 * one the access used (core.last: a TLB hit's, not the current leaf's).
 *  - not-backing: the host does not map that page at the slot's hva now (Arm ARM D8.13: a TLB entry
 *    or leaf KVM failed to remove); the guest reads or writes memory that is no longer its own.
 *  - stale, loads and fetches only: the page lost a write in a host copy (impl/dcache.ts); a fetch
 *    without DIC from a page not invalidated to PoU (Arm ARM D7.5.9); a load that bypasses the cache
 *    from cacheable RAM whose memory is older than the cache (not cleaned since the host wrote it,
 *    or the guest's own dirty lines; Arm ARM B2.4 mismatched attributes).
 */
export function dataView(core: KvmCore, icache: ICache, ipa: number, kind: AccessKind, o: Outcome): DataView | undefined {
  const load = isLoad(kind), exec = kind === 'exec';
  if (o.kind !== 'ok' || !(load || exec || isStore(kind))) return undefined;
  const page = core.page;
  const slot = core.slots.lookup(Math.floor(ipa / page));
  if (slot === null) return undefined;
  const pa = core.last.pa;
  const pte = core.host.pte(slot.hva + (ipa - slot.gpa));
  if (pte === undefined || pte.pfn !== Math.floor(pa / page)) return 'not-backing';
  if (!core.host.isRamPfn(pte.pfn) || !(load || exec)) return 'current';
  const dc = core.dcache;
  if (dc.isLost(pa)) return 'stale';
  if (exec) return core.config.dic || icache.isFresh(pa) ? 'current' : 'stale';
  const bypasses = o.effective !== undefined && !isCached(o.effective) && core.last.memtype === 'normal';
  return bypasses && (!dc.isClean(pa) || dc.isDirty(pa)) ? 'stale' : 'current';
}
