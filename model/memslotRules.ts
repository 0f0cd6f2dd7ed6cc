/** The stateless argument checks of KVM_SET_USER_MEMORY_REGION, in the kernel's order (facts §12.2). */
import { S2InputError, type Errno } from './types';
import {
  KVM_ADDRESS_SPACE_NUM, KVM_MEM_MAX_NR_PAGES, KVM_MEM_SLOTS_NUM, KVM_USER_MEM_SLOTS, TAGGED_HVA_START,
  U64_LIMIT, USER_VA_LIMIT, type MemslotFlags, type SetMemslotArgs,
} from './memslotTypes';

/*
 * API
 *   parseRequest(args, page): MemslotRequest     split the u32 slot, parse flags; S2InputError on non-u32/u64
 *   GENERAL_RULES: readonly Rule[]               the ordered checks that need no slot state
 *   firstFailingRule(req): Rule | undefined      the first of GENERAL_RULES that fails
 */

/** A decoded KVM_SET_USER_MEMORY_REGION request; `flags` is undefined when an unknown flag is present. */
export interface MemslotRequest {
  asId: number;
  id: number;
  gpa: number;
  size: number;
  hva: number;
  page: number;
  flags: MemslotFlags | undefined;
}

/** One validation rule: a name (tests are named after it), its source and the errno it returns. */
export interface Rule {
  name: string;
  source: string;
  errno: Errno;
  fails(req: MemslotRequest): boolean;
}

/** Decode a request; throws S2InputError if a field is not a u32 (slot) or u64 (addresses). */
export function parseRequest(args: SetMemslotArgs, page: number): MemslotRequest {
  requireUint('slot', args.slot, 2 ** 32);
  requireUint('gpa', args.gpa, U64_LIMIT);
  requireUint('size', args.size, U64_LIMIT);
  requireUint('hva', args.hva, U64_LIMIT);
  if (!Array.isArray(args.flags)) throw new S2InputError('flags', 'not an array of flag names');
  const asId = Math.floor(args.slot / 65536); // slot bits 31:16
  const id = args.slot % 65536; // slot bits 15:0
  return { asId, id, gpa: args.gpa, size: args.size, hva: args.hva, page, flags: parseFlags(args.flags) };
}

function requireUint(field: string, v: number, limit: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= limit) throw new S2InputError(field, `not an unsigned integer below ${limit}: ${v}`);
}

/** check_memory_region_flags: only LOG_DIRTY_PAGES and READONLY are valid for this ioctl. */
function parseFlags(flags: readonly string[]): MemslotFlags | undefined {
  if (!flags.every((f) => f === 'READONLY' || f === 'LOG_DIRTY')) return undefined;
  return { readonly: flags.includes('READONLY'), logDirty: flags.includes('LOG_DIRTY') };
}

/** The stateless checks, in order (kvm_vm_ioctl_set_memory_region, then __kvm_set_memory_region). */
export const GENERAL_RULES: readonly Rule[] = [
  { name: 'slot id >= KVM_USER_MEM_SLOTS', source: 'kvm_vm_ioctl_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.id >= KVM_USER_MEM_SLOTS },
  { name: 'unknown flag', source: 'check_memory_region_flags', errno: 'EINVAL',
    fails: (r) => r.flags === undefined },
  // "does not fit unsigned long" cannot happen on 64-bit arm64.
  { name: 'size not page aligned', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.size % r.page !== 0 },
  { name: 'gpa not page aligned', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.gpa % r.page !== 0 },
  { name: 'hva not page aligned, tagged or not access_ok', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.hva % r.page !== 0 || r.hva >= TAGGED_HVA_START || r.hva + r.size > USER_VA_LIMIT },
  { name: 'as_id or id out of range', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.asId >= KVM_ADDRESS_SPACE_NUM || r.id >= KVM_MEM_SLOTS_NUM },
  { name: 'gpa + size wraps', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.gpa + r.size >= U64_LIMIT && r.size > 0 },
  { name: 'npages > KVM_MEM_MAX_NR_PAGES', source: '__kvm_set_memory_region', errno: 'EINVAL',
    fails: (r) => r.size / r.page > KVM_MEM_MAX_NR_PAGES },
];

/** The first failing stateless rule, or undefined if the request passes them all. */
export function firstFailingRule(req: MemslotRequest): Rule | undefined {
  return GENERAL_RULES.find((rule) => rule.fails(req));
}
