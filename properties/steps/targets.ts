/** Where steps aim: guest pages of slots (edges, block boundaries, hot pages), host ranges of VMAs and faults in flight. */
import { ACCESS_KINDS, type AccessKind, type S1MemType } from '../../model/types';
import { HVA_BASE, MMIO_IPA } from './layout';
import { alignUp, nth, r, weighted, type Raw } from './pick';
import { slotAt, type GenWorld } from './world';

/** Access kinds, plain reads/writes most often, every other kind (CMOs, AT, S1PTW) regularly. */
export function pickKind(n: number): AccessKind {
  return weighted<AccessKind>(n, ACCESS_KINDS.map((k) => [k === 'read' || k === 'write' ? 18 : k === 'exec' ? 6 : 4, k] as const));
}

/** Guest stage-1 memory type, absent (normal) most of the time. */
export function pickS1(n: number): S1MemType | undefined {
  return weighted<S1MemType | undefined>(n, [[70, undefined], [10, 'normal'], [10, 'nc'], [10, 'device']]);
}

/** A guest ipa: a slot page (first, last, block edge, middle, random, just past the end), a hot page, or MMIO. */
export function pickIpa(w: GenWorld, raw: Raw): number {
  const { page, block } = w.geo;
  const slots = [...w.slots.values()];
  const sub = r(raw, 4) % 8 === 0 ? 8 : 0; // an unaligned access inside the page, sometimes
  if (w.hot.length > 0 && r(raw, 0) % 4 === 0) return nth(w.hot, r(raw, 1));
  if (slots.length === 0 || r(raw, 0) % 10 === 1) return MMIO_IPA + page * (r(raw, 1) % 2) + sub;
  const s = nth(slots, r(raw, 1));
  const last = s.gpa + s.size - page;
  const edge = alignUp(s.gpa + 1, block);
  const where = weighted(r(raw, 2), [[20, s.gpa], [12, last], [12, edge <= last ? edge : s.gpa], [8, edge - page >= s.gpa ? edge - page : last],
    [10, s.gpa + Math.floor(s.size / page / 2) * page], [25, s.gpa + (r(raw, 3) % Math.max(1, s.size / page)) * page], [5, s.gpa + s.size]] as const);
  return where + sub;
}

/** The hva backing `ipa` in the world's slots, if any. */
export function hvaOf(w: GenWorld, ipa: number): number | undefined {
  const s = slotAt(w, ipa);
  return s && s.hva + (ipa - s.gpa) - (ipa % w.geo.page);
}

/** Page-aligned, non-empty host range: a fault-in-flight page (biased), part of a VMA or of a slot's hva range. */
export function pickRange(w: GenWorld, raw: Raw, pendingBias = 3): { hva: number; size: number } {
  const { page, block } = w.geo;
  const pend = [...w.pending.values()];
  if (pend.length > 0 && r(raw, 0) % pendingBias === 0) {
    const hva = hvaOf(w, nth(pend, r(raw, 1)).ipa);
    if (hva !== undefined) return r(raw, 2) % 3 === 0 ? { hva: hva - (hva % block), size: block } : { hva, size: page };
  }
  const areas = [...w.vmas.map((v) => ({ hva: v.hva, size: v.size })), ...[...w.slots.values()].map((s) => ({ hva: s.hva, size: s.size }))];
  if (areas.length === 0) return { hva: HVA_BASE, size: page };
  const a = nth(areas, r(raw, 1));
  const pages = Math.max(1, a.size / page);
  const off = (r(raw, 3) % pages) * page;
  return weighted(r(raw, 2), [
    [25, { hva: a.hva, size: a.size }],
    [40, { hva: a.hva + off, size: page }],
    [15, a.size >= block ? { hva: a.hva - (a.hva % block), size: block } : { hva: a.hva, size: a.size }],
    [20, { hva: a.hva, size: Math.max(page, Math.floor(pages / 2) * page) }],
  ] as const);
}

/** One hva inside a VMA or slot (page-aligned), or at a fault in flight. */
export function pickHva(w: GenWorld, raw: Raw): number {
  const { hva, size } = pickRange(w, raw);
  return hva + (r(raw, 5) % Math.max(1, size / w.geo.page)) * w.geo.page;
}
