/** Page cache of the `file` VMAs (shmem-like shared files): a file page keeps its pfn until migrated. */

/** fileId → page index → pfn. A zap (munmap, MADV_DONTNEED) drops PTEs, not page-cache pages. */
export class PageCache {
  private readonly files = new Map<number, Map<number, number>>();
  /** Huge folios MADV_COLLAPSE made: fileId → first index → pages; a later change inside one forgets it. */
  private readonly huge = new Map<number, Map<number, number>>();
  private nextFileId = 0;

  /** A new, empty file (each file mmap gets its own, like a fresh memfd). */
  newFile(): number {
    return this.nextFileId++;
  }

  /** The cached pfn of page `index` of file `fileId`, if any. */
  get(fileId: number, index: number): number | undefined {
    return this.files.get(fileId)?.get(index);
  }

  /** Whether the pages from `first` of `fileId` are one huge folio (a collapse made them, nothing changed inside since). */
  isHuge(fileId: number, first: number): boolean {
    return this.huge.get(fileId)?.has(first) ?? false;
  }

  /** Pages [first, first + pfns.length) of `fileId` become one huge folio at those pfns (collapse_file). */
  setHuge(fileId: number, first: number, pfns: readonly number[]): void {
    pfns.forEach((pfn, i) => this.set(fileId, first + i, pfn));
    let h = this.huge.get(fileId);
    if (h === undefined) this.huge.set(fileId, (h = new Map()));
    h.set(first, pfns.length);
  }

  /** Forget the huge folios of `fileId` that overlap pages [from, to). */
  private breakHuge(fileId: number, from: number, to: number): void {
    const h = this.huge.get(fileId);
    if (h !== undefined) for (const [first, n] of h) if (first < to && from < first + n) h.delete(first);
  }

  /** Record (or move, after migration) page `index` of `fileId` at `pfn`. */
  set(fileId: number, index: number, pfn: number): void {
    this.breakHuge(fileId, index, index + 1);
    let f = this.files.get(fileId);
    if (f === undefined) {
      f = new Map<number, number>();
      this.files.set(fileId, f);
    }
    f.set(index, pfn);
  }

  /** Drop the pages with index in [from, to) of `fileId` (hole punch); costs what is cached. */
  deleteRange(fileId: number, from: number, to: number): void {
    this.breakHuge(fileId, from, to);
    const f = this.files.get(fileId);
    if (f === undefined) return;
    for (const idx of [...f.keys()]) if (idx >= from && idx < to) f.delete(idx);
  }
}
