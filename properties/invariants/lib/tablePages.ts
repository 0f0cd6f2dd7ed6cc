/** Table pages reached by the touched ranges and their reference counts (facts §2.5, §21.7–8). */
import { isCounted } from '../../../impl/descriptor/codec';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import { forEachEntryIn, type Ranges } from './walk';

/** A table page reached by a touched walk: its first seen IPA and how many entries link to it. */
export interface PageSeen {
  page: number;
  ipa: number;
  level: number;
  isRoot: boolean;
}

/** Pages holding entries overlapping `ranges`, roots included (each once). */
export function pagesIn(pgt: Stage2Pgtable, ranges: Ranges): PageSeen[] {
  const seen = new Map<number, PageSeen>();
  forEachEntryIn(pgt, ranges, (e) => {
    if (seen.has(e.page)) return;
    const isRoot = e.page >= pgt.rootPage && e.page < pgt.rootPage + pgt.geom.rootPages;
    seen.set(e.page, { page: e.page, ipa: e.ipa, level: e.level, isRoot });
  });
  return [...seen.values()];
}

/** Non-zero entries of one table page (stage2_pte_is_counted over its `entries` slots). */
export function countedEntries(pgt: Stage2Pgtable, page: number): number {
  const words = pgt.pool.words;
  const base = pgt.pool.ptrOfPage(page);
  let n = 0;
  for (let i = 0; i < pgt.geom.entries; i++) if (isCounted(words[base + 2 * i], words[base + 2 * i + 1])) n++;
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
