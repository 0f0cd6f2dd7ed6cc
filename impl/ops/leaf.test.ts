/** Tests of stage2GetLeaf and stage2Destroy (facts §3.4, §2.5). */
import { recorded, refsAt } from './testkit';
import { stage2Map } from './map';
import { stage2SetOwner } from './owner';
import { makeLeafOut, stage2Destroy, stage2GetLeaf } from './leaf';
import { annotations, interpret } from '../interpret';
import { ERANGE } from '../errno';
import { PROT_R, PROT_RW } from '../descriptor/prot';
import * as C from '../descriptor/codec';
import { leaf } from '../descriptor/testkit';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;

describe('stage2GetLeaf', () => {
  it('returns the page, block or invalid entry covering an address with its level', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    stage2Map(pgt, IPA + 2 * MIB, 2 * MIB, PA + 2 * MIB, PROT_R);
    const out = makeLeafOut();
    expect(stage2GetLeaf(pgt, IPA + 0x123, out)).toBe(0);
    const [lo, hi] = leaf(PA, PROT_RW, true);
    expect(out).toEqual({ lo, hi, level: 3, valid: true });
    expect(stage2GetLeaf(pgt, IPA + 3 * MIB, out)).toBe(0);
    const [blo, bhi] = leaf(PA + 2 * MIB, PROT_R, false);
    expect(out).toEqual({ lo: blo, hi: bhi, level: 2, valid: true });
    expect(stage2GetLeaf(pgt, IPA + 0x1000, out)).toBe(0);
    expect(out).toEqual({ lo: 0, hi: 0, level: 3, valid: false });
    expect(stage2GetLeaf(pgt, 5 * GIB, out)).toBe(0);
    expect(out).toEqual({ lo: 0, hi: 0, level: 1, valid: false });
  });

  it('reports an annotation as an invalid entry, and -ERANGE beyond the IPA space', () => {
    const { pgt } = recorded();
    stage2SetOwner(pgt, IPA, 0x1000, 1);
    const out = makeLeafOut();
    stage2GetLeaf(pgt, IPA, out);
    expect([out.valid, C.ownerOf(out.lo), out.level]).toEqual([false, 1, 3]);
    expect(stage2GetLeaf(pgt, 2 ** 40, out)).toBe(ERANGE);
    expect(out).toEqual({ lo: 0, hi: 0, level: -1, valid: false });
  });
});

describe('stage2Destroy', () => {
  it('frees every non-root table page without TLBI; the root stays, empty, with refcount 1', () => {
    const { pgt, rec } = recorded();
    stage2Map(pgt, IPA, 0x5000, PA, PROT_RW);
    stage2Map(pgt, IPA + 4 * MIB, 4 * MIB, PA + 4 * MIB, PROT_RW);
    stage2Map(pgt, 3 * GIB, GIB, 8 * GIB, PROT_R); // a level-1 block in the root
    stage2Map(pgt, 600 * GIB, 0x1000, PA, PROT_R); // the second root page
    stage2SetOwner(pgt, 7 * GIB, 0x2000, 1);
    const allocated = rec.events.filter((e) => e.op === 'tableAlloc').length;
    expect(pgt.pool.pagesInUse).toBe(2 + allocated);
    rec.clear();
    stage2Destroy(pgt);
    const ops = rec.events.map((e) => e.op);
    expect(ops.filter((o) => o === 'tableFree').length).toBe(allocated);
    expect(ops.some((o) => o.startsWith('tlbi') || o.endsWith('Poc') || o.endsWith('Pou'))).toBe(false);
    expect(pgt.pool.pagesInUse).toBe(pgt.geom.rootPages);
    expect(refsAt(pgt, 0, 1)).toBe(1);
    expect(refsAt(pgt, 600 * GIB, 1)).toBe(1);
    expect(interpret(pgt)).toEqual([]);
    expect(annotations(pgt)).toEqual([]);
  });

  it('leaves a table that can be used again', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    stage2Destroy(pgt);
    expect(stage2Map(pgt, IPA, 0x1000, PA, PROT_R)).toBe(0);
    expect(interpret(pgt)).toEqual([expect.objectContaining({ ipa: IPA, size: 0x1000, pa: PA })]);
    expect(pgt.pool.pagesInUse).toBe(pgt.geom.rootPages + 2);
  });
});
