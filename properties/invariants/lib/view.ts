/** The structural views of the two executors that invariants read (KvmModel and KvmImpl both fit). */
import type { Memslot } from '../../../model/memslotTypes';
import type { PermittedMapping } from '../../../model/kvm/permitted';
import type { IoremapPage } from '../../../model/kvm/state';
import type { TlbEntry, WalkEntry } from '../../../impl/tlb';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { HostQuery, Snapshot } from '../types';

/** MMU-notifier counters both executors expose (facts §14). */
export interface NotifierView {
  readonly seq: number;
  readonly inProgress: number;
}

/** What invariants read of the model: memslots (the world's slot table), notifier, the loose spec. */
export interface ModelView {
  readonly memslots: ReadonlyMap<number, Memslot>;
  readonly notifier: NotifierView;
  permitted(gfn: number): PermittedMapping | null;
  /** The kvm_phys_addr_ioremap request recorded at `gfn` (pfn, writable as asked), if any. */
  ioremapAt(gfn: number): Readonly<IoremapPage> | undefined;
  /** How many gfns carry an ioremap request. */
  readonly ioremapCount: number;
}

/** What invariants read of the implementation: its stage 2, only through the library's read APIs. */
export interface ImplView {
  readonly pgt: Stage2Pgtable;
  /** Built per call by KvmImpl (dirty bitmaps expanded): read only on setMemslot steps. */
  readonly memslots: ReadonlyMap<number, Memslot>;
  readonly notifier: NotifierView;
  /** The guest's TLB (impl/tlb.ts); absent on hand-built snapshots. */
  readonly tlb?: { entries(): Iterable<TlbEntry>; walkEntries(): Iterable<WalkEntry>; readonly size: number };
  /** The D-cache's guest-dirty pages (impl/dcache.ts); absent on hand-built snapshots. */
  readonly dcache?: { pages(): Iterable<number>; ncPages(): Iterable<number>; readonly size: number; isClean(pa: number): boolean };
  /** The I-cache's invalidated memory (impl/icache.ts); absent on hand-built snapshots. */
  readonly icache?: { isFresh(pa: number): boolean };
}

/** The snapshot every invariant in this folder takes. */
export type InvSnapshot = Snapshot<ModelView, ImplView>;

/** The impl's host mm (the model's is the same deterministic host); undefined on hand-built snapshots. */
export const hostOf = (s: InvSnapshot): HostQuery | undefined => s.hosts?.impl;
