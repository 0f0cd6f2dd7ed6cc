/** Page cache of the `file` VMAs (shmem-like shared files): a file page keeps its pfn until migrated. */

/** fileId → page index → pfn. A zap (munmap, MADV_DONTNEED) drops PTEs, not page-cache pages. */
export class PageCache {
  private readonly files = new Map<number, Map<number, number>>();
  private nextFileId = 0;

  /** A new, empty file (each file mmap gets its own, like a fresh memfd). */
  newFile(): number {
    return this.nextFileId++;
  }

  /** The cached pfn of page `index` of file `fileId`, if any. */
  get(fileId: number, index: number): number | undefined {
    return this.files.get(fileId)?.get(index);
  }

  /** Record (or move, after migration) page `index` of `fileId` at `pfn`. */
  set(fileId: number, index: number, pfn: number): void {
    let f = this.files.get(fileId);
    if (f === undefined) {
      f = new Map<number, number>();
      this.files.set(fileId, f);
    }
    f.set(index, pfn);
  }

  /** Drop the pages with index in [from, to) of `fileId` (hole punch); costs what is cached. */
  deleteRange(fileId: number, from: number, to: number): void {
    const f = this.files.get(fileId);
    if (f === undefined) return;
    for (const idx of [...f.keys()]) if (idx >= from && idx < to) f.delete(idx);
  }
}
