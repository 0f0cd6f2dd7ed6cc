/** Tests of the raw hardware walk: statuses, PA with in-leaf offset, all granules, tables outside the pool. */
import { fillFromWalk, leafDecodeId, HW_ACCESS_FLAG, HW_OK, HW_PERMISSION, HW_TRANSLATION, hwTranslateFor, hwWalk, makeHwWalkOut, makeWalkPlan, memTypeByAttr, WalkMemo, type HwAccess, type HwTranslateOut } from './hwWalk';
import * as C from './codec';
import { PROT_DEVICE, PROT_R, PROT_RW } from './prot';
import { Stage2Pgtable } from '../pgtable';
import { makeTranslateOut, translate } from '../translate';
import { mustEntryAt } from '../check/testkit';
import { stage2Map } from '../ops/map';
import { stage2TestClearYoung } from '../ops/attrs';
import { TABLE_PA_BASE } from '../pool';
import type { Granule } from '../../model/types';

const PA = 0x8000_0000;

function walk(pgt: Stage2Pgtable, ipa: number, access: HwAccess = 0): { st: number; level: number; pa: number } {
  const g = pgt.geom;
  const plan = makeWalkPlan(g.pageShift, g.startLevel, g.minBlockLevel, g.shifts, g.indexMasks, pgt.pool.tableBaseHigh, g.ipaLimit);
  const out = makeHwWalkOut();
  const st = hwWalk(pgt.pool.words, pgt.pool.ptrOfPage(pgt.rootPage), Math.floor(ipa * plan.invSplit), ipa % plan.splitScale, plan, access, out);
  return { st, level: out.level, pa: st === HW_OK ? out.pa : -1 };
}

/** What a caller reads of a translation (getters: decoded from the stored leaf words on read). */
const view = (o: HwTranslateOut): object => ({ ok: o.ok, fault: o.fault, level: o.level, pa: o.pa, perms: { ...o.perms }, memtype: o.memtype, leafSize: o.leafSize });

describe('hwWalk', () => {
  it('walks pages and blocks for every granule, high IPAs included', () => {
    for (const granule of [4096, 16384, 65536] as Granule[]) {
      const pgt = new Stage2Pgtable({ granule, iaBits: 48, fwb: false });
      const ipa = 0xa0_1234_0000 * (granule / 4096);
      stage2Map(pgt, ipa, granule, PA, PROT_RW);
      expect([granule, walk(pgt, ipa + 5)]).toEqual([granule, { st: HW_OK, level: 3, pa: PA + 5 }]);
      expect(walk(pgt, ipa + granule).st).toBe(HW_TRANSLATION);
      const block = pgt.geom.granules[2];
      stage2Map(pgt, 2 * block, block, 2 ** 40, PROT_R);
      expect(walk(pgt, 3 * block - 1)).toEqual({ st: HW_OK, level: 2, pa: 2 ** 40 + block - 1 });
      expect(walk(pgt, 2 * block, 1).st).toBe(HW_PERMISSION);
    }
  });

  it('takes a 1 GiB block offset from both halves of the split IPA', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 2 ** 32, 2 ** 30, 2 ** 34, PROT_RW);
    expect(walk(pgt, 2 ** 32 + 0x3abc_d123)).toEqual({ st: HW_OK, level: 1, pa: 2 ** 34 + 0x3abc_d123 });
  });

  it('reports access flag before permission, and exec needs XN clear', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0x1000, 0x1000, PA, PROT_R);
    expect(walk(pgt, 0x1000, 2).st).toBe(HW_PERMISSION);
    stage2TestClearYoung(pgt, 0x1000, 0x1000, true);
    expect(walk(pgt, 0x1000, 1)).toMatchObject({ st: HW_ACCESS_FLAG, level: 3 });
  });

  it('faults at the next level on a table descriptor pointing outside the pool', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0, 0x1000, PA, PROT_R);
    const root = pgt.pool.ptrOfPage(pgt.rootPage);
    for (const oa of [TABLE_PA_BASE + 2 ** 33, TABLE_PA_BASE - 2 ** 33, TABLE_PA_BASE + 4096 * 100000]) {
      pgt.pool.setEntry(root, C.tableLo(oa, 12), C.tableHi(oa));
      expect(walk(pgt, 0x10)).toEqual({ st: HW_TRANSLATION, level: pgt.geom.startLevel + 1, pa: -1 });
    }
  });

  it('translate never takes a last-level table from an entry with IGNORED bits set, before or after its memo holds it', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    const ipa = 0x4000_0000;
    stage2Map(pgt, ipa, 0x2000, PA, PROT_RW);
    const out = makeTranslateOut();
    expect(translate(pgt, ipa, 'read', out).pa).toBe(PA);
    const l2 = mustEntryAt(pgt, ipa, 2).ptr;
    pgt.pool.setEntry(l2, pgt.pool.words[l2] | 0x8, pgt.pool.words[l2 + 1]); // bit 3: IGNORED in a table descriptor (Arm ARM D8.3)
    expect(translate(pgt, ipa, 'read', out).pa).toBe(PA);
    expect(translate(pgt, ipa + 0x1000, 'read', out).pa).toBe(PA + 0x1000);
  });

  it('memTypeByAttr agrees with memTypeOf', () => {
    for (const fwb of [false, true]) {
      const lo = C.leafLo(PA, 12, C.leafAttrLo(PROT_RW, fwb) as number, true);
      expect(memTypeByAttr(fwb)[C.memAttrOf(lo)]).toBe(C.memTypeOf(lo, fwb));
      expect(memTypeByAttr(fwb)).toHaveLength(16);
    }
  });
  it('hwTranslateFor (specialised per plan) agrees with hwWalk + fillFromWalk on pages, blocks, faults, far tables and set IGNORED bits, with a fresh and a shared WalkMemo', () => {
    for (const granule of [4096, 16384, 65536] as Granule[]) {
      for (const [iaBits, fwb] of [[36, false], [40, true], [44, false], [48, true]] as const) {
        const pgt = new Stage2Pgtable({ granule, iaBits, fwb });
        const g = pgt.geom;
        const plan = makeWalkPlan(g.pageShift, g.startLevel, g.minBlockLevel, g.shifts, g.indexMasks, pgt.pool.tableBaseHigh, g.ipaLimit);
        const block = g.granules[2];
        stage2Map(pgt, 0x10 * granule, granule, PA, PROT_R);
        stage2Map(pgt, 2 * block, block, 2 ** 40, PROT_RW);
        stage2TestClearYoung(pgt, 0x10 * granule, granule, true);
        stage2Map(pgt, 0x11 * granule, granule, PA + granule, PROT_RW);
        stage2Map(pgt, 0x13 * granule, granule, 0x900_0000, PROT_DEVICE | PROT_R);
        const ipas = [0, 5, 0x10 * granule + 7, 0x11 * granule + 9, 0x12 * granule, 0x13 * granule + 1, 2 * block + 3, 3 * block - 1, 2 ** (iaBits - 1) + granule];
        if (granule === 4096) { // a 1G block (level 1): its offset spans both halves of the split IPA
          stage2Map(pgt, 2 ** 33, 2 ** 30, 2 ** 34, PROT_RW);
          ipas.push(2 ** 33 + 0x1234_5678);
        }
        const root = pgt.pool.ptrOfPage(pgt.rootPage);
        const memo = new WalkMemo();
        for (const mode of ['near', 'ignoredBits', 'far'] as const) {
          if (mode === 'ignoredBits') pgt.pool.setEntry(root, pgt.pool.words[root] | 0xffc, pgt.pool.words[root + 1]); // table descriptor bits 11:2 are IGNORED (Arm ARM D8.3)
          if (mode === 'far') { // point the second root entry (if any) outside the pool
            pgt.pool.setEntry(root + 2, C.tableLo(TABLE_PA_BASE + 2 ** 33, g.pageShift), C.tableHi(TABLE_PA_BASE + 2 ** 33));
            ipas.push(g.granules[g.startLevel] + 1);
          }
          for (const ipa of ipas) {
            for (const access of [0, 1, 2] as HwAccess[]) {
              const w = makeHwWalkOut();
              const a = makeTranslateOut();
              const b = makeTranslateOut();
              const high = Math.floor(ipa * plan.invSplit);
              const low = ipa % plan.splitScale;
              fillFromWalk(hwWalk(pgt.pool.words, root, high, low, plan, access, w), w, leafDecodeId(g.granules, fwb), a);
              const c = makeTranslateOut();
              hwTranslateFor(plan, fwb)(pgt.pool.words, root, pgt.pool.version, new WalkMemo(), ipa, access, b);
              hwTranslateFor(plan, fwb)(pgt.pool.words, root, pgt.pool.version, memo, ipa, access, c);
              // c goes through the memo of the earlier walks (hits, misses, and stale after each mode's store)
              for (const r of [b, c]) {
                expect([granule, iaBits, ipa, access, view(r)]).toEqual([granule, iaBits, ipa, access, view(a)]);
                expect(r).toEqual(a); // the raw leaf words too
              }
            }
          }
        }
        expect(walk(pgt, 0x11 * granule + 9)).toEqual({ st: HW_OK, level: 3, pa: PA + granule + 9 });
      }
    }
  });
});
