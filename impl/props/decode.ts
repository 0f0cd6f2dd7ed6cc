/** Decode a stage-2 table into the reference's per-page form (via interpret.ts leaves/annotations). */
import * as C from '../descriptor/codec';
import { annotations, leaves } from '../interpret';
import type { Stage2Pgtable } from '../pgtable';
import type { RefPage } from './reference';

/** Page index → what the tables say about that page (only mapped or annotated pages). */
export function implPages(pgt: Stage2Pgtable): Map<number, RefPage> {
  const out = new Map<number, RefPage>();
  const p = pgt.geom.granule;
  leaves(pgt, (l) => {
    const size = pgt.geom.granules[l.level];
    const oa = C.oaOf(l.lo, l.hi, pgt.geom.pageShift);
    const mt = C.memTypeOf(l.lo, pgt.fwb);
    const perms = { r: C.isReadable(l.lo), w: C.isWritable(l.lo), x: C.isExecutable(l.lo, l.hi) };
    if (mt === 'unknown') throw new Error(`unknown MemAttr at 0x${l.ipa.toString(16)}`);
    for (let off = 0; off < size; off += p) {
      out.set((l.ipa + off) / p, { kind: 'leaf', pa: oa + off, perms: { ...perms }, memtype: mt, leafBase: l.ipa, leafSize: size });
    }
  });
  for (const a of annotations(pgt)) {
    for (let off = 0; off < a.size; off += p) out.set((a.ipa + off) / p, { kind: 'owner', owner: a.owner });
  }
  return out;
}

const show = (e: RefPage | undefined): string => (e === undefined ? 'unmapped' : JSON.stringify(e));

/** First page where the two maps disagree, as a message; null when equal. */
export function firstDiff(want: Map<number, RefPage>, got: Map<number, RefPage>, pageSize: number): string | null {
  const keys = [...new Set([...want.keys(), ...got.keys()])].sort((a, b) => a - b);
  for (const k of keys) {
    const a = show(want.get(k));
    const b = show(got.get(k));
    if (a !== b) return `page 0x${(k * pageSize).toString(16)}: reference ${a}, tables ${b}`;
  }
  return null;
}
