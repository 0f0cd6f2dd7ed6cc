/** The model's own stage 2: whole leaves (pages and blocks) keyed by base gfn; a gfn finds its leaf among the aligned bases. */
import type { MemType, Perms } from './types';

/** One installed stage-2 leaf: `npages` pages from `baseGfn` (a multiple of `npages`) mapping pfns from `pfn` on. */
export interface S2Leaf {
  baseGfn: number;
  npages: number;
  /** pfn of `baseGfn`; page `baseGfn + i` maps `pfn + i`. */
  pfn: number;
  perms: Perms;
  memtype: MemType;
  /** Access flag (cleared by aging, set again by an access-flag fault or hardware AF). */
  af: boolean;
}

/** One page of an installed leaf, as the model's API reports it. */
export interface ModelLeaf {
  /** pfn of the page asked for. */
  pfn: number;
  perms: Perms;
  memtype: MemType;
  /** Size in bytes of the whole leaf holding the page. */
  leafSize: number;
  af: boolean;
  /** Extent of the whole leaf holding the page. */
  baseGfn: number;
  npages: number;
}

/** Stage 2 of the model. Source: kvm_pgtable_stage2_map/unmap/wrprotect/mkyoung/relax_perms (facts §3.4, §5, §7, §8). */
export class Stage2 {
  private readonly leaves = new Map<number, S2Leaf>();
  /** Leaf sizes (in pages) ever installed: the aligned bases a lookup tries. */
  private readonly sizes = new Set<number>();

  /** Leaf lookups made by range operations (a structural cost measure for tests). */
  visited = 0;

  constructor(private readonly granule: number) {}

  /** The whole leaf covering `gfn`, if any (read-only: change it through the operations below). */
  leafAt(gfn: number): Readonly<S2Leaf> | undefined {
    for (const n of this.sizes) {
      const leaf = this.leaves.get(Math.floor(gfn / n) * n);
      if (leaf && leaf.npages === n) return leaf;
    }
    return undefined;
  }

  /** The page `gfn` of the leaf covering it, if any (a copy). */
  get(gfn: number): ModelLeaf | undefined {
    const l = this.leafAt(gfn);
    if (!l) return undefined;
    const { baseGfn, npages, memtype, af } = l;
    return { pfn: l.pfn + (gfn - baseGfn), perms: { ...l.perms }, memtype, leafSize: npages * this.granule, af, baseGfn, npages };
  }

  /**
   * Install `leaf` whole: every leaf overlapping it goes first — a table replaced by a block, or a
   * block broken for a smaller leaf whose other pages stay unmapped. Source: stage2_map_walker (facts §5.2 step 6, §5.3).
   */
  install(leaf: S2Leaf): void {
    this.unmap(leaf.baseGfn, leaf.npages);
    this.leaves.set(leaf.baseGfn, { ...leaf, perms: { ...leaf.perms } });
    this.sizes.add(leaf.npages);
  }

  /**
   * Leaves overlapping [first, first + count), ascending: walks the range or the installed leaves,
   * whichever is smaller, so a huge range costs what exists (issue 3). Source: kvm_pgtable_walk (facts §4).
   */
  leavesIn(first: number, count: number): S2Leaf[] {
    const end = first + count;
    const out: S2Leaf[] = [];
    if (count <= this.leaves.size) {
      let g = first;
      while (g < end) {
        const leaf = this.leafAt(g) as S2Leaf | undefined;
        this.visited += 1;
        if (leaf) out.push(leaf);
        g = leaf ? leaf.baseGfn + leaf.npages : g + 1;
      }
      return out;
    }
    for (const l of this.leaves.values()) if (l.baseGfn < end && l.baseGfn + l.npages > first) out.push(l);
    this.visited += this.leaves.size;
    return out.sort((a, b) => a.baseGfn - b.baseGfn);
  }

  /** Unmap every leaf overlapping `count` pages from `first`, whole. Source: kvm_pgtable_stage2_unmap (facts §7). */
  unmap(first: number, count: number): void {
    for (const l of this.leavesIn(first, count)) this.leaves.delete(l.baseGfn);
  }

  /** Clear W on every leaf overlapping `count` pages from `first`, whole. Source: kvm_pgtable_stage2_wrprotect (facts §8). */
  wrprotect(first: number, count: number): void {
    for (const l of this.leavesIn(first, count)) l.perms = { ...l.perms, w: false };
  }

  /**
   * Replace every block overlapping `count` pages from `first` by page leaves of the same output,
   * permissions and memory type, each with AF set (a fresh descriptor). Source:
   * kvm_pgtable_stage2_split / stage2_split_walker (facts §6).
   */
  split(first: number, count: number): void {
    for (const l of this.leavesIn(first, count)) {
      if (l.npages === 1) continue;
      this.leaves.delete(l.baseGfn);
      for (let i = 0; i < l.npages; i++) this.leaves.set(l.baseGfn + i, { ...l, baseGfn: l.baseGfn + i, npages: 1, pfn: l.pfn + i, perms: { ...l.perms }, af: true });
      this.sizes.add(1);
    }
  }

  /** Set AF on the leaf covering `gfn`; false when none. Source: kvm_pgtable_stage2_mkyoung (facts §8, §15.8). */
  mkyoung(gfn: number): boolean {
    const l = this.leafAt(gfn) as S2Leaf | undefined;
    if (l) l.af = true;
    return l !== undefined;
  }

  /**
   * Whether a leaf overlapping the range has AF set; with `clear`, clear it on those leaves, whole.
   * Source: kvm_pgtable_stage2_test_clear_young (facts §8, §14.5).
   */
  age(first: number, count: number, clear: boolean): boolean {
    let young = false;
    for (const l of this.leavesIn(first, count)) {
      if (!l.af) continue;
      young = true;
      if (clear) l.af = false;
    }
    return young;
  }

  /** OR `perms` into the leaf covering `gfn`; false (-EAGAIN) when none. Source: kvm_pgtable_stage2_relax_perms (facts §8). */
  relax(gfn: number, perms: Perms): boolean {
    const l = this.leafAt(gfn) as S2Leaf | undefined;
    if (l) l.perms = { r: l.perms.r || perms.r, w: l.perms.w || perms.w, x: l.perms.x || perms.x };
    return l !== undefined;
  }

  /** All installed gfns, ascending (every page of every leaf). */
  gfns(): number[] {
    const out: number[] = [];
    for (const l of this.leaves.values()) for (let i = 0; i < l.npages; i++) out.push(l.baseGfn + i);
    return out.sort((a, b) => a - b);
  }

  /** Number of installed pages. */
  get size(): number {
    let n = 0;
    for (const l of this.leaves.values()) n += l.npages;
    return n;
  }
}
