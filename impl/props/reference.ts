/**
 * Plain per-page reference of a stage-2 table for property tests: page index → leaf attributes
 * (with the extent of the leaf that holds it) or an owner id. No bits, no levels, no walker.
 * Rules follow kvm-s2-facts §5 (map), §7 (unmap), §8 (attribute walkers), §2.4 (owners).
 */
import type { MemType, Perms } from '../../model/types';

/** One page: mapped by a leaf spanning [leafBase, leafBase + leafSize), or annotated. */
export type RefPage =
  | { kind: 'leaf'; pa: number; perms: Perms; memtype: MemType; leafBase: number; leafSize: number }
  | { kind: 'owner'; owner: number };

export class RefStage2 {
  readonly pages = new Map<number, RefPage>();

  /** `blockSizes`: block sizes the granule allows (facts §1.1), any order. */
  constructor(readonly pageSize: number, readonly blockSizes: readonly number[]) {}

  /** [start, end) of a request: PAGE_ALIGN(ALIGN_DOWN(addr) + size), kvm_pgtable_walk (facts §1.2). */
  span(addr: number, size: number): [number, number] {
    const p = this.pageSize;
    const start = Math.floor(addr / p) * p;
    return [start, Math.ceil((start + size) / p) * p];
  }

  /** Largest leaf allowed at x (stage2_leaf_mapping_allowed, facts §5.1). */
  private leafSizeAt(x: number, end: number, pa: number): number {
    const fits = (g: number): boolean => x % g === 0 && x + g <= end && pa % g === 0;
    return [...this.blockSizes].sort((a, b) => b - a).find(fits) ?? this.pageSize;
  }

  /** Drop every leaf or annotation overlapping [x, x+size), whole leaves (facts §5.2 step 6, §7). */
  private clear(x: number, size: number): void {
    const p = this.pageSize;
    // Visit whichever is smaller: the pages of the range or the pages present.
    const keys = size / p <= this.pages.size
      ? Array.from({ length: size / p }, (_, i) => x / p + i)
      : [...this.pages.keys()].filter((k) => k * p >= x && k * p < x + size);
    for (const k of keys) {
      const e = this.pages.get(k);
      if (e === undefined) continue;
      if (e.kind === 'owner') { this.pages.delete(k); continue; }
      for (let b = e.leafBase; b < e.leafBase + e.leafSize; b += p) this.pages.delete(b / p);
    }
  }

  private put(x: number, size: number, pa: number, perms: Perms, memtype: MemType): void {
    for (let off = 0; off < size; off += this.pageSize) {
      this.pages.set((x + off) / this.pageSize, { kind: 'leaf', pa: pa + off, perms: { ...perms }, memtype, leafBase: x, leafSize: size });
    }
  }

  /** kvm_pgtable_stage2_map: same-leaf permission-only changes are no-ops (facts §5.2 step 2, §21.14). */
  map(addr: number, size: number, phys: number, perms: Perms, memtype: MemType): void {
    const [start, end] = this.span(addr, size);
    const phys0 = Math.floor(phys / this.pageSize) * this.pageSize;
    for (let x = start; x < end;) {
      const pa = phys0 + (x - start);
      const g = this.leafSizeAt(x, end, pa);
      const old = this.pages.get(x / this.pageSize);
      const same = old?.kind === 'leaf' && old.leafBase === x && old.leafSize === g && old.pa === pa && old.memtype === memtype;
      if (!same) {
        this.clear(x, g);
        this.put(x, g, pa, perms, memtype);
      }
      x += g;
    }
  }

  /** kvm_pgtable_stage2_unmap: a partly covered block goes whole (facts §7, §21.15). */
  unmap(addr: number, size: number): void {
    const [start, end] = this.span(addr, size);
    this.clear(start, end - start);
  }

  /** Apply `f` to the perms of every leaf overlapping the range (whole leaves). */
  private updateLeaves(start: number, end: number, f: (p: Perms) => Perms): void {
    const done = new Set<number>();
    for (let a = start; a < end; a += this.pageSize) {
      const e = this.pages.get(a / this.pageSize);
      if (e?.kind !== 'leaf' || done.has(e.leafBase)) continue;
      done.add(e.leafBase);
      for (let b = e.leafBase; b < e.leafBase + e.leafSize; b += this.pageSize) {
        const p = this.pages.get(b / this.pageSize);
        if (p?.kind === 'leaf') p.perms = f(p.perms);
      }
    }
  }

  /** kvm_pgtable_stage2_wrprotect: clear W on every overlapping leaf (facts §8). */
  wrprotect(addr: number, size: number): void {
    const [start, end] = this.span(addr, size);
    this.updateLeaves(start, end, (p) => ({ ...p, w: false }));
  }

  /** kvm_pgtable_stage2_relax_perms: OR perms into the leaf covering addr; false when none (-EAGAIN). */
  relax(addr: number, perms: Perms): boolean {
    const [start, end] = this.span(addr, 1);
    if (this.leafAt(start) === undefined) return false;
    this.updateLeaves(start, end, (p) => ({ r: p.r || perms.r, w: p.w || perms.w, x: p.x || perms.x }));
    return true;
  }

  /** kvm_pgtable_stage2_set_owner: page-granular annotations, owner 0 = unmapped (facts §2.4, §5.1(e)). */
  setOwner(addr: number, size: number, owner: number): void {
    const [start, end] = this.span(addr, size);
    for (let x = start; x < end; x += this.pageSize) {
      this.clear(x, this.pageSize);
      if (owner !== 0) this.pages.set(x / this.pageSize, { kind: 'owner', owner });
    }
  }

  /** The leaf page at an address, if mapped. */
  leafAt(addr: number): Extract<RefPage, { kind: 'leaf' }> | undefined {
    const e = this.pages.get(Math.floor(addr / this.pageSize));
    return e?.kind === 'leaf' ? e : undefined;
  }
}
