/**
 * Tables of every geometry must share their hidden classes (V8 maps): a float-valued count (e.g.
 * `2 ** n` = 2.0 root pages) stored where other tables store a small integer turns the field into a
 * boxed double and deprecates the shapes the hot paths were optimised for (measured: the hot walk
 * slowed by 12% once a 40-bit table existed next to the 48-bit one). A structural check, not a timing.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = `
const { Stage2Pgtable } = require('./impl/pgtable');
const { stage2Map } = require('./impl/ops/map');
const first = new Stage2Pgtable({ granule: 4096, iaBits: 48, fwb: false });
const diffs = [];
for (const granule of [4096, 16384, 65536]) for (const iaBits of [32, 36, 40, 42, 44, 48]) for (const fwb of [false, true]) {
  const t = new Stage2Pgtable({ granule, iaBits, fwb });
  stage2Map(t, 0, granule, 2 ** 31, 3);
  const same = { table: %HaveSameMap(first, t), pool: %HaveSameMap(first.pool, t.pool), geom: %HaveSameMap(first.geom, t.geom) };
  for (const [k, v] of Object.entries(same)) if (!v) diffs.push(granule + '/' + iaBits + '/' + fwb + ': ' + k);
}
for (const [k, o] of Object.entries({ table: first, pool: first.pool, geom: first.geom })) if (%HasFastProperties(o) !== true) diffs.push('slow properties: ' + k);
console.log(JSON.stringify(diffs));`;

describe('table shapes', () => {
  it('tables, pools and geometries of every granule, IPA size and FWB mode share one hidden class each', () => {
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-r', 'ts-node/register/transpile-only', '-e', SCRIPT],
      { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  }, 60_000);
});
