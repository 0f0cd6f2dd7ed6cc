/** The IPA ranges one step may have changed: what incremental checks look at (properties/invariants/types.ts `touched`). */
import type { EffectEvent } from '../../impl/effects';
import type { Memslot } from '../../model/memslotTypes';
import type { Step } from '../trace/codec';
import type { World } from './executors';
import { leafSpansIn } from './implLeaves';
import { coalesceSpans, SpanList, subtractSpans } from './spans';

/** [start, end) in IPA bytes. */
export type Range = readonly [number, number];

/** What the runner remembers across steps to name a step's pages (faultCommit has no ipa). */
export interface RunnerMemory {
  /** vCPU → ipa of its last faultBegin. */
  readonly faultIpa: Map<number, number>;
}

/** The lists one touched computation works in (one set per run, reused every step): candidates, kept ranges, candidates outside them, leaf spans. */
export interface TouchScratch {
  readonly candidates: SpanList;
  readonly keep: SpanList;
  readonly rest: SpanList;
  readonly spans: SpanList;
}

export const newTouchScratch = (): TouchScratch => ({ candidates: new SpanList(), keep: new SpanList(), rest: new SpanList(), spans: new SpanList() });

const alignDown = (x: number, a: number): number => x - (x % a);

/** Append the gpa ranges backed by host range [hva, hva+size) through the model's memslots (gfn_to_hva inverse). */
export function hvaToIpaRanges(slots: ReadonlyMap<number, Memslot>, hva: number, size: number, out: SpanList): void {
  for (const s of slots.values()) {
    const lo = Math.max(hva, s.hva);
    const hi = Math.min(hva + size, s.hva + s.size);
    if (lo < hi) out.push(s.gpa + (lo - s.hva), s.gpa + (hi - s.hva));
  }
}

const page = (w: World, ipa: number, out: SpanList): void => { const g = w.config.granule; const p = alignDown(ipa, g); out.push(p, p + g); };
const hvaRange = (w: World, hva: number, size: number, out: SpanList): void => hvaToIpaRanges(w.model.kvm.memslots, hva, size, out);
/** A single-hva host op may change the whole host leaf around it (THP, hugetlb) or build a PMD (collapse). */
const hostLeaf = (w: World, hva: number, out: SpanList): void => {
  const g = w.config.granule;
  const size = Math.max(w.model.host.hostLeafSize(hva), (g * g) / 8);
  hvaRange(w, alignDown(hva, size), size, out);
};
const slotRange = (s: Memslot | undefined, out: SpanList): void => { if (s) out.push(s.gpa, s.gpa + s.size); };

/**
 * Append to `out` the ranges known before the step runs, per op (the step's own range, the slot it
 * replaces, the page a split fault commits). Effects-derived and dirty-derived ranges are added
 * after it runs. A switch, not an op-keyed table: one monomorphic dispatch per step.
 */
export function preTouch(w: World, s: Step, mem: RunnerMemory, out: SpanList): void {
  switch (s.op) {
    case 'setMemslot': slotRange(w.model.kvm.memslots.get(s.slot), out); if (s.size > 0) out.push(s.gpa, s.gpa + s.size); return;
    case 'getDirtyLog': case 'clearDirtyLog': case 'testAge': return;
    case 'mmap': case 'munmap': case 'mprotect': case 'madviseDontneed': case 'invalidateBegin': case 'age':
      return hvaRange(w, s.hva, s.size, out);
    case 'migrate': case 'thpCollapse': case 'thpSplit': case 'vmmWrite': return hostLeaf(w, s.hva, out);
    case 'invalidateEnd': {
      const r = w.model.host.openInvalidations().find((o) => o.id === s.id);
      if (r) hvaRange(w, r.start, r.end - r.start, out);
      return;
    }
    case 'access': case 'faultBegin': case 'hostAccess': return page(w, s.ipa, out);
    case 'faultCommit': { const ipa = mem.faultIpa.get(s.vcpu); if (ipa !== undefined) page(w, ipa, out); return; }
    case 'ioremap': return out.push(alignDown(s.ipa, w.config.granule), s.ipa + s.size);
    case 'setOwner': return out.push(s.ipa, s.ipa + s.size);
    default: { const never: never = s; throw new Error(`preTouch: unknown op ${(never as Step).op}`); }
  }
}

/** Append the ranges of the impl's recorded descriptor stores. */
export function effectRanges(w: World, events: readonly EffectEvent[], out: SpanList): void {
  const gran = w.impl.kvm.pgt.geom.granules;
  for (const e of events) if (e.op === 'pteStore') out.push(e.ipa, e.ipa + gran[e.level]);
}

/** Append the pages of a slot named by dirty-log indices (harvested / cleared pages are write-protected). */
export function dirtyRanges(w: World, slot: number, dirty: readonly number[] | undefined, out: SpanList): void {
  const s = w.model.kvm.memslots.get(slot);
  if (!s || !dirty) return;
  const g = w.config.granule;
  for (const i of dirty) out.push(s.gpa + i * g, s.gpa + (i + 1) * g);
}

/**
 * Narrow candidate ranges to the impl leaves present in them after the step: where the impl maps
 * nothing there is nothing to check, so the cost follows what is mapped in the step's ranges,
 * not the ranges' size (issue 5: incremental checks). `keep` ranges (the step's own page, dirty
 * pages) are kept whole, so only candidates outside them are walked. The result is the union of
 * `keep` and the leaf spans clipped to the candidates, clipped to the IPA space, merged where
 * overlapping or adjacent, each rounded out to pages. Clears and reuses the lists of `sc`
 * (`candidates` and `keep` are consumed).
 */
export function touchedRanges(w: World, sc: TouchScratch): Range[] {
  const pgt = w.impl.kvm.pgt;
  const g = w.config.granule;
  const limit = pgt.geom.ipaLimit;
  const { candidates, keep, rest, spans } = sc;
  coalesceSpans(keep, limit);
  coalesceSpans(candidates, limit);
  rest.clear();
  subtractSpans(candidates, keep, rest);
  spans.clear();
  // Leaves inside `keep` add nothing to the union: only the candidates outside it are walked.
  for (let k = 0; k < rest.n; k += 2) leafSpansIn(pgt, rest.v[k], rest.v[k + 1], spans);
  spans.pushAll(keep);
  coalesceSpans(spans, limit);
  const out: Range[] = [];
  for (let k = 0; k < spans.n; k += 2) {
    const a = spans.v[k];
    const b = spans.v[k + 1];
    out.push([a - (a % g), b % g === 0 ? b : b - (b % g) + g]);
  }
  return out;
}
