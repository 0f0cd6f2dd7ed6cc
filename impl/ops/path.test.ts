/** stage2GetPath (the walk caches' fill, impl/tlb.ts): the table entries on the walk to an address, against the test kit's own descent. */
import fc from 'fast-check';
import { recorded, tablePageAt } from './testkit';
import { stage2Map } from './map';
import { stage2Unmap } from './unmap';
import { makePathOut, stage2GetPath } from './leaf';
import { ERANGE } from '../errno';
import { PROT_RW } from '../descriptor/prot';
import * as C from '../descriptor/codec';
import type { Granule } from '../../model/types';

const GRANULES: readonly Granule[] = [4096, 16384, 65536];

describe('stage2GetPath', () => {
  it('names, level by level, the table each entry on the walk points to, for every granule and any mix of pages, blocks and holes', () => {
    fc.assert(fc.property(
      fc.constantFrom(...GRANULES),
      fc.array(fc.record({ page: fc.nat(4095), pages: fc.integer({ min: 1, max: 600 }), unmap: fc.boolean() }), { maxLength: 8 }),
      fc.array(fc.nat(4095 * 600), { minLength: 1, maxLength: 16 }),
      (granule, ops, probes) => {
        const { pgt } = recorded({ granule, iaBits: 40 });
        const base = 0x4000_0000;
        for (const o of ops) {
          const ipa = base + o.page * granule;
          if (o.unmap) stage2Unmap(pgt, ipa, o.pages * granule);
          else stage2Map(pgt, ipa, o.pages * granule, 0x8000_0000 + o.page * granule, PROT_RW);
        }
        const out = makePathOut();
        for (const p of probes) {
          const ipa = base + p * 7 * 4096;
          expect(stage2GetPath(pgt, ipa, out)).toBe(0);
          for (let i = 0; i < out.n; i++) {
            const level = out.level[i];
            expect(level).toBe(pgt.geom.startLevel + i);
            // The entry at `level` points to the table page the test kit finds at level + 1.
            expect(pgt.pool.pageOfPa(C.oaOf(out.lo[i], out.hi[i], pgt.geom.pageShift))).toBe(tablePageAt(pgt, ipa, level + 1));
          }
          // The walk stops at the first entry that is no table: one more level has none.
          expect(out.n === 0 || tablePageAt(pgt, ipa, pgt.geom.startLevel + out.n + 1) === -1 || pgt.geom.startLevel + out.n === pgt.lastLevel).toBe(true);
        }
      }), { numRuns: 150, seed: 16 });
  });

  it('rejects an address beyond the IPA space with -ERANGE and an empty path', () => {
    const { pgt } = recorded();
    const out = makePathOut();
    expect(stage2GetPath(pgt, 2 ** 40, out)).toBe(ERANGE);
    expect(out.n).toBe(0);
  });
});
