/** fast-check: decode ∘ encode = id on exploded descriptors, encode ∘ decode = id on encoded words. */
import fc from 'fast-check';
import * as C from './codec';
import { invalidDesc, tableDesc } from './testkit';
import type { MemType } from '../../model/types';

const GRANULES = [
  { pageShift: 12, minBlockLevel: 1 },
  { pageShift: 14, minBlockLevel: 2 },
  { pageShift: 16, minBlockLevel: 2 },
];
const levelShift = (pageShift: number, level: number): number => (pageShift - 3) * (4 - level) + 3; // facts §1.1

/** An address < 2^48 aligned to 2^alignShift (alignShift ≤ 32): hi16 × 2^32 + k × 2^alignShift. */
const alignedOa = (alignShift: number): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 2 ** (32 - alignShift) - 1 }))
    .map(([hi, k]) => hi * 2 ** 32 + k * 2 ** alignShift);

const leafArb = (pageShift: number, minBlockLevel: number): fc.Arbitrary<C.Descriptor> =>
  fc.oneof(fc.constant(3), fc.integer({ min: minBlockLevel, max: 2 })).chain((level) =>
    fc.record({
      kind: fc.constant(level === 3 ? ('page' as const) : ('block' as const)),
      level: fc.constant(level),
      oa: alignedOa(levelShift(pageShift, level)),
      perms: fc.record({ r: fc.boolean(), w: fc.boolean(), x: fc.boolean() }),
      memtype: fc.constantFrom<MemType>('normal', 'nc', 'device'),
      sh: fc.integer({ min: 0, max: 3 }),
      af: fc.boolean(),
      sw: fc.integer({ min: 0, max: 15 }),
      owner: fc.constant(0),
      locked: fc.constant(false),
      dbm: fc.boolean(),
      cont: fc.boolean(),
    }));

const tableArb = (pageShift: number): fc.Arbitrary<C.Descriptor> =>
  fc.tuple(fc.integer({ min: 0, max: 2 }), alignedOa(pageShift)).map(([level, oa]) => tableDesc(level, oa));

const invalidArb: fc.Arbitrary<C.Descriptor> = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.oneof(
  fc.record({ owner: fc.integer({ min: 0, max: C.OWNER_FIELD_MAX }), locked: fc.constant(false) }),
  fc.record({ owner: fc.constant(0), locked: fc.constant(true) }),
)).map(([level, { owner, locked }]) => invalidDesc(level, owner, locked));

/** A codec context and a descriptor valid for it (all kinds, all granules, both FWB modes). */
const caseArb = fc.tuple(fc.constantFrom(...GRANULES), fc.boolean()).chain(([g, fwb]) =>
  fc.record({
    ctx: fc.constant<C.CodecCtx>({ pageShift: g.pageShift, fwb, lastLevel: 3 }),
    desc: fc.oneof(leafArb(g.pageShift, g.minBlockLevel), tableArb(g.pageShift), invalidArb),
  }));

const isU32 = (w: number): boolean => Number.isInteger(w) && w >= 0 && w < 2 ** 32;

describe('codec round trips', () => {
  it('decode(encode(d)) = d', () => {
    fc.assert(fc.property(caseArb, ({ ctx, desc }) => {
      const [lo, hi] = C.encode(desc, ctx);
      expect(isU32(lo) && isU32(hi)).toBe(true);
      expect(C.decode(lo, hi, desc.level, ctx)).toEqual(desc);
    }), { numRuns: 3000 });
  });

  it('encode(decode(w)) = w for words produced by encode, and predicates agree with the exploded form', () => {
    fc.assert(fc.property(caseArb, ({ ctx, desc }) => {
      const [lo, hi] = C.encode(desc, ctx);
      const d = C.decode(lo, hi, desc.level, ctx);
      expect(C.encode(d, ctx)).toEqual([lo, hi]);
      expect(C.isValid(lo)).toBe(d.kind !== 'invalid');
      expect(C.isTable(lo, d.level, ctx.lastLevel)).toBe(d.kind === 'table');
      expect(C.isLocked(lo, hi)).toBe(d.locked);
      expect(C.isCounted(lo, hi)).toBe(d.kind !== 'invalid' || d.owner !== 0 || d.locked);
      if (d.kind === 'page' || d.kind === 'block') {
        expect(C.isCacheable(lo, ctx.fwb)).toBe(d.memtype === 'normal');
        expect(C.isExecutable(lo, hi)).toBe(d.perms.x);
        expect(C.oaOf(lo, hi, ctx.pageShift)).toBe(d.oa);
        expect(C.differsOnlyInPerms(lo, hi, lo, hi)).toBe(true);
      }
    }), { numRuns: 3000 });
  });
});
