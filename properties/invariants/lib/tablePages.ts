/** Table pages reached by the touched ranges and their reference counts (facts §2.5, §21.7–8). */
import { isCounted } from '../../../impl/descriptor/codec';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { TablePool } from '../../../impl/pool';
import { forEachEntryIn, perWalk, type Ranges } from './walk';

/** A table page reached by a touched walk: its first seen IPA and how many entries link to it. */
export interface PageSeen {
  readonly page: number;
  readonly ipa: number;
  readonly level: number;
  readonly isRoot: boolean;
}

function pageList(pgt: Stage2Pgtable, ranges: Ranges): PageSeen[] {
  const seen = new Map<number, PageSeen>();
  forEachEntryIn(pgt, ranges, (e) => {
    if (seen.has(e.page)) return;
    const isRoot = e.page >= pgt.rootPage && e.page < pgt.rootPage + pgt.geom.rootPages;
    seen.set(e.page, { page: e.page, ipa: e.ipa, level: e.level, isRoot });
  });
  return [...seen.values()];
}

/** Pages holding entries overlapping `ranges`, roots included (each once, in walk order). Shared per walk: read-only. */
export const pagesIn = (pgt: Stage2Pgtable, ranges: Ranges): readonly PageSeen[] => perWalk(pgt, ranges, pageList);

/** Counts of table pages at one pool version: valid until the pool changes (every store bumps the version). */
const counts = { pool: null as TablePool | null, version: -1, byPage: new Map<number, number>() };

/** Count the non-zero entries of a page (stage2_pte_is_counted over its `entries` slots). */
function count(pgt: Stage2Pgtable, page: number): number {
  const words = pgt.pool.words;
  const base = pgt.pool.ptrOfPage(page);
  const end = base + 2 * pgt.geom.entries;
  let n = 0;
  for (let p = base; p < end; p += 2) if (isCounted(words[p], words[p + 1])) n++;
  return n;
}

/** Non-zero entries of one table page, counted once per pool version (REFCOUNT, EMPTY_TABLES_FREED and OWNER_ONLY_ON_INVALID share it). */
export function countedEntries(pgt: Stage2Pgtable, page: number): number {
  const pool = pgt.pool;
  if (counts.pool !== pool || counts.version !== pool.version) {
    counts.pool = pool;
    counts.version = pool.version;
    counts.byPage.clear();
  }
  let n = counts.byPage.get(page);
  if (n === undefined) counts.byPage.set(page, (n = count(pgt, page)));
  return n;
}

/** Refcount problem of a linked page, or null: refs = 1 + non-zero entries, never free. */
export function refProblem(pgt: Stage2Pgtable, p: PageSeen): string | null {
  if (p.isRoot) return null; // root pages hold all rootEntries of a concatenated root; counted per page too, but KVM never frees them
  const refs = pgt.pool.refs[p.page];
  if (refs <= 0) return `linked table page ${p.page} (L${p.level}) is free`;
  const want = 1 + countedEntries(pgt, p.page);
  return refs === want ? null : `table page ${p.page} (L${p.level}): refcount ${refs}, expected 1 + ${want - 1} non-zero entries`;
}
