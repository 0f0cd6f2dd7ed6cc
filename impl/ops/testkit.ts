/** Test-only helpers for the ops tests: a recorded 4K table and table-page lookup by IPA. */
import * as C from '../descriptor/codec';
import { tableIndex } from '../geometry';
import { Stage2Pgtable, type PgtableOptions } from '../pgtable';
import { RecordingEffects } from '../effects';

/** A 4K, 40-bit, non-FWB table recording its effects (start level 1, two root pages). */
export function recorded(opts: Partial<PgtableOptions> = {}): { pgt: Stage2Pgtable; rec: RecordingEffects } {
  const rec = new RecordingEffects();
  return { pgt: new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false, ...opts, effects: rec }), rec };
}

/** Page id of the table page at `level` whose entries include `ipa`'s, following tables from the root; -1 if absent. */
export function tablePageAt(pgt: Stage2Pgtable, ipa: number, level: number): number {
  const { pool, geom } = pgt;
  let l = geom.startLevel;
  let ptr = pgt.rootPtr(ipa);
  if (level === l) return pool.pageOfPtr(ptr);
  for (;;) {
    const lo = pool.words[ptr];
    if (!C.isTable(lo, l, pgt.lastLevel)) return -1;
    const page = pool.pageOfPa(C.oaOf(lo, pool.words[ptr + 1], geom.pageShift));
    l++;
    if (l === level) return page;
    ptr = pool.ptrOfPage(page) + 2 * tableIndex(geom, ipa, l);
  }
}

/** Refcount of the table page at `level` holding `ipa`'s entry. */
export const refsAt = (pgt: Stage2Pgtable, ipa: number, level: number): number => {
  const page = tablePageAt(pgt, ipa, level);
  if (page < 0) throw new Error(`no table at level ${level} for 0x${ipa.toString(16)}`);
  return pgt.pool.refs[page];
};
