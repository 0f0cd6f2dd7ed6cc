/** Test-only helpers for the structural checks: tables with recorded effects, entry lookup. */
import { RecordingEffects } from '../effects';
import { Stage2Pgtable } from '../pgtable';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_PRE, type VisitCtx } from '../walker';
import { entryBase } from '../bbm';
import type { Granule } from '../../model/types';
import type { Problem } from './problem';

/** A table whose effects are recorded in `rec`. */
export function mkTable(granule: Granule = 4096, iaBits = 40, fwb = false): { pgt: Stage2Pgtable; rec: RecordingEffects } {
  const rec = new RecordingEffects();
  return { pgt: new Stage2Pgtable({ granule, iaBits, fwb, effects: rec }), rec };
}

/** Where an entry lives and what it holds. */
export interface Found {
  ptr: number;
  ipa: number;
  lo: number;
  hi: number;
}

/** The entry at `level` on the path to `addr`, or null if the walk never reaches that level. */
export function entryAt(pgt: Stage2Pgtable, addr: number, level: number): Found | null {
  let found: Found | null = null;
  const ctx = makeCtx(pgt, null, WALK_LEAF | WALK_TABLE_PRE);
  walk(ctx, (c: VisitCtx<null>) => {
    if (c.level === level && found === null) found = { ptr: c.ptr, ipa: entryBase(c), lo: c.oldLo, hi: c.oldHi };
    return 0;
  }, addr, 1);
  return found;
}

/** Like entryAt, but the entry must exist. */
export function mustEntryAt(pgt: Stage2Pgtable, addr: number, level: number): Found {
  const f = entryAt(pgt, addr, level);
  if (f === null) throw new Error(`no entry at level ${level} for 0x${addr.toString(16)}`);
  return f;
}

/** Sorted distinct problem codes, for compact assertions. */
export const codes = (ps: readonly Problem[]): string[] => [...new Set(ps.map((p) => p.code))].sort();
