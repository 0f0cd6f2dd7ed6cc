/** Combining guest stage-1 and stage-2 memory types into the effective type (Arm ARM; facts §11). */
import type { EffectiveMemType, MemType, S1MemType } from '../types';

/*
 * API
 *   combineNoFwb(s1, s2): EffectiveMemType        HCR_EL2.FWB = 0 table (facts §11.1)
 *   combineFwb(s1, s2Class): EffectiveMemType     HCR_EL2.FWB = 1 table (facts §11.2)
 *   s2FwbClassOf(memtype): S2FwbClass             what KVM's stage-2 MemType encodes with FWB (facts §2.3)
 *   s1FullType(s1) / s2FullType(memtype)          the trace's abstract types as full Arm types
 *   effectiveMemType(s1, s2, fwb): EffectiveMemType   the one-call form the fault model uses
 * A full type is an EffectiveMemType: one of 4 Device types or Normal NC / WT / WB.
 */

/** Device types, most restrictive first (facts §11.1: nGnRnE > nGnRE > nGRE > GRE). */
export const DEVICE_ORDER: readonly EffectiveMemType[] = ['device-nGnRnE', 'device-nGnRE', 'device-nGRE', 'device-GRE'];

/** Normal cacheabilities, most restrictive first (facts §11.1: NC if either NC, else WT, else WB). */
export const NORMAL_ORDER: readonly EffectiveMemType[] = ['normal-nc', 'normal-wt', 'normal-wb'];

/** Every full memory type, Device first. */
export const ALL_MEM_TYPES: readonly EffectiveMemType[] = [...DEVICE_ORDER, ...NORMAL_ORDER];

/**
 * Stage-2 attribute classes under FWB (facts §11.2): a Device type (MemAttr[2:0] = 0b0xx),
 * 'fwb-nc' (0b101), 'fwb-force-wb' (0b110), 'fwb-use-s1' (0b111).
 */
export type S2FwbClass = 'device-nGnRnE' | 'device-nGnRE' | 'device-nGRE' | 'device-GRE' | 'fwb-nc' | 'fwb-force-wb' | 'fwb-use-s1';

/** Every FWB stage-2 class. */
export const ALL_FWB_CLASSES: readonly S2FwbClass[] = [
  'device-nGnRnE', 'device-nGnRE', 'device-nGRE', 'device-GRE', 'fwb-nc', 'fwb-force-wb', 'fwb-use-s1',
];

/** True for the four Device types. */
/** Does an access of effective type `t` go through the data cache (Normal write-back or write-through; Arm ARM B2.4)? */
export const isCached = (t: EffectiveMemType): boolean => t === 'normal-wb' || t === 'normal-wt';

export function isDevice(t: EffectiveMemType): boolean {
  return DEVICE_ORDER.includes(t);
}

/** The earlier of two types in an order list (the more restrictive). */
function moreRestrictive(order: readonly EffectiveMemType[], a: EffectiveMemType, b: EffectiveMemType): EffectiveMemType {
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}

/** FWB = 0: the more restrictive of the two stages wins (facts §11.1, Arm ARM "Combining ... attributes"). */
export function combineNoFwb(s1: EffectiveMemType, s2: EffectiveMemType): EffectiveMemType {
  if (isDevice(s1) && isDevice(s2)) return moreRestrictive(DEVICE_ORDER, s1, s2);
  if (isDevice(s2)) return s2; // S2 Device, S1 Normal: Device-X
  if (isDevice(s1)) return s1; // S1 Device, S2 Normal: Device-Y
  return moreRestrictive(NORMAL_ORDER, s1, s2);
}

/** FWB = 1: stage 2 may force or defer to stage 1 (facts §11.2, Arm ARM FEAT_S2FWB). */
export function combineFwb(s1: EffectiveMemType, s2: S2FwbClass): EffectiveMemType {
  switch (s2) {
    case 'fwb-force-wb': return 'normal-wb'; // 0b110: Normal-WB whatever S1 says
    case 'fwb-use-s1': return s1; // 0b111: S1 attributes unchanged
    case 'fwb-nc': return isDevice(s1) ? s1 : 'normal-nc'; // 0b101
    default: return isDevice(s1) ? moreRestrictive(DEVICE_ORDER, s1, s2) : s2; // 0b0xx
  }
}

/** The trace's guest stage-1 type as a full type: 'normal' = Normal-WB, 'device' = Device-nGnRE (DESIGN §3). */
export function s1FullType(s1: S1MemType): EffectiveMemType {
  if (s1 === 'device') return 'device-nGnRE';
  return s1 === 'nc' ? 'normal-nc' : 'normal-wb';
}

/** KVM's non-FWB stage-2 MemAttr as a full type: 0xF Normal-WB, 0x5 Normal-NC, 0x1 Device-nGnRE (facts §2.3). */
export function s2FullType(memtype: MemType): EffectiveMemType {
  if (memtype === 'device') return 'device-nGnRE';
  return memtype === 'nc' ? 'normal-nc' : 'normal-wb';
}

/** KVM's FWB stage-2 MemAttr as a class: 0x6 force-WB, 0x5 NC, 0x1 Device-nGnRE (facts §2.3). */
export function s2FwbClassOf(memtype: MemType): S2FwbClass {
  if (memtype === 'device') return 'device-nGnRE';
  return memtype === 'nc' ? 'fwb-nc' : 'fwb-force-wb';
}

/** Effective type of a guest access with stage-1 type `s1` through a KVM stage-2 leaf of type `s2`. */
export function effectiveMemType(s1: S1MemType, s2: MemType, fwb: boolean): EffectiveMemType {
  if (fwb) return combineFwb(s1FullType(s1), s2FwbClassOf(s2));
  return combineNoFwb(s1FullType(s1), s2FullType(s2));
}
