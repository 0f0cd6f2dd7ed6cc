/**
 * Side effects of the stage-2 library, injected like kvm_pgtable_mm_ops / the TLBI helpers:
 * TLB invalidation, cache maintenance, table-page allocation and every descriptor store.
 * The recorder lets later invariants check ordering (BBM, CMO-before-make, TLBI-after-wrprotect).
 */

/** Level hint meaning "unknown level" for TLBI by IPA (TLBI_TTL_UNKNOWN). */
export const TLBI_LEVEL_UNKNOWN = -1;

export interface Effects {
  /**
   * Whether this sink wants every descriptor store as a pteStore event. When false, operations may
   * clear a whole table page in one go instead of store by store (range unmap's fast path).
   */
  readonly recordsStores: boolean;
  /**
   * TLBI IPAS2E1IS by IPA with a level hint (+ the stage-1 VMID flush), __kvm_tlb_flush_vmid_ipa;
   * `nsh`: the local form on the issuing CPU only, __kvm_tlb_flush_vmid_ipa_nsh.
   */
  tlbiIpa(ipa: number, level: number, nsh?: boolean): void;
  /** Range TLBI over [ipa, ipa+size) (FEAT_TLBIRANGE), or a whole-VMID flush where absent. */
  tlbiRange(ipa: number, size: number): void;
  /** TLBI VMALLS12E1IS: the whole VMID, __kvm_tlb_flush_vmid. */
  tlbiVmid(): void;
  /** D-cache clean+invalidate to PoC of [pa, pa+size). */
  dcacheCleanInvalPoc(pa: number, size: number): void;
  /** I-cache invalidate to PoU of [pa, pa+size). */
  icacheInvalPou(pa: number, size: number): void;
  /** A table page was allocated for `level` / freed. */
  tableAlloc(pa: number, level: number): void;
  tableFree(pa: number): void;
  /** A descriptor store at (ipa of the entry's span start, level): old and new words. */
  pteStore(ipa: number, level: number, oldLo: number, oldHi: number, newLo: number, newHi: number): void;
}

/** Effects that do nothing: benchmarks and callers that do not care. */
export const NULL_EFFECTS: Effects = Object.freeze({
  recordsStores: false,
  tlbiIpa() {}, tlbiRange() {}, tlbiVmid() {}, dcacheCleanInvalPoc() {}, icacheInvalPou() {},
  tableAlloc() {}, tableFree() {}, pteStore() {},
});

export type EffectEvent =
  | { op: 'tlbiIpa'; ipa: number; level: number; nsh?: true }
  | { op: 'tlbiRange'; ipa: number; size: number }
  | { op: 'tlbiVmid' }
  | { op: 'dcacheCleanInvalPoc'; pa: number; size: number }
  | { op: 'icacheInvalPou'; pa: number; size: number }
  | { op: 'tableAlloc'; pa: number; level: number }
  | { op: 'tableFree'; pa: number }
  | { op: 'pteStore'; ipa: number; level: number; oldLo: number; oldHi: number; newLo: number; newHi: number };

/** Records every effect in order, for tests and invariants. */
export class RecordingEffects implements Effects {
  readonly events: EffectEvent[] = [];
  readonly recordsStores: boolean = true;
  tlbiIpa(ipa: number, level: number, nsh = false): void { this.events.push(nsh ? { op: 'tlbiIpa', ipa, level, nsh: true } : { op: 'tlbiIpa', ipa, level }); }
  tlbiRange(ipa: number, size: number): void { this.events.push({ op: 'tlbiRange', ipa, size }); }
  tlbiVmid(): void { this.events.push({ op: 'tlbiVmid' }); }
  dcacheCleanInvalPoc(pa: number, size: number): void { this.events.push({ op: 'dcacheCleanInvalPoc', pa, size }); }
  icacheInvalPou(pa: number, size: number): void { this.events.push({ op: 'icacheInvalPou', pa, size }); }
  tableAlloc(pa: number, level: number): void { this.events.push({ op: 'tableAlloc', pa, level }); }
  tableFree(pa: number): void { this.events.push({ op: 'tableFree', pa }); }
  pteStore(ipa: number, level: number, oldLo: number, oldHi: number, newLo: number, newHi: number): void {
    this.events.push({ op: 'pteStore', ipa, level, oldLo, oldHi, newLo, newHi });
  }
  clear(): void { this.events.length = 0; }
}
