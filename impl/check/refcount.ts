/**
 * Table-page reference counts (kvm-s2-facts §2.5, §21 items 7–8): refs = 1 + non-zero entries,
 * one parent per linked page, no linked page free, no allocated page unlinked, and (after a
 * full-range unmap) no empty non-root table.
 */
import { isCounted } from '../descriptor/codec';
import type { Stage2Pgtable } from '../pgtable';
import type { Problem } from './problem';
import { runEntryChecks, type EntryCheck, type EntryView } from './scan';

/** Pages linked into the tree, their parents and counted entries, gathered in one scan. */
class LinkCensus {
  readonly parents = new Map<number, number>();
  readonly counted = new Map<number, number>();
  readonly firstIpa = new Map<number, number>();
  readonly roots: number[] = [];

  constructor(readonly pgt: Stage2Pgtable) {
    for (let i = 0; i < pgt.geom.rootPages; i++) this.roots.push(pgt.rootPage + i);
  }

  visit(e: EntryView): void {
    if (isCounted(e.lo, e.hi)) this.counted.set(e.page, (this.counted.get(e.page) ?? 0) + 1);
    if (!e.table || e.child < 0) return; // a pointer outside the pool stops the scan (scan.ts)
    const child = e.child;
    this.parents.set(child, (this.parents.get(child) ?? 0) + 1);
    if (!this.firstIpa.has(child)) this.firstIpa.set(child, e.ipa);
  }

  /** Every linked page: roots first, then children in walk order. */
  linked(): number[] {
    return [...this.roots, ...[...this.parents.keys()].filter((p) => !this.roots.includes(p))];
  }
}

function refcountProblems(c: LinkCensus): Problem[] {
  const out: Problem[] = [];
  const refs = c.pgt.pool.refs;
  const add = (code: string, page: number, message: string): void => {
    out.push({ check: 'refcount', code, message, page, ipa: c.firstIpa.get(page) });
  };
  for (const page of c.linked()) {
    const n = c.parents.get(page) ?? 0;
    if (c.roots.includes(page) && n > 0) add('rootLinkedAsChild', page, `root page ${page} is also referenced by ${n} table entries`);
    if (!c.roots.includes(page) && n !== 1) add('multipleParents', page, `page ${page} is referenced by ${n} parent entries`);
    if (refs[page] <= 0) { add('linkedPageFree', page, `linked page ${page} is free (refs ${refs[page]})`); continue; }
    const want = 1 + (c.counted.get(page) ?? 0);
    if (refs[page] !== want) add('refcountMismatch', page, `page ${page}: refs ${refs[page]}, expected 1 + ${want - 1} non-zero entries`);
  }
  const linked = c.linked().length;
  if (c.pgt.pool.pagesInUse !== linked) {
    out.push({ check: 'refcount', code: 'leakedPages', message: `${c.pgt.pool.pagesInUse} pages in use but ${linked} linked` });
  }
  return out;
}

/** The refcount check as a scan participant. */
export function refcountCheck(pgt: Stage2Pgtable): EntryCheck {
  const c = new LinkCensus(pgt);
  return { name: 'refcount', visit: (e) => c.visit(e), finish: () => refcountProblems(c) };
}

/** No non-root linked table without a non-zero entry (facts §21 item 8; run after a full unmap). */
export function emptyTableCheck(pgt: Stage2Pgtable): EntryCheck {
  const c = new LinkCensus(pgt);
  const finish = (): Problem[] => c.linked()
    .filter((p) => !c.roots.includes(p) && (c.counted.get(p) ?? 0) === 0)
    .map((page) => ({ check: 'emptyTable' as const, code: 'emptyTable', page, ipa: c.firstIpa.get(page), message: `non-root table page ${page} has no entries` }));
  return { name: 'emptyTable', visit: (e) => c.visit(e), finish };
}

/** Refcount problems of `pgt` (empty list when sound). */
export const checkRefcounts = (pgt: Stage2Pgtable): Problem[] => runEntryChecks(pgt, [refcountCheck(pgt)]);
/** Empty non-root tables of `pgt`. */
export const checkNoEmptyTables = (pgt: Stage2Pgtable): Problem[] => runEntryChecks(pgt, [emptyTableCheck(pgt)]);
