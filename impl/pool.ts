/**
 * Typed-array storage for stage-2 table pages: descriptors as two 32-bit words (LO, HI) in one
 * pooled Uint32Array, table pages from a free list, per-page refcounts (kvm-s2-facts §2.5).
 * Table pages get fake PAs in a reserved window so table descriptors carry real OAs.
 */

/** PA of table page 0; table pages occupy [TABLE_PA_BASE, +capacity·pageSize), below 2^48. */
export const TABLE_PA_BASE = 0xf00000000000;

/**
 * The pool's words as everything outside the pool sees them: read by index. A direct store does
 * not type-check (a cast or a mutable alias would get around it: none exists, keep it so), so
 * every change goes through TablePool (setEntry, clearPage, alloc) and bumps its version.
 */
export interface TableWords {
  readonly [index: number]: number;
  readonly length: number;
}

export class TablePool {
  /** The storage: 2 words per entry, buf[2i] = LO, buf[2i+1] = HI (read-only outside as `words`). */
  private buf: Uint32Array;
  /** refs[page] = 1 + counted entries while allocated; 0 when free. */
  refs: Int32Array;
  readonly wordsPerPage: number;
  /** TABLE_PA_BASE / pageSize: subtract from a table descriptor's OA page number to get the page id. */
  readonly tableBasePage: number;
  /** TABLE_PA_BASE / 2^32: the HI OA bits of every table page whose offset in the window is < 2^32. */
  readonly tableBaseHigh: number;
  /** log2(wordsPerPage): page id → word index is a shift. */
  readonly wordShift: number;
  private capacity: number;
  /** Pages [0, bump) have been handed out at least once since the last reset. */
  private bump = 0;
  private free: number[] = [];
  /** Bumped by every change to the storage (setEntry, clearPage, alloc, release, reset): readers may memoise walks under it. */
  version = 0;
  private inUse = 0;

  constructor(readonly pageSize: number, initialPages = 64, readonly maxPages = Infinity) {
    this.wordsPerPage = (pageSize / 8) * 2;
    this.tableBasePage = TABLE_PA_BASE / pageSize;
    this.tableBaseHigh = TABLE_PA_BASE / 2 ** 32;
    this.wordShift = Math.log2(this.wordsPerPage);
    this.capacity = initialPages;
    this.buf = new Uint32Array(initialPages * this.wordsPerPage);
    this.refs = new Int32Array(initialPages);
  }

  /** 2 words per entry: words[2i] = LO, words[2i+1] = HI. Replaced when the pool grows: re-read after an alloc. */
  get words(): TableWords { return this.buf; }
  get pagesInUse(): number { return this.inUse; }
  /** Bytes held by the typed arrays (the storage cost of the tables). */
  get bytes(): number { return this.buf.byteLength + this.refs.byteLength; }

  /** Allocate `n` contiguous zeroed pages with refcount 1 (n > 1 only for the root); -1 if full. */
  alloc(n = 1): number {
    let id: number;
    if (n === 1 && this.free.length > 0) id = this.free.pop() as number;
    else {
      if (this.bump + n > this.maxPages) return -1;
      if (this.bump + n > this.capacity) this.grow(this.bump + n);
      id = this.bump;
      this.bump += n;
    }
    this.version++;
    for (let p = id; p < id + n; p++) this.refs[p] = 1;
    this.buf.fill(0, id * this.wordsPerPage, (id + n) * this.wordsPerPage);
    this.inUse += n;
    return id;
  }

  /**
   * Write one entry's two words. With clearPage and alloc (which zero pages; growing copies them)
   * it is the only writer, and each bumps `version`, so a memo of a walk (WalkMemo, the
   * invariants' walk memo) is exact while the version is unchanged.
   */
  setEntry(ptr: number, lo: number, hi: number): void {
    this.buf[ptr] = lo;
    this.buf[ptr + 1] = hi;
    this.version++;
  }

  /** Zero every entry of an allocated page (its refcount is the caller's). */
  clearPage(id: number): void {
    this.buf.fill(0, id * this.wordsPerPage, (id + 1) * this.wordsPerPage);
    this.version++;
  }

  /** Return a page to the free list. */
  release(id: number): void {
    this.version++;
    this.refs[id] = 0;
    this.free.push(id);
    this.inUse--;
  }

  /** Drop every page: O(1) in the pool size; pages are zeroed when handed out again. */
  reset(): void {
    this.version++;
    this.refs.fill(0, 0, this.bump);
    this.bump = 0;
    this.free.length = 0;
    this.inUse = 0;
  }

  pageOfPtr(ptr: number): number { return Math.floor(ptr / this.wordsPerPage); }
  paOfPage(id: number): number { return TABLE_PA_BASE + id * this.pageSize; }
  pageOfPa(pa: number): number { return (pa - TABLE_PA_BASE) / this.pageSize; }
  ptrOfPage(id: number): number { return id * this.wordsPerPage; }

  /** Grow by ~1/32 beyond what is needed, so dense tables waste little (bench: bytes/page). */
  private grow(needed: number): void {
    const cap = Math.max(needed, this.capacity + Math.max(16, Math.ceil(this.capacity / 32)));
    const words = new Uint32Array(cap * this.wordsPerPage);
    words.set(this.buf);
    const refs = new Int32Array(cap);
    refs.set(this.refs);
    this.buf = words;
    this.refs = refs;
    this.capacity = cap;
  }
}
