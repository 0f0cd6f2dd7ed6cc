/** Tests of the leaf-attribute walkers (facts §8): wrprotect, relax_perms, mkyoung, test_clear_young. */
import type { Stage2Pgtable } from '../pgtable';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../effects';
import { recorded } from './testkit';
import { stage2Map } from './map';
import { stage2Mkyoung, stage2RelaxPerms, stage2TestClearYoung, stage2Wrprotect, type AttrOut } from './attrs';
import { makeLeafOut, stage2GetLeaf } from './leaf';
import { makeTranslateOut, translate } from '../translate';
import { EAGAIN, EINVAL, ERANGE } from '../errno';
import { PROT_DEVICE, PROT_R, PROT_RW, PROT_RWX, PROT_W, PROT_X } from '../descriptor/prot';
import * as C from '../descriptor/codec';
import { S2InputError } from '../../model/types';

const MIB = 2 ** 20;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;

const setup = recorded;
const ops = (ev: EffectEvent[]): string[] => ev.map((e) => e.op);
const leafAt = (pgt: Stage2Pgtable, ipa: number): ReturnType<typeof makeLeafOut> => {
  const out = makeLeafOut();
  expect(stage2GetLeaf(pgt, ipa, out)).toBe(0);
  return out;
};
const can = (pgt: Stage2Pgtable, ipa: number, access: 'read' | 'write' | 'exec'): boolean => translate(pgt, ipa, access, makeTranslateOut()).ok;

describe('stage2Wrprotect', () => {
  it('clears W on every valid leaf (pages and a block), keeps R, issues no TLBI or CMO', () => {
    const { pgt, rec } = setup();
    expect(stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RW)).toBe(0); // a 2 MiB block
    expect(stage2Map(pgt, IPA + 2 * MIB, 0x3000, PA + 4 * MIB, PROT_RW)).toBe(0); // three pages
    rec.clear();
    // The range also covers unmapped entries: their -EAGAIN is ignored (no HANDLE_FAULT).
    expect(stage2Wrprotect(pgt, IPA, 8 * MIB)).toBe(0);
    expect(ops(rec.events)).toEqual(['pteStore', 'pteStore', 'pteStore', 'pteStore']);
    for (const ipa of [IPA, IPA + MIB, IPA + 2 * MIB, IPA + 2 * MIB + 0x2fff]) {
      expect(can(pgt, ipa, 'write')).toBe(false);
      expect(can(pgt, ipa, 'read')).toBe(true);
    }
    expect(leafAt(pgt, IPA).level).toBe(2);
  });

  it('updates a block that only partly overlaps the range as a whole', () => {
    const { pgt } = setup();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RW);
    expect(stage2Wrprotect(pgt, IPA + MIB, 0x1000)).toBe(0);
    expect(can(pgt, IPA, 'write')).toBe(false);
    expect(can(pgt, IPA + 2 * MIB - 1, 'write')).toBe(false);
  });

  it('stores nothing for already read-only leaves and returns -ERANGE beyond the IPA space', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_R);
    rec.clear();
    expect(stage2Wrprotect(pgt, IPA, 0x1000)).toBe(0);
    expect(rec.events).toEqual([]);
    expect(stage2Wrprotect(pgt, 2 ** 40, 0x1000)).toBe(ERANGE);
  });
});

describe('stage2RelaxPerms', () => {
  it('adds X with an I-cache invalidate before the store and a TLBI at the leaf level after it', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_R);
    rec.clear();
    const out: AttrOut = { oldLo: 0, oldHi: 0, level: -1 };
    expect(stage2RelaxPerms(pgt, IPA + 0x10, PROT_RWX, out)).toBe(0);
    expect(rec.events.map((e) => e.op)).toEqual(['icacheInvalPou', 'pteStore', 'tlbiIpa']);
    expect(rec.events[0]).toEqual({ op: 'icacheInvalPou', pa: PA, size: 0x1000 });
    expect(rec.events[2]).toEqual({ op: 'tlbiIpa', ipa: IPA, level: 3, nsh: true });
    expect(can(pgt, IPA, 'exec') && can(pgt, IPA, 'write')).toBe(true);
    expect(out.level).toBe(3);
    expect(C.isExecutable(out.oldLo, out.oldHi) || C.isWritable(out.oldLo)).toBe(false);
  });

  it('never removes permissions, and skips the I-cache when the leaf was already executable', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RWX);
    const before = leafAt(pgt, IPA);
    rec.clear();
    expect(stage2RelaxPerms(pgt, IPA, PROT_R)).toBe(0);
    expect(ops(rec.events)).toEqual(['tlbiIpa']);
    expect(leafAt(pgt, IPA)).toEqual(before);
  });

  it('covers a whole block: the I-cache invalidate spans the block at its PA', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_R);
    rec.clear();
    expect(stage2RelaxPerms(pgt, IPA + MIB + 0x3000, PROT_X)).toBe(0);
    expect(rec.events[0]).toEqual({ op: 'icacheInvalPou', pa: PA, size: 2 * MIB });
    expect(rec.events[2]).toEqual({ op: 'tlbiIpa', ipa: IPA + MIB + 0x3000, level: 2, nsh: true });
    expect(can(pgt, IPA + 2 * MIB - 1, 'exec')).toBe(true);
    expect(can(pgt, IPA, 'write')).toBe(false);
  });

  it('returns -EAGAIN on an invalid leaf and still issues the TLBI', () => {
    const { pgt, rec } = setup();
    expect(stage2RelaxPerms(pgt, IPA, PROT_RW)).toBe(EAGAIN);
    expect(rec.events).toEqual([{ op: 'tlbiIpa', ipa: IPA, level: TLBI_LEVEL_UNKNOWN, nsh: true }]);
  });

  it('ignores DEVICE in prot (memory type unchanged), rejects SW bits with -EINVAL and bad prot by throwing', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_R);
    expect(stage2RelaxPerms(pgt, IPA, PROT_W | PROT_DEVICE)).toBe(0);
    expect(translate(pgt, IPA, 'write', makeTranslateOut()).memtype).toBe('normal');
    rec.clear();
    expect(stage2RelaxPerms(pgt, IPA, 2 ** 55 + 0)).toBe(EINVAL);
    expect(rec.events).toEqual([]);
    expect(() => stage2RelaxPerms(pgt, IPA, -1)).toThrow(S2InputError);
    expect(stage2RelaxPerms(pgt, 2 ** 40, PROT_W)).toBe(ERANGE);
    expect(rec.events).toEqual([]);
  });
});

describe('stage2Mkyoung / stage2TestClearYoung', () => {
  it('test_clear_young reports AF, clears it only with mkold, and never flushes', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    rec.clear();
    expect(stage2TestClearYoung(pgt, IPA, 0x2000, false)).toBe(true);
    expect(rec.events).toEqual([]);
    expect(stage2TestClearYoung(pgt, IPA, 0x2000, true)).toBe(true);
    expect(ops(rec.events)).toEqual(['pteStore', 'pteStore']);
    expect(C.isYoung(leafAt(pgt, IPA + 0x1000).lo)).toBe(false);
    expect(stage2TestClearYoung(pgt, IPA, 0x2000, true)).toBe(false);
    expect(stage2TestClearYoung(pgt, IPA + 4 * MIB, 0x1000, false)).toBe(false); // unmapped
  });

  it('mkyoung sets AF on the covering leaf and reports the old words; -EAGAIN when unmapped', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RW);
    stage2TestClearYoung(pgt, IPA, 2 * MIB, true);
    const old = leafAt(pgt, IPA);
    rec.clear();
    const out: AttrOut = { oldLo: 1, oldHi: 1, level: 9 };
    expect(stage2Mkyoung(pgt, IPA + 0x5000, out)).toBe(0);
    expect(out).toEqual({ oldLo: old.lo, oldHi: old.hi, level: 2 });
    expect(ops(rec.events)).toEqual(['pteStore']);
    expect(C.isYoung(leafAt(pgt, IPA).lo)).toBe(true);
    expect(stage2Mkyoung(pgt, IPA + 4 * MIB, out)).toBe(EAGAIN);
    expect(out).toEqual({ oldLo: 0, oldHi: 0, level: -1 });
  });
});
