/** A set of physical ranges kept as aligned power-of-two blocks (how KVM's cache maintenance comes: a page or a block at its own alignment). */
export class PaRanges {
  /** Block starts by block size. */
  private readonly bySize = new Map<number, Set<number>>();

  constructor(private readonly page: number) {}

  /** Add [pa, pa+size); a range that is not one aligned power-of-two block is added page by page. */
  add(pa: number, size: number): void {
    const sz = Math.max(size, this.page);
    if (!Number.isInteger(Math.log2(sz)) || pa % sz >= this.page) {
      for (let p = pa - (pa % this.page); p < pa + size; p += this.page) this.add(p, this.page);
      return;
    }
    let starts = this.bySize.get(sz);
    if (starts === undefined) this.bySize.set(sz, (starts = new Set()));
    starts.add(pa - (pa % sz));
  }

  /** Whether the page at `pa` lies in an added range: one probe per block size. */
  covers(pa: number): boolean {
    for (const [size, starts] of this.bySize) if (starts.has(pa - (pa % size))) return true;
    return false;
  }
}
