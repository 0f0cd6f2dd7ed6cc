/** `fuzz merge DIR...`: one deduplicated report; exit 1 on a finding not in the corpus, 0 when all are known. */
import * as fs from 'fs';
import * as path from 'path';
import { serialize } from '../properties/trace';
import { parseSummary } from '../reports/schema';
import { foundTrace, tmpRoot, writeShard } from '../reports/testkit';
import { fuzzMain } from './fuzz';
import { runMain } from './testkit';

test('merge: new finding → exit 1 naming it; known to the corpus → exit 0', async () => {
  const root = tmpRoot();
  const a = writeShard(root, 'shard-0', '0/2', [foundTrace('NO_STALE_PFN', 2)]);
  const b = writeShard(root, 'shard-1', '1/2', [foundTrace('NO_STALE_PFN', 0)]);
  const out = path.join(root, 'merged');
  const r = await runMain(fuzzMain, ['merge', a, b, '--out', out, '--corpus', path.join(root, 'empty-corpus')]);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('NEW NO_STALE_PFN @ access []');
  const s = parseSummary(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')));
  expect(s.findings).toHaveLength(1);
  expect(s.findings[0].hits).toBe(2);

  const corpus = path.join(root, 'corpus');
  fs.mkdirSync(corpus);
  fs.writeFileSync(path.join(corpus, 'stale.json'), serialize(foundTrace('NO_STALE_PFN', 5)));
  const known = await runMain(fuzzMain, ['merge', a, b, '--out', path.join(root, 'merged2'), '--corpus', corpus, '--json']);
  expect(known.code).toBe(0);
  expect(JSON.parse(known.stdout.join('\n')).newFindings).toEqual([]);
});
