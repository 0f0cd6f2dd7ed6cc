/** A stage-2 page table: geometry, FWB mode, pooled storage, root pages and the effects sink. */
import { makeGeometry, LAST_LEVEL, type Geometry } from './geometry';
import { TablePool } from './pool';
import { NULL_EFFECTS, type Effects } from './effects';
import { isCounted, isLocked, isValid } from './descriptor/codec';
import { hwTranslateFor, makeWalkPlan, WalkMemo, type HwTranslateFn } from './descriptor/hwWalk';
import type { BugSet } from './bugs';
import { S2InputError, type Granule } from '../model/types';

export interface PgtableOptions {
  granule: Granule;
  iaBits: number;
  /** HCR_EL2.FWB in effect for this table (FEAT_S2FWB and not KVM_PGTABLE_S2_NOFWB). */
  fwb: boolean;
  effects?: Effects;
  /** Reuse an existing pool (property runs); it is reset. */
  pool?: TablePool;
  /** Cap on table pages, standing in for the memcache: allocation beyond it is -ENOMEM. */
  maxPages?: number;
  /** Historical behaviours of the library switched on (impl/bugs.ts); default none. */
  bugs?: BugSet;
  /**
   * FEAT_TLBIRANGE present (system_supports_tlb_range). Default false. With `fwb` it makes range
   * unmap defer its per-leaf TLBIs to one range TLBI after the walk (stage2_unmap_defer_tlb_flush, v6.8).
   */
  tlbiRange?: boolean;
}

const NO_BUGS: BugSet = new Set();

/** Specialised walks by geometry, table window and FWB mode (a table is built per run: no plan text per table). */
const walks = new Map<string, HwTranslateFn>();

function walkFor(g: Geometry, baseHigh: number, fwb: boolean): HwTranslateFn {
  const key = `${g.granule}/${g.iaBits}/${baseHigh}/${fwb}`;
  let fn = walks.get(key);
  if (fn === undefined) {
    fn = hwTranslateFor(makeWalkPlan(g.pageShift, g.startLevel, g.minBlockLevel, g.shifts, g.indexMasks, baseHigh, g.ipaLimit), fwb);
    walks.set(key, fn);
  }
  return fn;
}

/** stage2_pte_is_counted; with `annotation-not-refcounted` owner annotations are not counted (seed 004). */
function counted(lo: number, hi: number, annotationNotCounted: boolean): boolean {
  if (!isCounted(lo, hi)) return false;
  if (annotationNotCounted) return isValid(lo) || isLocked(lo, hi);
  return true;
}

export class Stage2Pgtable {
  readonly geom: Geometry;
  readonly pool: TablePool;
  readonly fwb: boolean;
  /** FEAT_TLBIRANGE (PgtableOptions.tlbiRange). */
  readonly tlbiRange: boolean;
  readonly lastLevel = LAST_LEVEL;
  effects: Effects;
  /** Switched-on historical behaviours read by the ops (impl/bugs.ts). */
  readonly bugs: BugSet;
  /** `bugs.has('annotation-not-refcounted')`, read once (store() is on every hot path). */
  readonly annotationNotCounted: boolean;
  /** First page of the concatenated root. */
  rootPage: number;
  /** Word index of the root's first entry (pool.ptrOfPage(rootPage)), kept with rootPage for the hot walk. */
  rootWord: number;
  /** The MMU's walk for this table's geometry, pool window and FWB mode (shared per shape; impl/translate.ts calls it). */
  readonly hwTranslate: HwTranslateFn;
  /** hwTranslate's memo of this table's last descent (exact: keyed by the pool's version). */
  readonly walkMemo = new WalkMemo();

  constructor(opts: PgtableOptions) {
    this.geom = makeGeometry(opts.granule, opts.iaBits);
    this.fwb = opts.fwb;
    this.tlbiRange = opts.tlbiRange ?? false;
    this.bugs = opts.bugs ?? NO_BUGS;
    this.annotationNotCounted = this.bugs.has('annotation-not-refcounted');
    this.effects = opts.effects ?? NULL_EFFECTS;
    if (opts.pool && opts.pool.pageSize !== opts.granule) {
      throw new S2InputError('pool', `page size ${opts.pool.pageSize} does not match granule ${opts.granule}`);
    }
    opts.pool?.reset();
    this.pool = opts.pool ?? new TablePool(opts.granule, 64, opts.maxPages);
    this.rootPage = this.allocRoot();
    this.rootWord = this.pool.ptrOfPage(this.rootPage);
    this.hwTranslate = walkFor(this.geom, this.pool.tableBaseHigh, this.fwb);
  }

  /** Drop all mappings and tables, keeping the storage (cheap: see TablePool.reset). */
  reset(): void {
    this.pool.reset();
    this.rootPage = this.allocRoot();
    this.rootWord = this.pool.ptrOfPage(this.rootPage);
  }

  /** Word index of the root entry that covers `addr` (roots are contiguous pages). */
  rootPtr(addr: number): number {
    return this.rootWord + 2 * Math.floor(addr / this.geom.granules[this.geom.startLevel]);
  }

  /** Store an entry, keeping the containing page's refcount (facts §2.5) and recording it. */
  store(ptr: number, addr: number, level: number, lo: number, hi: number): void {
    const w = this.pool.words;
    const oldLo = w[ptr];
    const oldHi = w[ptr + 1];
    const page = this.pool.pageOfPtr(ptr);
    const delta = (counted(lo, hi, this.annotationNotCounted) ? 1 : 0) - (counted(oldLo, oldHi, this.annotationNotCounted) ? 1 : 0);
    this.pool.refs[page] += delta;
    this.pool.setEntry(ptr, lo, hi);
    this.effects.pteStore(addr, level, oldLo, oldHi, lo, hi);
  }

  /** Allocate a zeroed table page for `level` (refcount 1); -1 when the memcache is empty. */
  allocTable(level: number): number {
    const id = this.pool.alloc(1);
    if (id >= 0) this.effects.tableAlloc(this.pool.paOfPage(id), level);
    return id;
  }

  /** Drop one reference on a table page; at zero it is freed (mm_ops->put_page). */
  putPage(page: number): void {
    const refs = this.pool.refs;
    refs[page]--;
    if (refs[page] === 0) {
      this.effects.tableFree(this.pool.paOfPage(page));
      this.pool.release(page);
    }
  }

  /** Free a page of a detached subtree (its entries are dropped with it, not stored). */
  releaseDetached(page: number): void {
    this.effects.tableFree(this.pool.paOfPage(page));
    this.pool.release(page);
  }

  private allocRoot(): number {
    const id = this.pool.alloc(this.geom.rootPages);
    if (id < 0) throw new RangeError('maxPages: too small for the root table');
    return id;
  }
}
