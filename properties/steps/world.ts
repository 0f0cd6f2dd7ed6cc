/** The light generation world: what the generator believes exists (VMAs, slots, open invalidations, faults in flight) — not the model. */
import type { AccessKind, Config, MemslotFlag, PgProt, VmaKind, VmaProt } from '../../model/types';
import type { Step } from '../trace/codec';

/** Sizes of one granule (DESIGN §2): page, level-2 block, level-1 block (0 when the granule has none we use). */
export interface Geometry {
  page: number;
  block: number;
  giant: number;
  /** Distance between the per-slot gpa / hva windows. */
  window: number;
}

/** Block sizes for a granule: PMD = page²/8; PUD only with 4K (facts §1.1). */
export function geometry(granule: number): Geometry {
  const block = (granule * granule) / 8;
  const giant = granule === 4096 ? (block * granule) / 8 : 0;
  return { page: granule, block, giant, window: Math.max(0x4000_0000, 16 * block) };
}

/** A VMA the generator mapped (a hint for address choice; partial unmaps are not tracked exactly). */
export interface GenVma {
  hva: number;
  size: number;
  kind: VmaKind;
  prot: VmaProt;
  pgprot?: PgProt;
  hugeSize?: number;
}

/** A memslot the generator believes exists (light copy of the ioctl's acceptance rules). */
export interface GenSlot {
  slot: number;
  gpa: number;
  size: number;
  hva: number;
  flags: readonly MemslotFlag[];
}

/** Options that shape generation. */
export interface GenOptions {
  /** @defaultValue 2 */
  vcpus: number;
  /** Generate setOwner / hostAccess (pKVM host stage 2 only; the model has no such ops). @defaultValue false */
  hostStage2: boolean;
  /**
   * Allow setMemslot while a split fault is in flight. The kernel's SRCU makes it unreachable
   * (kvm_set_memslot waits for the fault; facts §12.3), the model answers `retry`. @defaultValue false
   */
  slotChangeDuringFault: boolean;
}

/** The generation world. */
export interface GenWorld {
  readonly config: Config;
  readonly geo: Geometry;
  readonly opts: GenOptions;
  vmas: GenVma[];
  slots: Map<number, GenSlot>;
  /** Invalidations begun and not ended; ids count invalidateBegin steps from 0 (DESIGN §3). */
  open: Array<{ id: number; hva: number; size: number }>;
  nextInvalidationId: number;
  /** vCPUs between faultBegin and faultCommit (a superset of the executor's faults in flight). */
  pending: Map<number, { ipa: number; kind: AccessKind }>;
  /** Recently accessed ipas (reused so steps hit the same pages). */
  hot: number[];
}

/** A fresh, empty world. */
export function newWorld(config: Config, opts: Partial<GenOptions> = {}): GenWorld {
  return {
    config, geo: geometry(config.granule),
    opts: { vcpus: 2, hostStage2: false, slotChangeDuringFault: false, ...opts },
    vmas: [], slots: new Map(), open: [], nextInvalidationId: 0, pending: new Map(), hot: [],
  };
}

/** The slot whose gpa range holds `ipa`. */
export function slotAt(w: GenWorld, ipa: number): GenSlot | undefined {
  for (const s of w.slots.values()) if (ipa >= s.gpa && ipa < s.gpa + s.size) return s;
  return undefined;
}

/** How many vCPUs have no fault in flight. */
export function freeVcpuCount(w: GenWorld): number {
  let n = 0;
  for (let v = 0; v < w.opts.vcpus; v++) if (!w.pending.has(v)) n++;
  return n;
}

/** Free vCPU number `n mod count` in ascending order (at least one must be free). */
export function nthFreeVcpu(w: GenWorld, n: number): number {
  let i = n % freeVcpuCount(w);
  for (let v = 0; v < w.opts.vcpus; v++) if (!w.pending.has(v) && i-- === 0) return v;
  return -1;
}

/** The step as a generic record, for updates that only read fields. */
export type StepFor<O extends Step['op']> = Extract<Step, { op: O }>;
