/** --workers k: lanes in worker_threads split the run budget and report into one summary. */
import * as fs from 'fs';
import * as path from 'path';
import { parseSummary } from '../reports/schema';
import { fuzzMain } from './fuzz';
import { laneSeeds, laneShare } from './lane';
import { runMain, tmpDir } from './testkit';

test('lane seeds are a pure function of (seed, shard, lane); shares cover the budget', () => {
  const a = laneSeeds(42, 1, 4, 0);
  const b = laneSeeds(42, 1, 4, 0);
  const c = laneSeeds(42, 2, 4, 0);
  const xs = [a(), a(), a()];
  expect([b(), b(), b()]).toEqual(xs);
  expect(c()).not.toBe(xs[0]);
  expect([0, 1, 2].map((i) => laneShare(10, 3, i))).toEqual([4, 3, 3]);
});

test('--workers 2 --runs 6: two worker threads, all 6 runs counted, deterministic findings', async () => {
  const dirs = [tmpDir('s2check-w-a-'), tmpDir('s2check-w-b-')];
  for (const d of dirs) await runMain(fuzzMain, ['--workers', '2', '--runs', '6', '--seed', '9', '--max-steps', '10', '--out', d, '--json']);
  const [sa, sb] = dirs.map((d) => parseSummary(JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8'))));
  expect(sa.workers).toBe(2);
  expect(sa.runs).toBe(6);
  expect(sb.findings).toEqual(sa.findings);
}, 60_000);
