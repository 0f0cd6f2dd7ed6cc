/** Tests of stage2SetOwner (facts §2.4, §3.4): page-granular annotations, owner limits, BBM of valid entries. */
import type { Stage2Pgtable } from '../pgtable';
import { recorded, refsAt } from './testkit';
import { stage2Map } from './map';
import { KVM_MAX_OWNER_ID, stage2SetOwner } from './owner';
import { makeLeafOut, stage2GetLeaf } from './leaf';
import { annotations, interpret } from '../interpret';
import { EINVAL, ERANGE } from '../errno';
import { PROT_RW } from '../descriptor/prot';
import * as C from '../descriptor/codec';
import { S2InputError } from '../../model/types';

const MIB = 2 ** 20;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;

const setup = recorded;

const l3Refs = (pgt: Stage2Pgtable, ipa: number): number => refsAt(pgt, ipa, 3);

describe('stage2SetOwner', () => {
  it('annotates at page granularity, creating tables down to the last level, counted in refcounts', () => {
    const { pgt } = setup();
    expect(stage2SetOwner(pgt, IPA, 0x3000, 1)).toBe(0);
    expect(annotations(pgt)).toEqual([{ ipa: IPA, size: 0x3000, owner: 1 }]);
    const out = makeLeafOut();
    stage2GetLeaf(pgt, IPA + 0x2000, out);
    expect([out.level, out.valid, C.ownerOf(out.lo), out.hi]).toEqual([3, false, 1, 0]);
    expect(l3Refs(pgt, IPA)).toBe(1 + 3);
    expect(interpret(pgt)).toEqual([]);
  });

  it('uses pages even for a block-sized, block-aligned range', () => {
    const { pgt } = setup();
    expect(stage2SetOwner(pgt, IPA, 2 * MIB, 1)).toBe(0);
    expect(annotations(pgt)).toEqual([{ ipa: IPA, size: 2 * MIB, owner: 1 }]);
    expect(l3Refs(pgt, IPA)).toBe(1 + 512);
  });

  it('owner 0 writes zero entries and drops the references', () => {
    const { pgt } = setup();
    stage2SetOwner(pgt, IPA, 0x3000, 1);
    expect(stage2SetOwner(pgt, IPA, 0x2000, 0)).toBe(0);
    expect(annotations(pgt)).toEqual([{ ipa: IPA + 0x2000, size: 0x1000, owner: 1 }]);
    expect(l3Refs(pgt, IPA + 0x2000)).toBe(1 + 1);
  });

  it('limits owner ids: KVM_MAX_OWNER_ID = 1 by default, maxOwnerId for pKVM/ACK', () => {
    const { pgt, rec } = setup();
    expect(KVM_MAX_OWNER_ID).toBe(1);
    expect(stage2SetOwner(pgt, IPA, 0x1000, 2)).toBe(EINVAL);
    expect(rec.events).toEqual([]);
    expect(stage2SetOwner(pgt, IPA, 0x1000, 0xff, { maxOwnerId: 0xff })).toBe(0);
    expect(annotations(pgt)).toEqual([{ ipa: IPA, size: 0x1000, owner: 0xff }]);
    expect(stage2SetOwner(pgt, IPA, 0x1000, 0x100, { maxOwnerId: 0xff })).toBe(EINVAL);
    expect(() => stage2SetOwner(pgt, IPA, 0x1000, 1, { maxOwnerId: 0x100 })).toThrow(S2InputError);
    expect(() => stage2SetOwner(pgt, IPA, 0x1000, -1)).toThrow(S2InputError);
    expect(() => stage2SetOwner(pgt, IPA, 0x1000, 0.5)).toThrow(S2InputError);
    expect(stage2SetOwner(pgt, 2 ** 40, 0x1000, 1)).toBe(ERANGE);
  });

  it('breaks a valid block first (LOCKED, TLBI at the block level) and leaves the rest of it unmapped', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 2 * MIB, PA, PROT_RW);
    rec.clear();
    expect(stage2SetOwner(pgt, IPA + 0x1000, 0x1000, 1)).toBe(0);
    const i = rec.events.findIndex((e) => e.op === 'tlbiIpa');
    expect(rec.events[i]).toEqual({ op: 'tlbiIpa', ipa: IPA, level: 2 });
    expect(rec.events[i - 1]).toMatchObject({ op: 'pteStore', ipa: IPA, level: 2, newLo: C.LOCKED_LO, newHi: 0 });
    const table = rec.events.slice(i + 1).find((e) => e.op === 'pteStore' && e.level === 2);
    expect(table !== undefined && table.op === 'pteStore' && C.isTable(table.newLo, 2, 3)).toBe(true);
    expect(interpret(pgt)).toEqual([]);
    expect(annotations(pgt)).toEqual([{ ipa: IPA + 0x1000, size: 0x1000, owner: 1 }]);
  });

  it('breaks a valid page with a TLBI at level 3 before annotating it', () => {
    const { pgt, rec } = setup();
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    rec.clear();
    expect(stage2SetOwner(pgt, IPA, 0x1000, 1)).toBe(0);
    expect(rec.events.map((e) => e.op)).toEqual(['pteStore', 'tlbiIpa', 'pteStore']);
    expect(rec.events[1]).toEqual({ op: 'tlbiIpa', ipa: IPA, level: 3 });
    expect(interpret(pgt)).toEqual([expect.objectContaining({ ipa: IPA + 0x1000, size: 0x1000, pa: PA + 0x1000 })]);
    expect(l3Refs(pgt, IPA)).toBe(1 + 2);
  });
});
