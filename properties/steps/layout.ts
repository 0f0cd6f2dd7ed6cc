/** Address palette and slot layouts: reused windows, block-congruent and misaligned slots, backings of every kind (DESIGN §3). */
import type { MemslotFlag, PgProt, VmaProt } from '../../model/types';
import type { StepFor } from './world';
import { alignDown, alignUp, choices, nth, pick, r, type Choices, type Raw } from './pick';
import type { Geometry } from './world';

/** hva of window 0 (1G-aligned, so every window can hold 1G blocks). */
export const HVA_BASE = 0x7f00_0000_0000;
/** Guest MMIO page (no memslot): exits, NISV, CMO skips happen here. */
export const MMIO_IPA = 0x0900_0000;
/** kvm_phys_addr_ioremap window (GIC-like) and its device PA. */
export const IOREMAP_IPA = 0x0800_0000;
/** Device PAs for pfnmap BARs: below the RAM base 0x80000000 (DESIGN §3 host physical map). */
export const DEVICE_PA = 0x1000_0000;
/** RAM PAs for pfnmap of RAM (above the allocator's early pages). */
export const RAM_PA = 0x1_0000_0000;
/** Slot ids reused by every trace. */
export const SLOT_IDS = [0, 1, 2, 3] as const;

/** gpa / hva windows of slot index `s`. */
export const gpaWindow = (g: Geometry, s: number): number => g.window * (1 + s);
export const hvaWindow = (g: Geometry, s: number): number => HVA_BASE + g.window * s;

/** Slot layout kinds by weight, with and without a 1G (giant) block size. */
const layoutKinds = (giant: number): Choices<'aligned' | 'headTail' | 'misaligned' | 'small' | 'giant' | 'top'> =>
  choices([[35, 'aligned'], [20, 'headTail'], [20, 'misaligned'], [15, 'small'], [giant, 'giant'], [4, 'top']] as const);
const LAYOUT_KINDS = layoutKinds(6);
const LAYOUT_KINDS_NO_GIANT = layoutKinds(0);
const SLOT_FLAGS = choices<readonly MemslotFlag[]>([[40, []], [25, ['READONLY']], [25, ['LOG_DIRTY']], [10, ['READONLY', 'LOG_DIRTY']]]);
const BACKING_PROTS = choices<VmaProt>([[80, 'rw'], [15, 'r'], [5, 'none']]);
const BACKING_KINDS = choices([[35, 'anon'], [10, 'file'], [20, 'hugetlb'], [25, 'pfnmap']] as const);

/** A slot layout: where it sits in IPA and host VA space. */
export interface Layout {
  gpa: number;
  hva: number;
  size: number;
  /** Back it with 1G hugetlb (the giant layout). */
  giant: boolean;
}

/**
 * Layout of slot index `s`: aligned (2M congruent), head/tail cut (congruent, not block-aligned
 * ends), misaligned (gpa ≢ hva mod block: no blocks possible), small, giant (1G), top of IPA space.
 * Source of why: block mappings need gpa ≡ hva mod block and containment (facts §15.5).
 */
export function layout(g: Geometry, s: number, raw: Raw, iaBits: number): Layout {
  const G = gpaWindow(g, s);
  const H = hvaWindow(g, s);
  const k = 1 + (r(raw, 3) % 3);
  const kind = pick(r(raw, 1), g.giant ? LAYOUT_KINDS : LAYOUT_KINDS_NO_GIANT);
  switch (kind) {
    case 'aligned': return { gpa: G, hva: H, size: g.block * (1 + (r(raw, 4) % 2)), giant: false };
    case 'headTail': return { gpa: G + g.page * k, hva: H + g.page * k, size: g.block + g.page * (1 + (r(raw, 4) % 3)), giant: false };
    case 'misaligned': return { gpa: G + g.block, hva: H + g.page * k, size: g.block, giant: false };
    case 'small': return { gpa: G + g.page * k, hva: H + g.page * (r(raw, 4) % 4), size: g.page * k, giant: false };
    case 'giant': return { gpa: G, hva: H, size: g.giant, giant: true };
    default: return { gpa: 2 ** iaBits - g.block, hva: H, size: g.block, giant: false };
  }
}

/** Memslot flags, READONLY and LOG_DIRTY both frequent. */
export function slotFlags(n: number): MemslotFlag[] {
  return pick(n, SLOT_FLAGS).slice();
}

const PGPROT_LIST: readonly PgProt[] = ['normal', 'nc', 'device', 'device_nGnRnE'];

/** A permutation of the six raw positions: a backing drawn with a step reads raw `order[i]` as its number `i`. */
export type RawOrder = readonly [number, number, number, number, number, number];

/**
 * An mmap over the block-aligned hull of [hva, hva+size): anon (sometimes uffd), file, hugetlb
 * (block, 1G for giant, 64K CONT sometimes), pfnmap with every pgprot, ±allowAnyUncached, device or
 * RAM PA, congruent with hva or not. Raw number `i` is `raw[order[i]]`.
 */
export function backing(g: Geometry, s: number, hva: number, size: number, raw: Raw, order: RawOrder, giant: boolean): StepFor<'mmap'> {
  const at = (i: number): number => r(raw, order[i]);
  const unit = giant ? g.giant : g.block;
  const from = alignDown(hva, unit);
  const len = alignUp(hva + size, unit) - from;
  const prot = pick(at(2), BACKING_PROTS);
  if (giant) return { op: 'mmap', hva: from, size: len, prot, kind: 'hugetlb', hugeSize: g.giant };
  const kind = pick(at(0), BACKING_KINDS);
  if (kind === 'anon') return at(5) % 16 === 0 ? { op: 'mmap', hva: from, size: len, prot, kind, uffd: true } : { op: 'mmap', hva: from, size: len, prot, kind };
  if (kind === 'file') return { op: 'mmap', hva: from, size: len, prot, kind };
  if (kind === 'hugetlb') return { op: 'mmap', hva: from, size: len, prot, kind, hugeSize: at(5) % 8 === 0 && g.page === 4096 ? 16 * g.page : g.block };
  const pgprot = nth(PGPROT_LIST, at(3));
  const paBase = at(4) % 3 === 0 ? RAM_PA : DEVICE_PA;
  const pa = paBase + s * 4 * g.block + (at(5) % 2 === 0 ? 0 : g.page); // congruent mod block, or not
  return { op: 'mmap', hva: from, size: len, prot, kind, pgprot, allowAnyUncached: at(1) % 2 === 0, pa };
}
