/** The sorted VMA list of the host mm: lookup, split at boundaries, remove ranges, merge neighbours. */
import type { VmaProt } from '../types';
import type { Vma } from './types';

/** Whether `v` holds the whole PMD range at `base` (thp_vma_suitable_order, range_in_vma). */
export const holdsPmd = (v: Vma, base: number, pmdSize: number): boolean => v.start <= base && base + pmdSize <= v.end;

/** A VMA plus the bookkeeping the public Vma does not show. */
export interface VmaRec {
  readonly vma: Vma;
  /** file kind: identity of the backing file and byte offset of vma.start in it (vm_pgoff). */
  readonly fileId?: number;
  readonly fileOff?: number;
  /**
   * pfnmap kind: the PTEs are read-only whatever the protection, because the VMA was mapped or
   * mprotected without write at some point. Observed on arm64 6.1 and 6.12 (`npm run real`): a
   * PFNMAP page that was read-only stays read-only to hva_to_pfn_remapped after mprotect(rw).
   */
  readonly pfnReadOnly?: true;
  /**
   * pfnmap kind: the pages (hva) whose PTE is dirty, because a userspace write went through it
   * (remap_pfn_range makes clean PTEs; a write on a read-only one of a writable shared VMA is made
   * writable and dirty, do_wp_page → wp_pfn_shared → wp_page_reuse, no notifier). KVM's own write
   * fault never dirties one (hva_to_pfn_remapped: a present read-only PTE is KVM_PFN_ERR_RO_FAULT).
   * change_protection keeps the dirty bit, and an mprotect(rw) makes a dirty PTE of a shared
   * mapping writable, a clean one not (can_change_pte_writable): so a pfnReadOnly VMA's dirty pages
   * are writable again. Split parts share the set (keyed by hva).
   */
  readonly pfnDirty?: Set<number>;
  /**
   * anon kind: identity of its anon_vma, set by the first fault that gives it an anonymous page
   * (anon_vma_prepare; a zero-page read fault does not), kept by splits, taken over from a
   * compatible neighbour (find_mergeable_anon_vma). Two VMAs with different ones never merge.
   */
  readonly anonVma?: number;
}

/*
 * VMAs and records are copied field by field, in validateMmap's field order, not by spread: the
 * harness makes VMAs of many hidden classes, and a spread over them goes megamorphic in V8 (~0.5 µs
 * a copy instead of ~30 ns).
 */

/** VMA `v` over [s, e) with protection `prot`: kind, uffd and pgprot kept, a pfnmap's PA moved with s. */
function vmaOver(v: Vma, s: number, e: number, prot: VmaProt): Vma {
  const { kind, uffd } = v;
  const size = e - s;
  if (v.pa !== undefined) {
    return { hva: s, size, prot, kind, start: s, end: e, uffd, pa: v.pa + (s - v.start), pgprot: v.pgprot, allowAnyUncached: v.allowAnyUncached };
  }
  if (v.hugeSize !== undefined) return { hva: s, size, prot, kind, start: s, end: e, uffd, hugeSize: v.hugeSize };
  return { hva: s, size, prot, kind, start: s, end: e, uffd };
}

/** A pfnmap record: read-only PTEs once the VMA was not rw; `dirty`, its dirty pages (kept, or none for a new mapping). */
export function pfnmapRec(vma: Vma, readOnly: boolean, dirty: Set<number> = new Set()): VmaRec {
  return readOnly || vma.prot !== 'rw' ? { vma, pfnReadOnly: true, pfnDirty: dirty } : { vma, pfnDirty: dirty };
}

/** `rec` holding `vma` instead, its file offset (if any) moved by `shift` bytes. */
function recWith(rec: VmaRec, vma: Vma, shift: number): VmaRec {
  if (vma.kind === 'pfnmap') return pfnmapRec(vma, rec.pfnReadOnly === true, rec.pfnDirty);
  if (rec.fileOff !== undefined) return { vma, fileId: rec.fileId, fileOff: rec.fileOff + shift };
  return rec.anonVma === undefined ? { vma } : { vma, anonVma: rec.anonVma };
}

/** A copy of `rec` restricted to [s, e) ⊆ [start, end); pfnmap pa and file offset follow (__split_vma). */
export function sliceRec(rec: VmaRec, s: number, e: number): VmaRec {
  return recWith(rec, vmaOver(rec.vma, s, e, rec.vma.prot), s - rec.vma.start);
}

/** A copy of `rec` with a new protection (mprotect_fixup). */
export function withProt(rec: VmaRec, prot: VmaProt): VmaRec {
  return recWith(rec, vmaOver(rec.vma, rec.vma.start, rec.vma.end, prot), 0);
}

/** Would Linux merge b into a? anon: same flags; file: same file, contiguous pgoff; never VM_SPECIAL/hugetlb (vma_merge). */
function mergeable(a: VmaRec, b: VmaRec): boolean {
  const x = a.vma;
  const y = b.vma;
  if (x.end !== y.start || x.kind !== y.kind || x.prot !== y.prot || Boolean(x.uffd) !== Boolean(y.uffd)) return false;
  if (x.kind === 'anon') return true; // anon_vmas: anonMergeable
  return x.kind === 'file' && a.fileId === b.fileId && (a.fileOff ?? 0) + x.size === b.fileOff;
}

/** Sorted, non-overlapping VMAs. */
export class VmaList {
  private recs: VmaRec[] = [];

  /**
   * `nextFirst`: a new mapping tries its next neighbour first and then its previous one with the
   * next's anon_vma (profile `mmap-merge-next-first`, 6.1's mmap_region); else both at once
   * (vma_merge_new_range).
   */
  constructor(private readonly nextFirst = false) {}

  /** All records in address order. */
  all(): readonly VmaRec[] {
    return this.recs;
  }

  /** The record containing `hva` (find_vma + start check). */
  find(hva: number): VmaRec | undefined {
    let lo = 0;
    let hi = this.recs.length - 1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const v = this.recs[mid].vma;
      if (hva < v.start) hi = mid - 1;
      else if (hva >= v.end) lo = mid + 1;
      else return this.recs[mid];
    }
    return undefined;
  }

  /** Records intersecting [s, e), in address order. */
  intersecting(s: number, e: number): VmaRec[] {
    return this.recs.filter((r) => r.vma.start < e && r.vma.end > s);
  }

  /** Split the record strictly containing `addr` into two at `addr` (split_vma). */
  splitAt(addr: number): void {
    const i = this.recs.findIndex((r) => r.vma.start < addr && addr < r.vma.end);
    if (i < 0) return;
    const r = this.recs[i];
    this.recs.splice(i, 1, sliceRec(r, r.vma.start, addr), sliceRec(r, addr, r.vma.end));
  }

  /** Remove [s, e) from the VMA space, splitting records at the edges (do_vmi_munmap). */
  removeRange(s: number, e: number): void {
    this.splitAt(s);
    this.splitAt(e);
    this.recs = this.recs.filter((r) => r.vma.end <= s || r.vma.start >= e);
  }

  /** Replace every record inside [s, e) (after splitAt on both edges) by `f(rec)`. */
  mapRange(s: number, e: number, f: (r: VmaRec) => VmaRec): void {
    this.recs = this.recs.map((r) => (r.vma.start >= s && r.vma.end <= e ? f(r) : r));
  }

  /** Insert a record whose range is free, then merge it with its neighbours (vma_merge_new_range, or 6.1's mmap_region). */
  insert(rec: VmaRec): void {
    this.recs.push(rec);
    this.recs.sort((a, b) => a.vma.start - b.vma.start);
    if (!this.nextFirst) { this.mergeAll(new Set([rec])); return; }
    // 6.1 mmap_region: expand the next VMA down over the new range if it can merge, then the previous one up
    // over both, which its anon_vma test refuses when next brought an anon_vma and prev has none.
    const i = this.recs.indexOf(rec);
    let cur = rec;
    const next = this.recs[i + 1];
    if (next !== undefined && mergeable(cur, next) && anonMergeable(cur, next, false)) {
      cur = sliceMerged(cur, next);
      this.recs.splice(i, 2, cur);
    }
    const prev = this.recs[i - 1];
    if (prev !== undefined && mergeable(prev, cur) && anonMergeable(prev, cur, true)) this.recs.splice(i - 1, 2, sliceMerged(prev, cur));
  }

  /**
   * Give the anon record containing `hva` an anon_vma if it has none (anon_vma_prepare): an adjacent
   * anon VMA's, next before prev, when it differs at most in protection (find_mergeable_anon_vma),
   * else a new one.
   */
  prepareAnonVma(hva: number): void {
    const i = this.recs.findIndex((r) => r.vma.start <= hva && hva < r.vma.end);
    const r = this.recs[i];
    if (r === undefined || r.vma.kind !== 'anon' || r.anonVma !== undefined) return;
    const compatible = (n: VmaRec | undefined): number | undefined =>
      n !== undefined && n.vma.kind === 'anon' && Boolean(n.vma.uffd) === Boolean(r.vma.uffd) && (n.vma.end === r.vma.start || n.vma.start === r.vma.end) ? n.anonVma : undefined;
    const anonVma = compatible(this.recs[i + 1]) ?? compatible(this.recs[i - 1]) ?? this.nextAnonVma++;
    this.recs[i] = { vma: r.vma, anonVma };
  }

  private nextAnonVma = 0;

  /**
   * Merge the records in `changed` (a new mmap, the parts an mprotect changed) with mergeable
   * neighbours, in address order, as vma_merge_new_range / vma_merge_existing_range do; a record
   * merged with a changed one counts as changed.
   */
  mergeAll(changed: ReadonlySet<VmaRec>): void {
    const out: VmaRec[] = [];
    const touched = new Set<VmaRec>();
    const isChanged = (r: VmaRec): boolean => changed.has(r) || touched.has(r);
    for (const r of this.recs) {
      const last = out[out.length - 1];
      const rc = isChanged(r);
      if (last !== undefined && (rc || isChanged(last)) && mergeable(last, r) && anonMergeable(last, r, rc)) {
        const m = sliceMerged(last, r);
        out[out.length - 1] = m;
        touched.add(m);
      } else out.push(r);
    }
    this.recs = out;
  }
}

/**
 * is_mergeable_anon_vma as vma_merge calls it: the changed record `p` merges into neighbour `n`
 * when their anon_vmas are equal, or `p` has none and `n` has one (its anon_vma_chain is then
 * singular); a changed record with an anon_vma never merges into a neighbour without one (the
 * neighbour's empty chain is not singular). Seen on 6.1 and 6.12: an mprotect back to rw leaves a
 * never-faulted part and a faulted part as two VMAs (real/corpus/thp-collapse-after-merges.json).
 */
function anonMergeable(a: VmaRec, b: VmaRec, bChanged: boolean): boolean {
  if (a.vma.kind !== 'anon' || a.anonVma === b.anonVma) return true;
  const [p, n] = bChanged ? [b, a] : [a, b];
  return p.anonVma === undefined && n.anonVma !== undefined;
}

/** One record covering a then b (b mergeable into a); an anon VMA keeps whichever anon_vma they have. */
function sliceMerged(a: VmaRec, b: VmaRec): VmaRec {
  const from = a.anonVma === undefined && b.anonVma !== undefined ? { vma: a.vma, anonVma: b.anonVma } : a;
  return recWith(from, vmaOver(a.vma, a.vma.start, b.vma.end, a.vma.prot), 0);
}
