/** The stage-2 permission check a hardware access makes against a valid leaf's {r, w, x}. */
import type { AccessKind, MemType, Perms } from '../types';

/*
 * API
 *   requiredPerms(kind): Perms                      what the access needs from a stage-2 leaf
 *   stage2Permission(kind, leaf): S2PermResult       'ok' or 'permFault'
 *
 * Rules (Arm ARM "Stage 2 access permissions" and the CMO permission rules, facts §20c; from memory):
 * - loads (read, ld_preidx), stage-1 walker reads (s1ptw_read, and `at`, whose only memory
 *   accesses are the walk's page-table reads) need R;
 * - stores (write, st_preidx, dc_zva) and walker writes (s1ptw_write: AF/DBM update) need W;
 * - `cas` reads and writes: needs R and W;
 * - instruction fetch needs X (stage-2 XN; S2AP does not govern fetches);
 * - DC CIVAC / DC CVAC are treated as reads for permission (need R); DC IVAC at EL1 without stage-2
 *   write permission generates a permission fault (needs W), facts §20c.
 * KVM always grants R on valid leaves (facts §15.4 step 16), so in practice only W and X fault.
 */

/** Result of the hardware's stage-2 permission check. */
export type S2PermResult = 'ok' | 'permFault';

const R: Perms = { r: true, w: false, x: false };
const W: Perms = { r: false, w: true, x: false };
const RW: Perms = { r: true, w: true, x: false };
const X: Perms = { r: false, w: false, x: true };

const REQUIRED: Record<AccessKind, Perms> = {
  read: R, ld_preidx: R, s1ptw_read: R, at: R, dc_civac: R, dc_cvac: R,
  write: W, st_preidx: W, dc_zva: W, s1ptw_write: W, dc_ivac: W,
  cas: RW,
  exec: X,
};

/** The permissions `kind` needs from the stage-2 leaf it hits. */
export function requiredPerms(kind: AccessKind): Perms {
  return { ...REQUIRED[kind] };
}

/** Hardware stage-2 permission check of `kind` against a valid leaf's permissions. */
export function stage2Permission(kind: AccessKind, leaf: Perms): S2PermResult {
  const need = REQUIRED[kind];
  if (need.r && !leaf.r) return 'permFault';
  if (need.w && !leaf.w) return 'permFault';
  if (need.x && !leaf.x) return 'permFault';
  return 'ok';
}

const STAGE1_WALKS: ReadonlySet<AccessKind> = new Set<AccessKind>(['s1ptw_read', 's1ptw_write', 'at']);
/** The instruction's own data accesses: loads (CAS reads before it writes) and stores (DC ZVA writes zeroes). */
const LOADS: ReadonlySet<AccessKind> = new Set<AccessKind>(['read', 'ld_preidx', 'cas']);
const STORES: ReadonlySet<AccessKind> = new Set<AccessKind>(['write', 'st_preidx', 'cas', 'dc_zva']);

/** Does `kind` read data memory (read, ld_preidx, cas)? */
export const isLoad = (kind: AccessKind): boolean => LOADS.has(kind);

/** Does `kind` write data memory (write, st_preidx, cas, dc_zva)? */
export const isStore = (kind: AccessKind): boolean => STORES.has(kind);

/** Is `kind` a stage-1 translation table walk (the walker's reads and AF write-back, and AT's walk)? */
export const isStage1Walk = (kind: AccessKind): boolean => STAGE1_WALKS.has(kind);

/**
 * HCR_EL2.PTW ("protected table walk"), which KVM sets for every guest (HCR_GUEST_FLAGS,
 * kvm_arm.h): a stage-1 walk whose table access is Device memory at stage 2 takes a stage-2
 * permission fault, whatever the leaf's permissions (Arm ARM D8, stage 2 permission faults).
 */
export const walkToDeviceFaults = (kind: AccessKind, memtype: MemType): boolean => isStage1Walk(kind) && memtype === 'device';
