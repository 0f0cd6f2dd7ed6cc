/** Where steps aim: guest pages of slots (edges, block boundaries, hot pages), host ranges of VMAs and faults in flight. */
import { ACCESS_KINDS, type AccessKind, type S1MemType } from '../../model/types';
import { HVA_BASE, MMIO_IPA } from './layout';
import { alignUp, choices, nth, nthOf, pick, r, type Raw } from './pick';
import { slotAt, type GenSlot, type GenWorld } from './world';

const KINDS = choices(ACCESS_KINDS.map((k) => [k === 'read' || k === 'write' ? 18 : k === 'exec' ? 6 : 4, k] as const));
const S1_TYPES = choices<S1MemType | undefined>([[70, undefined], [10, 'normal'], [10, 'nc'], [10, 'device']]);
/** Where in a slot an ipa lands (pickIpa), by weight. */
const IPA_SPOTS = choices([[20, 'first'], [12, 'last'], [12, 'edge'], [8, 'beforeEdge'], [10, 'middle'], [25, 'any'], [5, 'pastEnd']] as const);
type IpaSpot = (typeof IPA_SPOTS.values)[number];
/** Which part of an area a host range covers (pickRange), by weight. */
const RANGE_SPOTS = choices([[25, 'whole'], [40, 'page'], [15, 'block'], [20, 'half']] as const);
type RangeSpot = (typeof RANGE_SPOTS.values)[number];

/** Access kinds, plain reads/writes most often, every other kind (CMOs, AT, S1PTW) regularly. */
export function pickKind(n: number): AccessKind {
  return pick(n, KINDS);
}

/** Guest stage-1 memory type, absent (normal) most of the time. */
export function pickS1(n: number): S1MemType | undefined {
  return pick(n, S1_TYPES);
}

/** The page of slot `s` at `spot`; `n` picks the page for 'any'. */
function ipaIn(s: GenSlot, page: number, block: number, spot: IpaSpot, n: number): number {
  const last = s.gpa + s.size - page;
  const edge = alignUp(s.gpa + 1, block);
  switch (spot) {
    case 'first': return s.gpa;
    case 'last': return last;
    case 'edge': return edge <= last ? edge : s.gpa;
    case 'beforeEdge': return edge - page >= s.gpa ? edge - page : last;
    case 'middle': return s.gpa + Math.floor(s.size / page / 2) * page;
    case 'any': return s.gpa + (n % Math.max(1, s.size / page)) * page;
    default: return s.gpa + s.size;
  }
}

/** A guest ipa: a slot page (first, last, block edge, middle, random, just past the end), a hot page, or MMIO. */
export function pickIpa(w: GenWorld, raw: Raw): number {
  const { page, block } = w.geo;
  const sub = r(raw, 4) % 8 === 0 ? 8 : 0; // an unaligned access inside the page, sometimes
  if (w.hot.length > 0 && r(raw, 0) % 4 === 0) return nth(w.hot, r(raw, 1));
  if (w.slots.size === 0 || r(raw, 0) % 10 === 1) return MMIO_IPA + page * (r(raw, 1) % 2) + sub;
  const s = nthOf(w.slots.values(), w.slots.size, r(raw, 1));
  return ipaIn(s, page, block, pick(r(raw, 2), IPA_SPOTS), r(raw, 3)) + sub;
}

/** The hva backing `ipa` in the world's slots, if any. */
export function hvaOf(w: GenWorld, ipa: number): number | undefined {
  const s = slotAt(w, ipa);
  return s && s.hva + (ipa - s.gpa) - (ipa % w.geo.page);
}

/** Page-aligned, non-empty host range: a fault-in-flight page (biased), part of a VMA or of a slot's hva range. */
export function pickRange(w: GenWorld, raw: Raw, pendingBias = 3): { hva: number; size: number } {
  const { page, block } = w.geo;
  if (w.pending.size > 0 && r(raw, 0) % pendingBias === 0) {
    const hva = hvaOf(w, nthOf(w.pending.values(), w.pending.size, r(raw, 1)).ipa);
    if (hva !== undefined) return r(raw, 2) % 3 === 0 ? { hva: hva - (hva % block), size: block } : { hva, size: page };
  }
  const count = w.vmas.length + w.slots.size;
  if (count === 0) return { hva: HVA_BASE, size: page };
  const i = r(raw, 1) % count;
  const a = i < w.vmas.length ? w.vmas[i] : nthOf(w.slots.values(), w.slots.size, i - w.vmas.length);
  return rangeIn(a.hva, a.size, page, block, pick(r(raw, 2), RANGE_SPOTS), r(raw, 3));
}

/** The part `spot` of the area [hva, hva+size); `n` picks the page for 'page'. */
function rangeIn(hva: number, size: number, page: number, block: number, spot: RangeSpot, n: number): { hva: number; size: number } {
  const pages = Math.max(1, size / page);
  switch (spot) {
    case 'whole': return { hva, size };
    case 'page': return { hva: hva + (n % pages) * page, size: page };
    case 'block': return size >= block ? { hva: hva - (hva % block), size: block } : { hva, size };
    default: return { hva, size: Math.max(page, Math.floor(pages / 2) * page) };
  }
}

/** One hva inside a VMA or slot (page-aligned), or at a fault in flight. */
export function pickHva(w: GenWorld, raw: Raw): number {
  const { hva, size } = pickRange(w, raw);
  return hva + (r(raw, 5) % Math.max(1, size / w.geo.page)) * w.geo.page;
}
