/** KVM_SET_USER_MEMORY_REGION argument checks in the kernel's order, each with its errno (facts §12.2). */
import { S2InputError, type Errno } from '../../model/types';

/** KVM_USER_MEM_SLOTS = KVM_MEM_SLOTS_NUM = SHRT_MAX on arm64 (facts §12.1). */
export const MAX_SLOTS = 32767;
/** KVM_MEM_MAX_NR_PAGES = 2^31 − 1 (facts §12.1). */
export const MAX_NR_PAGES = 2 ** 31 - 1;
const U64 = 2 ** 64;
/** access_ok on arm64 (48-bit user VA) and untagged_addr (top byte zero). */
const USER_VA_END = 2 ** 48;
const TAG_START = 2 ** 56;

/** A decoded request (struct kvm_userspace_memory_region). */
export interface RegionRequest {
  asId: number;
  id: number;
  gpa: number;
  size: number;
  hva: number;
  readonly: boolean;
  logDirty: boolean;
  unknownFlag: boolean;
}

function u(field: string, v: number, limit: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= limit) throw new S2InputError(field, `not an unsigned integer below ${limit}: ${v}`);
  return v;
}

/** Decode the ioctl arguments; a field that is not a u32 / u64 is bad input (S2InputError). */
export function decodeRegion(a: { slot: number; gpa: number; size: number; hva: number; flags: readonly string[] }): RegionRequest {
  const slot = u('slot', a.slot, 2 ** 32);
  return {
    asId: Math.floor(slot / 65536), id: slot % 65536, // bits 31:16 address space, 15:0 id
    gpa: u('gpa', a.gpa, U64), size: u('size', a.size, U64), hva: u('hva', a.hva, U64),
    readonly: a.flags.includes('READONLY'), logDirty: a.flags.includes('LOG_DIRTY'),
    unknownFlag: a.flags.some((f) => f !== 'READONLY' && f !== 'LOG_DIRTY'),
  };
}

/**
 * The stateless checks of kvm_vm_ioctl_set_memory_region → check_memory_region_flags →
 * __kvm_set_memory_region, in order; null when all pass. Source: virt/kvm/kvm_main.c (facts §12.2).
 */
export function checkRegion(r: RegionRequest, page: number): Errno | null {
  if (r.id >= MAX_SLOTS) return 'EINVAL'; // ioctl entry: id ≥ KVM_USER_MEM_SLOTS
  if (r.unknownFlag) return 'EINVAL'; // check_memory_region_flags
  if (r.size % page !== 0) return 'EINVAL';
  if (r.gpa % page !== 0) return 'EINVAL';
  if (r.hva % page !== 0 || r.hva >= TAG_START || r.hva + r.size > USER_VA_END) return 'EINVAL';
  if (r.asId >= 1 || r.id >= MAX_SLOTS) return 'EINVAL';
  if (r.size > 0 && r.gpa + r.size >= U64) return 'EINVAL'; // gpa + size wraps
  if (r.size / page > MAX_NR_PAGES) return 'EINVAL';
  return null;
}
