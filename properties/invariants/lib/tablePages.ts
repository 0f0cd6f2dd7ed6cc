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

/** A page's words when it was last counted, and that count: reused while the words are byte-identical. */
interface Counted { readonly copy: Buffer; n: number }

/** Per pool: a byte view of its words (re-made when the pool grows) and the pages counted so far. */
interface PoolCounts { words: Uint32Array; bytes: Buffer; readonly pages: Map<number, Counted> }
const byPool = new WeakMap<TablePool, PoolCounts>();
/** Copies kept per pool before starting over (bounds the memory: ≤ this many pages). */
const MAX_COPIES = 1024;

function poolCounts(pool: TablePool): PoolCounts {
  let pc = byPool.get(pool);
  if (pc && pc.words === pool.words) return pc;
  const bytes = Buffer.from(pool.words.buffer, pool.words.byteOffset, pool.words.byteLength);
  if (pc) { pc.words = pool.words; pc.bytes = bytes; } else byPool.set(pool, (pc = { words: pool.words, bytes, pages: new Map() }));
  return pc;
}

/** Count the non-zero entries of a page (stage2_pte_is_counted over its `entries` slots). */
function count(pgt: Stage2Pgtable, page: number): number {
  const words = pgt.pool.words;
  const base = pgt.pool.ptrOfPage(page);
  const end = base + 2 * pgt.geom.entries;
  let n = 0;
  for (let p = base; p < end; p += 2) if (isCounted(words[p], words[p + 1])) n++;
  return n;
}

/**
 * Non-zero entries of one table page. Counted once per pool version, and recounted only when the
 * page's words differ from those of its last count (a native byte compare, cheaper than the count):
 * a step usually stores into one page of the several its touched walk reaches.
 */
export function countedEntries(pgt: Stage2Pgtable, page: number): number {
  const pool = pgt.pool;
  if (counts.pool !== pool || counts.version !== pool.version) {
    counts.pool = pool;
    counts.version = pool.version;
    counts.byPage.clear();
  }
  const known = counts.byPage.get(page);
  if (known !== undefined) return known;
  const pc = poolCounts(pool);
  const size = 8 * pgt.geom.entries;
  const off = 4 * pool.ptrOfPage(page);
  const last = pc.pages.get(page);
  let n: number;
  if (last && pc.bytes.compare(last.copy, 0, size, off, off + size) === 0) n = last.n;
  else {
    n = count(pgt, page);
    if (last) last.n = n;
    else if (pc.pages.size >= MAX_COPIES) pc.pages.clear();
    const c = last ?? { copy: Buffer.allocUnsafe(size), n };
    pc.bytes.copy(c.copy, 0, off, off + size);
    if (!last) pc.pages.set(page, c);
  }
  counts.byPage.set(page, n);
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
