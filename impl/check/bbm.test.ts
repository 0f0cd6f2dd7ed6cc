/** BBM check over effects logs: real operations pass, forged logs with in-place or unflushed replacements fail. */
import * as C from '../descriptor/codec';
import { PROT_R, PROT_RW, PROT_RWX } from '../descriptor/prot';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../effects';
import { makeGeometry } from '../geometry';
import { stage2Map } from '../ops/map';
import { stage2Unmap } from '../ops/unmap';
import { stage2RelaxPerms, stage2Wrprotect } from '../ops/attrs';
import { stage2SetOwner } from '../ops/owner';
import { checkBbm } from './bbm';
import { codes, mkTable } from './testkit';

const G = makeGeometry(4096, 40);
const RAM = 0x80000000;
const page = (pa: number, prot = PROT_RW): [number, number] =>
  [C.leafLo(pa, 12, C.leafAttrLo(prot, false) as number, true), C.leafHi(pa, C.leafAttrHi(prot))];
const store = (ipa: number, level: number, [oldLo, oldHi]: [number, number], [newLo, newHi]: [number, number]): EffectEvent =>
  ({ op: 'pteStore', ipa, level, oldLo, oldHi, newLo, newHi });
const LOCKED: [number, number] = [C.LOCKED_LO, 0];
const ZERO: [number, number] = [0, 0];

describe('checkBbm on real operations', () => {
  it('passes on map, remap to another PA, block split by a partial map, collapse, wrprotect, relax, setOwner, unmap', () => {
    const { pgt, rec } = mkTable();
    expect(stage2Map(pgt, 0x200000, 0x1000, RAM, PROT_RW)).toBe(0);
    expect(stage2Map(pgt, 0x200000, 0x1000, RAM + 0x5000, PROT_RW)).toBe(0);
    expect(stage2Map(pgt, 0x200000, 0x200000, RAM, PROT_R)).toBe(0); // table → 2M block
    expect(stage2Map(pgt, 0x201000, 0x1000, RAM, PROT_RW)).toBe(0); // block → table
    expect(stage2Wrprotect(pgt, 0, 0x400000)).toBe(0);
    expect(stage2RelaxPerms(pgt, 0x201000, PROT_RWX)).toBe(0);
    expect(stage2SetOwner(pgt, 0x201000, 0x1000, 1)).toBe(0);
    expect(stage2Unmap(pgt, 0, 0x400000)).toBe(0);
    const kinds = new Set(rec.events.map((e) => e.op));
    expect(kinds).toEqual(new Set(['pteStore', 'tlbiIpa', 'tlbiRange', 'tableAlloc', 'tableFree', 'dcacheCleanInvalPoc', 'icacheInvalPou']));
    expect(checkBbm(rec.events, pgt.geom)).toEqual([]);
  });
});

describe('checkBbm on forged logs', () => {
  it('fails on a valid page replaced in place by one with another PA', () => {
    const ps = checkBbm([store(0x1000, 3, page(RAM), page(RAM + 0x1000))], G);
    expect(codes(ps)).toEqual(['bbmValidToValid']);
    expect(ps[0]).toMatchObject({ event: 0, ipa: 0x1000, level: 3 });
  });

  it('fails on a table replaced in place by a block', () => {
    const table: [number, number] = [C.tableLo(0xf00000001000, 12), C.tableHi(0xf00000001000)];
    const block: [number, number] = [C.leafLo(RAM, 12, C.leafAttrLo(PROT_RW, false) as number, false), C.leafHi(RAM, C.leafAttrHi(PROT_RW))];
    const ps = checkBbm([store(0x200000, 2, table, block)], G);
    expect(codes(ps)).toEqual(['bbmValidToValid']);
    // The message reads without a descriptor decoder at hand.
    expect(ps[0].message).toMatch(/^event 0 0x200000 L2: table at 0xf00000001000 replaced in place by L2 block → 0x[0-9a-f]+ rw- normal, no invalid \+ TLBI between \(raw 0x[0-9a-f]{16} → 0x[0-9a-f]{16}\)$/);
  });

  it('allows in-place permission and AF changes', () => {
    const [lo, hi] = page(RAM);
    const events = [
      store(0x1000, 3, [lo, hi], [C.withoutWrite(lo), hi]),
      store(0x1000, 3, [C.withoutWrite(lo), hi], [C.relaxLo(lo, PROT_RW), C.relaxHi(hi, PROT_RWX)]),
      store(0x1000, 3, [lo, hi], [C.withAf(lo, false), hi]),
    ];
    expect(checkBbm(events, G)).toEqual([]);
  });

  it('fails on break then make without a TLBI in between, or with a TLBI that misses', () => {
    const brk = store(0x1000, 3, page(RAM), LOCKED);
    const mk = store(0x1000, 3, LOCKED, page(RAM + 0x1000));
    expect(codes(checkBbm([brk, mk], G))).toEqual(['bbmNoTlbi']);
    expect(codes(checkBbm([brk, { op: 'tlbiIpa', ipa: 0x1000, level: 2 }, mk], G))).toEqual(['bbmNoTlbi']);
    expect(codes(checkBbm([brk, { op: 'tlbiIpa', ipa: 0x2000, level: 3 }, mk], G))).toEqual(['bbmNoTlbi']);
    expect(codes(checkBbm([brk, { op: 'tlbiRange', ipa: 0x2000, size: 0x1000 }, mk], G))).toEqual(['bbmNoTlbi']);
  });

  it('fails when a stale unmapped page is covered by a new block made without a TLBI', () => {
    const block: [number, number] = [C.leafLo(RAM, 12, C.leafAttrLo(PROT_RW, false) as number, false), C.leafHi(RAM, C.leafAttrHi(PROT_RW))];
    const ps = checkBbm([store(0x3000, 3, page(RAM), ZERO), store(0, 2, ZERO, block)], G);
    expect(codes(ps)).toEqual(['bbmNoTlbi']);
    expect(ps[0].event).toBe(1);
  });

  it('passes when the break is covered by a by-IPA TLBI at the right or unknown level, a range TLBI or a VMID flush', () => {
    const brk = store(0x1000, 3, page(RAM), LOCKED);
    const mk = store(0x1000, 3, LOCKED, page(RAM + 0x1000));
    const flushes: EffectEvent[] = [
      { op: 'tlbiIpa', ipa: 0x1000, level: 3 }, { op: 'tlbiIpa', ipa: 0x1000, level: TLBI_LEVEL_UNKNOWN },
      { op: 'tlbiRange', ipa: 0, size: 0x200000 }, { op: 'tlbiVmid' },
    ];
    for (const f of flushes) expect([f, checkBbm([brk, f, mk], G)]).toEqual([f, []]);
  });
});
