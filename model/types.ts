/** Shared abstract domain of s2check: what model and impl both talk about, never raw bits. */
import type { KernelProfile } from './kernelProfiles';

/** Abstract permissions of a stage-2 leaf. Source: kvm_pgtable_prot (kvm_pgtable.h). */
export interface Perms {
  r: boolean;
  w: boolean;
  x: boolean;
}

/** Stage-2 memory types KVM uses (kvm-s2-facts §2.3). */
export type MemType = 'normal' | 'nc' | 'device';

/** Guest stage-1 memory type of an access (DESIGN §3, `s1`). */
export type S1MemType = 'normal' | 'nc' | 'device';

/** Effective memory type after combining stage 1 and stage 2 (Arm ARM, facts §11). */
export type EffectiveMemType = 'normal-wb' | 'normal-wt' | 'normal-nc' | 'device-nGnRnE' | 'device-nGnRE' | 'device-nGRE' | 'device-GRE';

/**
 * What a completed guest access found in memory (the `data` expect key): `current` the guest's
 * latest data; `stale` older contents (a cache-bypassing load of memory not cleaned to PoC since a
 * cacheable write, a fetch of a page not invalidated from the I-cache, a page whose contents lost
 * a non-cacheable write when the host copied it through stale lines); `not-backing` a physical page
 * the host no longer maps at the slot's hva (a stale TLB entry or leaf: freed or reused memory).
 */
export type DataView = 'current' | 'stale' | 'not-backing';

/** Translation granule in bytes. */
export type Granule = 4096 | 16384 | 65536;

/** CMO-on-READONLY policy (seed 002). */
export type CmoPolicy = 'mainline' | 'proposal2021';

/** A VM's configuration; every trace carries one (DESIGN §2, §4). */
export interface Config {
  granule: Granule;
  iaBits: number;
  fwb: boolean;
  dic: boolean;
  nisvToUser: boolean;
  cmoPolicy: CmoPolicy;
  /** Protected VM (pKVM): NISV aborts are injected (facts §15.7). */
  protectedVm?: boolean;
  /** Hardware Access-flag updates (VTCR_EL2.HA). */
  hwAccessFlag?: boolean;
  /**
   * FEAT_TLBIRANGE: with FWB too, an unmap defers its per-leaf TLBIs to one range TLBI after the
   * walk (stage2_unmap_defer_tlb_flush, v6.6+). Changes the impl's maintenance only, nothing the
   * specification says a guest sees.
   */
  tlbiRange?: boolean;
  /**
   * KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE set (non-zero): enabling dirty logging splits the slot's
   * blocks into pages at once (kvm_mmu_split_memory_region) instead of at the next write fault.
   */
  eagerSplit?: boolean;
  /** Kernel profile (model/kernelProfiles.ts): which version's behaviours apply; absent = mainline. */
  kernel?: KernelProfile;
  /**
   * The host's THP policy (/sys/kernel/mm/transparent_hugepage/enabled): `always` maps a THP or the
   * huge zero page on the first fault of a PMD range an anon VMA covers; absent = `never` (no
   * trace step asks MADV_HUGEPAGE, so `madvise` behaves as `never`). MADV_COLLAPSE ignores it.
   */
  thp?: HostThp;
  bugs: string[];
}

/** Host THP policies a config can name (Config.thp). */
export const HOST_THP = ['always', 'never'] as const;
export type HostThp = (typeof HOST_THP)[number];

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  granule: 4096,
  iaBits: 40,
  fwb: false,
  dic: false,
  nisvToUser: false,
  cmoPolicy: 'mainline',
  bugs: [],
});

/** Guest access kinds (DESIGN §3). */
export const ACCESS_KINDS = [
  'read', 'write', 'ld_preidx', 'st_preidx', 'cas', 'dc_zva', 'exec', 'at',
  'dc_civac', 'dc_ivac', 'dc_cvac', 's1ptw_read', 's1ptw_write',
] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

/** Memslot flags as the trace spells them (facts §12.1). */
export type MemslotFlag = 'READONLY' | 'LOG_DIRTY';

/** Errno names the ioctls return (facts §12.2, §13, §17). */
export type Errno = 'EINVAL' | 'EEXIST' | 'EFAULT' | 'ENOENT' | 'ENOMEM' | 'EPERM' | 'ENXIO' | 'ERANGE' | 'EAGAIN' | 'EBUSY';

/** The guest-visible outcome of one step (DESIGN §3). */
export type Outcome =
  | { kind: 'ok'; effective?: EffectiveMemType }
  | { kind: 'mmio'; ipa: number; len: number; write: boolean }
  | { kind: 'nisv'; ipa: number }
  | { kind: 'enosys' }
  | { kind: 'efault' }
  | { kind: 'injectDabt' }
  | { kind: 'injectPabt' }
  | { kind: 'skip' }
  | { kind: 'sigbus' }
  | { kind: 'errno'; errno: Errno }
  | { kind: 'retry' }
  /** The vCPU keeps taking a fault the handler returns from without progress (a hung guest); only an implementation can. */
  | { kind: 'livelock' };

/** Host VMA kinds (DESIGN §3, facts §16). */
export type VmaKind = 'anon' | 'file' | 'hugetlb' | 'pfnmap';
/** Host VMA protection. */
export type VmaProt = 'none' | 'r' | 'rw';
/** pgprot of a pfnmap VMA. */
export type PgProt = 'normal' | 'nc' | 'device' | 'device_nGnRnE';

/**
 * One abstract stage-2 mapping run: [ipa, ipa+size) → [pa, pa+size) with attributes, as both
 * executors see it after the abstraction function (DESIGN §1). Addresses are byte numbers < 2^53.
 */
export interface Maplet {
  ipa: number;
  size: number;
  pa: number;
  perms: Perms;
  memtype: MemType;
  /** Size of the leaf that holds this run (page or block size). */
  leafSize: number;
  af: boolean;
}

/** Typed error for bad input: names the field, never a stack trace for users. */
export class S2InputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'S2InputError';
  }
}
