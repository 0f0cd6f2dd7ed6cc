/** The IPA ranges one step may have changed: what incremental checks look at (properties/invariants/types.ts `touched`). */
import type { EffectEvent } from '../../impl/effects';
import type { Memslot } from '../../model/memslotTypes';
import type { Step } from '../trace/codec';
import type { World } from './executors';
import { forEachLeafSpan } from './implLeaves';

/** [start, end) in IPA bytes. */
export type Range = readonly [number, number];

/** What the runner remembers across steps to name a step's pages (faultCommit has no ipa). */
export interface RunnerMemory {
  /** vCPU → ipa of its last faultBegin. */
  readonly faultIpa: Map<number, number>;
}

const alignDown = (x: number, a: number): number => x - (x % a);

/** gpa ranges backed by host range [hva, hva+size) through the model's memslots (gfn_to_hva inverse). */
export function hvaToIpaRanges(slots: ReadonlyMap<number, Memslot>, hva: number, size: number): Range[] {
  const out: Range[] = [];
  for (const s of slots.values()) {
    const lo = Math.max(hva, s.hva);
    const hi = Math.min(hva + size, s.hva + s.size);
    if (lo < hi) out.push([s.gpa + (lo - s.hva), s.gpa + (hi - s.hva)]);
  }
  return out;
}

type PreTouch<O extends Step['op']> = (w: World, s: Extract<Step, { op: O }>, mem: RunnerMemory) => Range[];

const none = (): Range[] => [];
const page = (w: World, ipa: number): Range[] => { const g = w.config.granule; const p = alignDown(ipa, g); return [[p, p + g]]; };
const hvaRange = (w: World, hva: number, size: number): Range[] => hvaToIpaRanges(w.model.kvm.memslots, hva, size);
/** A single-hva host op may change the whole host leaf around it (THP, hugetlb) or build a PMD (collapse). */
const hostLeaf = (w: World, hva: number): Range[] => {
  const g = w.config.granule;
  const size = Math.max(w.model.host.hostLeafSize(hva), (g * g) / 8);
  return hvaRange(w, alignDown(hva, size), size);
};
const slotRange = (s: Memslot | undefined): Range[] => (s ? [[s.gpa, s.gpa + s.size]] : []);

/**
 * Ranges known before the step runs, per op (the step's own range, the slot it replaces, the page a
 * split fault commits). Effects-derived and dirty-derived ranges are added after it runs (stepTouched).
 */
export const PRE_TOUCH: { readonly [O in Step['op']]: PreTouch<O> } = {
  setMemslot: (w, s) => [...slotRange(w.model.kvm.memslots.get(s.slot)), ...(s.size > 0 ? [[s.gpa, s.gpa + s.size] as const] : [])],
  getDirtyLog: none,
  clearDirtyLog: none,
  mmap: (w, s) => hvaRange(w, s.hva, s.size),
  munmap: (w, s) => hvaRange(w, s.hva, s.size),
  mprotect: (w, s) => hvaRange(w, s.hva, s.size),
  madviseDontneed: (w, s) => hvaRange(w, s.hva, s.size),
  migrate: (w, s) => hostLeaf(w, s.hva),
  thpCollapse: (w, s) => hostLeaf(w, s.hva),
  thpSplit: (w, s) => hostLeaf(w, s.hva),
  invalidateBegin: (w, s) => hvaRange(w, s.hva, s.size),
  invalidateEnd: (w, s) => {
    const r = w.model.host.openInvalidations().find((o) => o.id === s.id);
    return r ? hvaRange(w, r.start, r.end - r.start) : [];
  },
  access: (w, s) => page(w, s.ipa),
  faultBegin: (w, s) => page(w, s.ipa),
  faultCommit: (w, s, mem) => { const ipa = mem.faultIpa.get(s.vcpu); return ipa === undefined ? [] : page(w, ipa); },
  age: (w, s) => hvaRange(w, s.hva, s.size),
  testAge: none,
  ioremap: (w, s) => [[alignDown(s.ipa, w.config.granule), s.ipa + s.size]],
  setOwner: (_w, s) => [[s.ipa, s.ipa + s.size]],
  hostAccess: (w, s) => page(w, s.ipa),
};

/** Ranges from the impl's recorded descriptor stores. */
export function effectRanges(w: World, events: readonly EffectEvent[]): Range[] {
  const gran = w.impl.kvm.pgt.geom.granules;
  const out: Range[] = [];
  for (const e of events) if (e.op === 'pteStore') out.push([e.ipa, e.ipa + gran[e.level]]);
  return out;
}

/** Pages of a slot named by dirty-log indices (harvested / cleared pages are write-protected). */
export function dirtyRanges(w: World, slot: number, dirty: readonly number[] | undefined): Range[] {
  const s = w.model.kvm.memslots.get(slot);
  if (!s || !dirty) return [];
  const g = w.config.granule;
  return dirty.map((i) => [s.gpa + i * g, s.gpa + (i + 1) * g] as const);
}

/** Sort, clip to [0, limit) and merge overlapping or adjacent ranges. */
export function coalesce(ranges: readonly Range[], limit: number): Range[] {
  const parts: Array<[number, number]> = [];
  for (const [a, b] of ranges) {
    const lo = Math.max(0, a);
    const hi = Math.min(limit, b);
    if (lo < hi) parts.push([lo, hi]);
  }
  if (parts.length > 1) parts.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push(p);
  }
  return out;
}

/**
 * Narrow candidate ranges to the impl leaves present in them after the step: where the impl maps
 * nothing there is nothing to check, so the cost follows what is mapped in the step's ranges,
 * not the ranges' size (issue 5: incremental checks). `keep` ranges (the step's own page, dirty
 * pages) are kept whole.
 */
export function touchedRanges(w: World, candidates: readonly Range[], keep: readonly Range[]): Range[] {
  const pgt = w.impl.kvm.pgt;
  const g = w.config.granule;
  const out: Range[] = [...keep];
  for (const [a, b] of coalesce(candidates, pgt.geom.ipaLimit)) {
    forEachLeafSpan(pgt, a, b, (ipa, size) => void out.push([Math.max(a, ipa), Math.min(b, ipa + size)]));
  }
  return coalesce(out, pgt.geom.ipaLimit).map(([a, b]): Range => [a - (a % g), b % g === 0 ? b : b - (b % g) + g]);
}
