/** Types and limits of the model's memslot table (facts §12). */
import type { Config, Errno } from './types';
import type { Vma } from './host/types';

/** KVM_USER_MEM_SLOTS on arm64: SHRT_MAX minus 0 internal slots (facts §12.1). */
export const KVM_USER_MEM_SLOTS = 32767;
/** KVM_MEM_SLOTS_NUM = SHRT_MAX (facts §12.1). */
export const KVM_MEM_SLOTS_NUM = 32767;
/** arm64 has one address space (facts §12.1). */
export const KVM_ADDRESS_SPACE_NUM = 1;
/** Pages per slot: 2^31 - 1 (facts §12.1). */
export const KVM_MEM_MAX_NR_PAGES = 2 ** 31 - 1;
/** arm64 TASK_SIZE_MAX with VA_BITS = 48: access_ok(hva, size) needs hva + size ≤ this. */
export const USER_VA_LIMIT = 2 ** 48;
/** hva at or above this has a non-zero top byte, i.e. is tagged (untagged_addr differs). */
export const TAGGED_HVA_START = 2 ** 56;
/** 2^64: u64 fields are below it; a u64 sum at or above it wraps. */
export const U64_LIMIT = 2 ** 64;

/** The user-visible flags of a slot (facts §12.1). */
export interface MemslotFlags {
  readonly readonly: boolean;
  readonly logDirty: boolean;
}

/**
 * One memslot. `baseGfn` / `npages` are gpa / size in pages of `Config.granule`. `dirty` is the dirty
 * bitmap as a set of page indices (gfn - baseGfn), present iff the slot has LOG_DIRTY (§12.3).
 */
export interface Memslot {
  readonly id: number;
  readonly gpa: number;
  readonly size: number;
  readonly hva: number;
  readonly baseGfn: number;
  readonly npages: number;
  readonly flags: MemslotFlags;
  readonly dirty: Set<number> | undefined;
}

/** The memslots of arm64's one address space, by slot id. */
export type MemslotTable = Map<number, Memslot>;

/** KVM_SET_USER_MEMORY_REGION arguments: slot is the u32 (bits 31:16 address space, 15:0 id). */
export interface SetMemslotArgs {
  slot: number;
  gpa: number;
  size: number;
  hva: number;
  /** Flag names; anything but 'READONLY' / 'LOG_DIRTY' is an unknown flag bit (-EINVAL). */
  flags: readonly string[];
}

/** What setMemslot needs besides the table: the VM config and the host VMAs (arm64 prepare, §13). */
export interface SetMemslotCtx {
  config: Pick<Config, 'granule' | 'iaBits' | 'fwb' | 'dic' | 'kernel'>;
  /** The host VMAs intersecting [hva, hva + size), in any order (holes allowed). */
  vmasIntersecting(hva: number, size: number): readonly Vma[];
}

/** Change kinds of KVM_SET_USER_MEMORY_REGION (enum kvm_mr_change; 'none' = nothing to do). */
export type MemslotChange = 'create' | 'delete' | 'move' | 'flagsOnly' | 'none';

/** Result of setMemslot: `old` is the slot before (delete/move/flagsOnly), `new` the slot after. */
export type SetMemslotResult =
  | { ok: true; change: MemslotChange; old?: Memslot; new?: Memslot }
  | { ok: false; errno: Errno; /** A MOVE that failed in arch prepare: the old range was already flushed (facts §12.3). */ flushedOld?: Memslot };
