/** Tests of stage2Split (facts §9): same translation after splitting, refcounts, BBM order, page cap. */
import type { Stage2Pgtable } from '../pgtable';
import { recorded, refsAt } from './testkit';
import { stage2Map } from './map';
import { stage2Split } from './split';
import { stage2TestClearYoung } from './attrs';
import { makeLeafOut, stage2GetLeaf } from './leaf';
import { interpret, leaves } from '../interpret';
import { makeTranslateOut, translate } from '../translate';
import { ENOMEM, ERANGE } from '../errno';
import { PROT_DEVICE, PROT_R, PROT_RW, PROT_RWX } from '../descriptor/prot';
import * as C from '../descriptor/codec';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;

/** [ok, pa, r, w, x, memtype] for each sampled IPA. */
function snapshot(pgt: Stage2Pgtable, ipas: number[]): unknown[] {
  const out = makeTranslateOut();
  return ipas.map((ipa) => {
    translate(pgt, ipa, 'read', out);
    return [out.ok, out.pa, out.perms.r, out.perms.w, out.perms.x, out.memtype];
  });
}
const samples = (base: number, size: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => base + Math.floor((size / n) * i) + (i % 7) * 8);
const levelAt = (pgt: Stage2Pgtable, ipa: number): number => {
  const out = makeLeafOut();
  stage2GetLeaf(pgt, ipa, out);
  return out.level;
};

describe('stage2Split', () => {
  it('turns a 2 MiB block into 512 pages with identical translation, built before the BBM', () => {
    const { pgt, rec } = recorded();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RWX);
    const ipas = samples(IPA, 2 * MIB, 64);
    const before = snapshot(pgt, ipas);
    rec.clear();
    expect(stage2Split(pgt, IPA, 2 * MIB)).toBe(0);
    expect(snapshot(pgt, ipas)).toEqual(before);
    expect(levelAt(pgt, IPA + MIB)).toBe(3);
    expect(refsAt(pgt, IPA, 3)).toBe(1 + 512);
    const ops = rec.events.map((e) => e.op);
    expect(ops[0]).toBe('tableAlloc');
    expect(ops.slice(1, 513).every((o) => o === 'pteStore')).toBe(true);
    expect(ops.slice(513)).toEqual(['pteStore', 'tlbiIpa', 'pteStore']);
    expect(rec.events[513]).toMatchObject({ ipa: IPA, level: 2, newLo: C.LOCKED_LO });
    expect(rec.events[514]).toEqual({ op: 'tlbiIpa', ipa: IPA, level: 2 });
    expect(ops).not.toContain('dcacheCleanInvalPoc');
    expect(ops).not.toContain('icacheInvalPou');
    expect(interpret(pgt)).toEqual([{ ipa: IPA, size: 2 * MIB, pa: PA, perms: { r: true, w: true, x: true }, memtype: 'normal', leafSize: 0x1000, af: true }]);
  });

  it('splits a 1 GiB block fully down to pages (513 table pages) and keeps the translation', () => {
    const { pgt } = recorded();
    stage2Map(pgt, GIB, GIB, 4 * GIB, PROT_R);
    expect(levelAt(pgt, GIB)).toBe(1);
    const ipas = samples(GIB, GIB, 200);
    const before = snapshot(pgt, ipas);
    const used = pgt.pool.pagesInUse;
    expect(stage2Split(pgt, GIB + 5 * MIB, 0x1000)).toBe(0); // a partial overlap splits the whole block
    expect(pgt.pool.pagesInUse - used).toBe(513);
    expect(snapshot(pgt, ipas)).toEqual(before);
    expect(refsAt(pgt, GIB, 2)).toBe(1 + 512);
    expect(refsAt(pgt, GIB + GIB - 1, 3)).toBe(1 + 512);
    let n = 0;
    leaves(pgt, (l) => { if (l.level === 3) n++; });
    expect(n).toBe(512 * 512);
  });

  it('with a short page cap splits one level first, then fails with -ENOMEM without losing mappings', () => {
    const { pgt } = recorded({ maxPages: 2 + 10 }); // root (2 pages) + 10
    stage2Map(pgt, GIB, GIB, 4 * GIB, PROT_RW);
    const ipas = samples(GIB, GIB, 128);
    const before = snapshot(pgt, ipas);
    expect(stage2Split(pgt, GIB, GIB)).toBe(ENOMEM);
    expect(pgt.pool.pagesInUse).toBe(12);
    expect(snapshot(pgt, ipas)).toEqual(before);
    expect(levelAt(pgt, GIB)).toBe(3); // the first 9 L2 blocks became pages
    expect(levelAt(pgt, GIB + 9 * 2 * MIB)).toBe(2); // the 10th is still a block
  });

  it('returns -ENOMEM and leaves the table unchanged when no page is left', () => {
    const { pgt, rec } = recorded({ maxPages: 2 });
    stage2Map(pgt, GIB, GIB, 4 * GIB, PROT_RW);
    rec.clear();
    expect(stage2Split(pgt, GIB, GIB)).toBe(ENOMEM);
    expect(rec.events).toEqual([]);
    expect(levelAt(pgt, GIB)).toBe(1);
  });

  it('gives the new pages AF set (new leaves), skips pages and invalid entries', () => {
    const { pgt, rec } = recorded();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RW);
    stage2TestClearYoung(pgt, IPA, 2 * MIB, true);
    expect(stage2Split(pgt, IPA, 2 * MIB)).toBe(0);
    expect(stage2TestClearYoung(pgt, IPA, 2 * MIB, false)).toBe(true);
    rec.clear();
    expect(stage2Split(pgt, IPA, 8 * MIB)).toBe(0); // now pages + unmapped
    expect(rec.events).toEqual([]);
    expect(stage2Split(pgt, 2 ** 40, 0x1000)).toBe(ERANGE);
  });

  it('keeps the memory type of a device block', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 2 * MIB, 0x1000_0000, PROT_RW | PROT_DEVICE);
    stage2Split(pgt, IPA, 2 * MIB);
    expect(translate(pgt, IPA + 0x1234, 'read', makeTranslateOut())).toMatchObject({ ok: true, memtype: 'device', pa: 0x1000_1234, leafSize: 0x1000 });
  });
});
