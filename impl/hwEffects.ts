/** The impl's effect recorder, also driving the hardware state KVM maintains: the TLBs (impl/tlb.ts), the D-cache (impl/dcache.ts) and the I-cache (impl/icache.ts). */
import type { DCache } from './dcache';
import type { ICache } from './icache';
import { RecordingEffects } from './effects';
import type { Tlb } from './tlb';

export class HwEffects extends RecordingEffects {
  constructor(readonly tlb: Tlb, readonly dcache: DCache, readonly icache: ICache) {
    super();
  }
  override tlbiIpa(ipa: number, level: number, nsh = false): void { super.tlbiIpa(ipa, level, nsh); this.tlb.invalidateIpa(ipa, level, nsh); }
  override tlbiRange(ipa: number, size: number): void { super.tlbiRange(ipa, size); this.tlb.invalidateRange(ipa, size); }
  override tlbiVmid(): void { super.tlbiVmid(); this.tlb.invalidateAll(); }
  override dcacheCleanInvalPoc(pa: number, size: number): void { super.dcacheCleanInvalPoc(pa, size); this.dcache.clean(pa, size); }
  override icacheInvalPou(pa: number, size: number): void { super.icacheInvalPou(pa, size); this.icache.invalidate(pa, size); }
}
