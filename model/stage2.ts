/** The model's own stage 2: one entry per guest page, gfn → {pfn, perms, memtype, leafSize, af}. */
import type { MemType, Perms } from './types';

/** One installed stage-2 page as the model sees it (no descriptors, no levels). */
export interface ModelLeaf {
  pfn: number;
  perms: Perms;
  memtype: MemType;
  /** Size of the leaf the model chose (the model always installs PAGE_SIZE leaves). */
  leafSize: number;
  /** Access flag (cleared by aging, set again by an access-flag fault or hardware AF). */
  af: boolean;
}

/** Per-page stage 2 of the model. Source: kvm_pgtable_stage2_map/unmap/wrprotect/mkyoung (facts §3.4). */
export class Stage2 {
  private readonly leaves = new Map<number, ModelLeaf>();

  /** The leaf at `gfn`, if any. */
  get(gfn: number): ModelLeaf | undefined {
    return this.leaves.get(gfn);
  }

  /** Install (or replace) the leaf at `gfn`. */
  set(gfn: number, leaf: ModelLeaf): void {
    this.leaves.set(gfn, { ...leaf, perms: { ...leaf.perms } });
  }

  /** Leaf lookups made by range operations (a structural cost measure for tests). */
  visited = 0;

  /**
   * Installed gfns in [first, first + count), ascending: walks the range or the installed leaves,
   * whichever is smaller, so a huge range costs what exists (issue 3). Source: kvm_pgtable_walk (facts §4).
   */
  inRange(first: number, count: number): number[] {
    const end = first + count;
    const out: number[] = [];
    if (count <= this.leaves.size) {
      for (let g = first; g < end; g++) if (this.leaves.has(g)) out.push(g);
      this.visited += count;
      return out;
    }
    for (const g of this.leaves.keys()) if (g >= first && g < end) out.push(g);
    this.visited += this.leaves.size;
    return out.sort((a, b) => a - b);
  }

  /** Unmap `count` pages from `first`. Source: kvm_pgtable_stage2_unmap. */
  unmap(first: number, count: number): void {
    for (const g of this.inRange(first, count)) this.leaves.delete(g);
  }

  /** Remove write permission from `count` pages from `first`. Source: kvm_pgtable_stage2_wrprotect. */
  wrprotect(first: number, count: number): void {
    for (const g of this.inRange(first, count)) {
      const leaf = this.leaves.get(g);
      if (leaf) leaf.perms = { ...leaf.perms, w: false };
    }
  }

  /** All installed gfns, ascending. */
  gfns(): number[] {
    return [...this.leaves.keys()].sort((a, b) => a - b);
  }

  /** Number of installed pages. */
  get size(): number {
    return this.leaves.size;
  }
}
