/** Host user page tables, one entry per mapping unit (page, THP PMD or hugetlb page), keyed by its first hva. */

/** What kind of leaf a unit is: a base page, an anon THP (PMD) or a hugetlb page. */
export type UnitKind = 'page' | 'thp' | 'huge';

/** One populated host mapping unit: [hva, hva+size) → pfns [pfn, pfn + size/pageSize). */
export interface HostPte {
  readonly hva: number;
  readonly size: number;
  readonly pfn: number;
  readonly writable: boolean;
  readonly kind: UnitKind;
}

/**
 * `u` mapping `pfn` with write bit `writable` (a new object; units are never changed in place).
 * Field by field, not `{ ...u, pfn }`: a spread over units of several hidden classes goes
 * megamorphic in V8 (~0.5 µs a copy).
 */
export function withPfn(u: HostPte, pfn: number, writable: boolean): HostPte {
  return { hva: u.hva, size: u.size, pfn, writable, kind: u.kind };
}

/**
 * Populated units only: range operations cost what is populated, not the size of the range.
 * `sizes` lists every unit size that can occur (page, PMD, hugetlb sizes).
 */
export class PteTable {
  private readonly units = new Map<number, HostPte>();
  /** The unit the last lookup found (a one-entry cache, re-validated against `units` on use). */
  private last: HostPte | undefined;

  /** PMD ranges (by base) holding a PTE table: made by a page-sized PTE, freed by a collapse or an munmap that empties the range (free_pgtables); MADV_DONTNEED keeps it. */
  private readonly tables = new Set<number>();

  constructor(private readonly sizes: readonly number[], private readonly pmdSize: number) {}

  /** Whether the PMD range at `base` holds a PTE table (its PTEs may all be empty). */
  hasTable(base: number): boolean {
    return this.tables.has(base);
  }

  /** Free the PTE table of the PMD range at `base` (a collapse replaced it; an munmap emptied the range). */
  freeTable(base: number): void {
    this.tables.delete(base);
  }

  /** Bases of the PMD ranges in [s, e) holding a PTE table. */
  tablesIn(s: number, e: number): number[] {
    return [...this.tables].filter((b) => b + this.pmdSize > s && b < e);
  }

  /** Whether any unit or PTE table lies in [s, e) (the page tables reach there: a PUD entry exists). */
  populatedIn(s: number, e: number): boolean {
    return this.tablesIn(s, e).length > 0 || this.overlapping(s, e).length > 0;
  }

  /** The unit covering `hva`, if populated. */
  lookup(hva: number): HostPte | undefined {
    const last = this.last;
    if (last !== undefined && hva >= last.hva && hva < last.hva + last.size && this.units.get(last.hva) === last) return last;
    for (const s of this.sizes) {
      const u = this.units.get(hva - (hva % s));
      if (u !== undefined && u.size === s && hva < u.hva + u.size) return (this.last = u);
    }
    return undefined;
  }

  /** Install a PMD-sized THP unit at `base` (a THP, the huge zero page, a PMD-mapped shmem folio) and return it. */
  setPmd(base: number, pfn: number, writable: boolean): HostPte {
    const u: HostPte = { hva: base, size: this.pmdSize, pfn, writable, kind: 'thp' };
    this.set(u);
    return u;
  }

  /** Install or replace a unit (its key is its hva). */
  set(u: HostPte): void {
    this.units.set(u.hva, u);
    if (u.size < this.pmdSize) this.tables.add(u.hva - (u.hva % this.pmdSize));
  }

  /** Remove a unit. */
  delete(u: HostPte): void {
    this.units.delete(u.hva);
  }

  /** Units overlapping [s, e), in hva order. */
  overlapping(s: number, e: number): HostPte[] {
    const out: HostPte[] = [];
    for (const u of this.units.values()) if (u.hva < e && u.hva + u.size > s) out.push(u);
    return out.sort((a, b) => a.hva - b.hva);
  }

  /** The THP unit strictly straddling `addr`, if any (a VMA or range edge inside a THP). */
  thpStraddling(addr: number): HostPte | undefined {
    const u = this.lookup(addr);
    return u !== undefined && u.kind === 'thp' && u.hva < addr ? u : undefined;
  }

  /** Replace a THP unit by page units with the same writability and the same pfns, or all `onePfn` if given (__split_huge_pmd). */
  splitThp(u: HostPte, pageSize: number, onePfn?: number): void {
    this.units.delete(u.hva);
    for (let off = 0; off < u.size; off += pageSize) {
      this.set({ hva: u.hva + off, size: pageSize, pfn: onePfn ?? u.pfn + off / pageSize, writable: u.writable, kind: 'page' });
    }
  }

  /** Number of populated units (for tests and sanity checks). */
  get count(): number {
    return this.units.size;
  }
}
