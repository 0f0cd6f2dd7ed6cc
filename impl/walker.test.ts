/** WALK_VALID_ONLY: the same valid-leaf visits (entry, level, address) as a WALK_LEAF walk that ignores invalid entries. */
import * as fc from 'fast-check';
import { isValid } from './descriptor/codec';
import { PROT_R, PROT_RW } from './descriptor/prot';
import { stage2Map, stage2MapAnnotation } from './ops/map';
import { stage2Unmap } from './ops/unmap';
import { Stage2Pgtable } from './pgtable';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_PRE, WALK_VALID_ONLY, type VisitCtx } from './walker';

const MIB = 2 ** 20;
const PAGE = 0x1000;
const BASE = 0x4000_0000;

type Op = { kind: 'map' | 'unmap' | 'owner'; at: number; pages: number; block: boolean };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('map' as const, 'unmap' as const, 'owner' as const),
  at: fc.integer({ min: 0, max: 2047 }),
  pages: fc.integer({ min: 1, max: 600 }),
  block: fc.boolean(),
});

function build(ops: readonly Op[]): Stage2Pgtable {
  const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
  for (const o of ops) {
    const ipa = o.block ? BASE + (o.at % 4) * 2 * MIB : BASE + o.at * PAGE;
    const size = o.block ? 2 * MIB : o.pages * PAGE;
    if (o.kind === 'map') stage2Map(pgt, ipa, size, 0x8000_0000 + (ipa - BASE), o.block ? PROT_RW : PROT_R);
    else if (o.kind === 'unmap') stage2Unmap(pgt, ipa, size);
    else stage2MapAnnotation(pgt, ipa, size, 3);
  }
  return pgt;
}

/** Every (flags-visible) visit as "level:ptr:addr:visit". */
function visits(pgt: Stage2Pgtable, flags: number, start: number, size: number, validOnlyFilter: boolean): string[] {
  const out: string[] = [];
  const ctx = makeCtx(pgt, null, flags);
  const ret = walk(ctx, (c: VisitCtx<null>, v) => {
    if (!validOnlyFilter || v !== WALK_LEAF || isValid(c.oldLo)) out.push(`${c.level}:${c.ptr}:${c.addr}:${v}`);
    return 0;
  }, start, size);
  out.push(`ret ${ret}`);
  return out;
}

describe('WALK_VALID_ONLY', () => {
  it('visits exactly the valid leaves (and tables) a full walk visits, at the same addresses', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 8 }), fc.integer({ min: -2, max: 4 * 512 + 2 }), fc.integer({ min: 0, max: 3 * 512 }), fc.integer({ min: 0, max: PAGE - 1 }), (ops, startPage, pages, skew) => {
      const pgt = build(ops);
      const start = BASE + startPage * PAGE + skew;
      const size = pages * PAGE + skew;
      for (const extra of [0, WALK_TABLE_PRE]) {
        expect(visits(pgt, WALK_LEAF | WALK_VALID_ONLY | extra, start, size, false)).toEqual(visits(pgt, WALK_LEAF | extra, start, size, true));
      }
    }), { seed: 11, numRuns: 300 });
  });

  it('steps over a whole empty root range and an empty table in one go', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, BASE + 5 * PAGE, PAGE, 0x8000_0000, PROT_R);
    const [leaf] = visits(pgt, WALK_LEAF, BASE + 5 * PAGE, PAGE, false);
    expect(visits(pgt, WALK_LEAF | WALK_VALID_ONLY, 0, 2 ** 40, false)).toEqual([leaf, 'ret 0']);
    expect(visits(pgt, WALK_LEAF | WALK_VALID_ONLY, BASE, 2 * MIB, false)).toEqual([leaf, 'ret 0']);
  });
});
