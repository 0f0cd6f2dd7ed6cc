/** Tests of the stage-2 hardware walk: successful translations and each kind of fault (Arm ARM D8). */
import { Stage2Pgtable } from './pgtable';
import { recorded, tablePageAt } from './ops/testkit';
import { stage2Map } from './ops/map';
import { stage2Unmap } from './ops/unmap';
import { stage2SetOwner } from './ops/owner';
import { stage2TestClearYoung } from './ops/attrs';
import { makeTranslateOut, translate } from './translate';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_RW, PROT_RWX, PROT_W } from './descriptor/prot';
import * as C from './descriptor/codec';
import { leaf } from './descriptor/testkit';
import { mustEntryAt } from './check/testkit';
import { S2InputError } from '../model/types';

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;

describe('translate: successful walks', () => {
  it('translates through a page with the in-page offset, perms, memtype and size', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA + 0x1abc, 'write', out)).toBe(out);
    expect(out).toMatchObject({ ok: true, fault: null, level: 3, pa: PA + 0x1abc, perms: { r: true, w: true, x: false }, memtype: 'normal', leafSize: 0x1000 });
  });

  it('translates through 2 MiB and 1 GiB blocks', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RWX);
    stage2Map(pgt, 2 ** 31, 2 ** 30, 2 ** 33, PROT_R);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA + 0x1f_f123, 'exec', out)).toMatchObject({ ok: true, level: 2, pa: PA + 0x1f_f123, leafSize: 2 * MIB });
    expect(translate(pgt, 2 ** 31 + 0x1234_5678, 'read', out)).toMatchObject({ ok: true, level: 1, pa: 2 ** 33 + 0x1234_5678, leafSize: 2 ** 30 });
  });

  it('reports device and NC memory types, and Normal under FWB', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, 0x1000_0000, PROT_RW | PROT_DEVICE);
    stage2Map(pgt, IPA + 0x1000, 0x1000, 0x1000_1000, PROT_RW | PROT_NORMAL_NC);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA, 'read', out).memtype).toBe('device');
    expect(translate(pgt, IPA + 0x1000, 'read', out).memtype).toBe('nc');
    const fwb = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: true });
    stage2Map(fwb, IPA, 0x1000, PA, PROT_RW);
    expect(translate(fwb, IPA, 'read', out).memtype).toBe('normal');
  });

  it('works for 16K and 64K granules', () => {
    for (const granule of [16384, 65536] as const) {
      const pgt = new Stage2Pgtable({ granule, iaBits: 40, fwb: false });
      stage2Map(pgt, IPA, granule, PA, PROT_R);
      expect(translate(pgt, IPA + 7, 'read', makeTranslateOut())).toMatchObject({ ok: true, level: 3, pa: PA + 7, leafSize: granule });
    }
  });
});

describe('translate: faults', () => {
  it('translation fault: unmapped (at the level where the walk stopped) and beyond 2^iaBits (start level)', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    const out = makeTranslateOut();
    expect(translate(pgt, 5 * 2 ** 30, 'read', out)).toMatchObject({ ok: false, fault: 'translation', level: 1 });
    expect(translate(pgt, IPA + 0x1000, 'read', out)).toMatchObject({ ok: false, fault: 'translation', level: 3, pa: 0 });
    expect(translate(pgt, 2 ** 40, 'read', out)).toMatchObject({ ok: false, fault: 'translation', level: 1 });
  });

  it('translation fault on LOCKED and owner-annotated entries', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    pgt.store(mustEntryAt(pgt, IPA, 3).ptr, IPA, 3, C.LOCKED_LO, 0);
    stage2SetOwner(pgt, IPA + 0x1000, 0x1000, 1);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ fault: 'translation', level: 3 });
    expect(translate(pgt, IPA + 0x1000, 'read', out)).toMatchObject({ fault: 'translation', level: 3 });
  });

  it('translation fault on reserved encodings: last-level entry without the type bit, level-0 block', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    const [lo, hi] = leaf(PA, PROT_RW, false); // block form at level 3
    pgt.store(mustEntryAt(pgt, IPA, 3).ptr, IPA, 3, lo, hi);
    expect(translate(pgt, IPA, 'read', makeTranslateOut())).toMatchObject({ fault: 'translation', level: 3 });
    const p48 = new Stage2Pgtable({ granule: 4096, iaBits: 48, fwb: false });
    expect(p48.geom.startLevel).toBe(0);
    const [blo, bhi] = leaf(0, PROT_RW, false);
    p48.store(p48.rootPtr(0), 0, 0, blo, bhi);
    expect(translate(p48, 0x1000, 'read', makeTranslateOut())).toMatchObject({ fault: 'translation', level: 0 });
  });

  it('access-flag fault when AF is clear, taking priority over a permission fault', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_R);
    stage2TestClearYoung(pgt, IPA, 2 * MIB, true);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA + 0x10, 'read', out)).toMatchObject({ ok: false, fault: 'accessFlag', level: 2, leafSize: 2 * MIB });
    expect(translate(pgt, IPA + 0x10, 'write', out)).toMatchObject({ fault: 'accessFlag' });
  });

  it('permission faults per S2AP R/W and XN', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_R);
    stage2Map(pgt, IPA + 0x1000, 0x1000, PA, PROT_W);
    const out = makeTranslateOut();
    expect(translate(pgt, IPA, 'write', out)).toMatchObject({ ok: false, fault: 'permission', level: 3, perms: { r: true, w: false, x: false } });
    expect(translate(pgt, IPA, 'exec', out)).toMatchObject({ fault: 'permission' });
    expect(translate(pgt, IPA + 0x1000, 'read', out)).toMatchObject({ fault: 'permission' });
    expect(translate(pgt, IPA + 0x1000, 'write', out)).toMatchObject({ ok: true, fault: null, pa: PA });
  });

  it('rejects bad input with S2InputError', () => {
    const { pgt } = recorded();
    expect(() => translate(pgt, -1, 'read', makeTranslateOut())).toThrow(S2InputError);
    expect(() => translate(pgt, 0.5, 'read', makeTranslateOut())).toThrow(S2InputError);
    expect(() => translate(pgt, 0, 'fetch' as 'read', makeTranslateOut())).toThrow(S2InputError);
  });
});

describe('translate: the walk memo (exact, keyed by the pool version)', () => {
  it('remembers the last-level table of the last page walk, at the pool version it was read under', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    translate(pgt, IPA + 0x1000, 'read', makeTranslateOut());
    expect(pgt.walkMemo).toMatchObject({ version: pgt.pool.version, high: IPA / (2 * MIB), base: pgt.pool.ptrOfPage(tablePageAt(pgt, IPA, 3)) });
  });

  it('sees every later change: unmap, remap elsewhere, a moved table, a raw entry store', () => {
    const { pgt } = recorded();
    const out = makeTranslateOut();
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ ok: true, pa: PA });
    stage2Unmap(pgt, IPA, 0x1000);
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ fault: 'translation', level: 3 });
    stage2Map(pgt, IPA, 0x1000, PA + 0x5000, PROT_RW);
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ ok: true, pa: PA + 0x5000 });
    // Point the level-2 entry at another last-level table (one mapping IPA + 2 MiB): same `high`, new table.
    stage2Map(pgt, IPA + 2 * MIB, 0x1000, PA + 0x9000, PROT_RW);
    const l2 = mustEntryAt(pgt, IPA + 2 * MIB, 2).ptr;
    pgt.pool.setEntry(mustEntryAt(pgt, IPA, 2).ptr, pgt.pool.words[l2], pgt.pool.words[l2 + 1]);
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ ok: true, pa: PA + 0x9000 });
    const [lo, hi] = leaf(PA + 0x7000, PROT_R, true);
    pgt.pool.setEntry(mustEntryAt(pgt, IPA, 3).ptr, lo, hi);
    expect(translate(pgt, IPA, 'write', out)).toMatchObject({ fault: 'permission' });
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ ok: true, pa: PA + 0x7000 });
  });

  it('is per table: two tables at equal pool versions whose first last-level table maps different IPAs', () => {
    const a = recorded().pgt;
    const b = recorded().pgt;
    stage2Map(a, IPA, 0x1000, PA, PROT_RW); // a: IPA's last-level table is the first one allocated
    stage2Map(a, IPA + 2 * GIB, 0x1000, PA, PROT_RW);
    stage2Map(b, IPA + GIB, 0x1000, PA + 0x3000, PROT_RW); // b: the same page id and index map IPA + 1 GiB
    stage2Map(b, IPA, 0x1000, PA + 0x5000, PROT_RW);
    expect(a.pool.version).toBe(b.pool.version);
    const out = makeTranslateOut();
    for (let i = 0; i < 3; i++) {
      expect(translate(a, IPA, 'read', out).pa).toBe(PA);
      expect(translate(b, IPA, 'read', out).pa).toBe(PA + 0x5000); // a memo shared per geometry would give PA + 0x3000
    }
  });

  it('survives a reset and a pool that grows (both change the version)', () => {
    const { pgt } = recorded();
    const out = makeTranslateOut();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    expect(translate(pgt, IPA, 'read', out).pa).toBe(PA);
    pgt.reset();
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ fault: 'translation' });
    for (let i = 0; i < 200; i++) stage2Map(pgt, IPA + i * 2 * MIB, 0x1000, PA + i * 0x1000, PROT_RW); // > 64 table pages
    stage2Map(pgt, IPA, 0x1000, PA + 0x1000, PROT_RW);
    expect(translate(pgt, IPA, 'read', out)).toMatchObject({ ok: true, pa: PA + 0x1000 });
    for (let i = 1; i < 200; i += 37) expect(translate(pgt, IPA + i * 2 * MIB, 'read', out).pa).toBe(PA + i * 0x1000);
  });
});
