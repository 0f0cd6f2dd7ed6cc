/** Reset cost of a small table (issue 2: ≤ 20 µs, so a property run can reuse one pool). */
import { Stage2Pgtable } from '../impl/pgtable';
import { stage2Map } from '../impl/ops/map';
import { PROT_R, PROT_W } from '../impl/descriptor/prot';
import { registerSuite, timeNs } from './registry';

const PAGE = 0x1000;
const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });

/** Map 64 scattered pages (a handful of table pages), then time one reset. */
function resetSmall(): number {
  let total = 0;
  const rounds = 200;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 64; i++) stage2Map(pgt, 0x4000_0000 + i * 37 * PAGE, PAGE, 0x8000_0000 + i * PAGE, PROT_R | PROT_W);
    total += timeNs(() => pgt.reset());
  }
  return total / rounds;
}

registerSuite({
  name: 'reset',
  cases: [{ name: 'reset.small', unit: 'ns/op', run: resetSmall }],
  derive: (m) => ({ resetSmallUs: m('reset.small') / 1000 }),
});
