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

  /** Unmap `count` pages from `first`. Source: kvm_pgtable_stage2_unmap. */
  unmap(first: number, count: number): void {
    for (let g = first; g < first + count; g++) this.leaves.delete(g);
  }

  /** Remove write permission from `count` pages from `first`. Source: kvm_pgtable_stage2_wrprotect. */
  wrprotect(first: number, count: number): void {
    for (let g = first; g < first + count; g++) {
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
