/** Merging shard reports: counts add up, findings dedup by signature, new findings are judged against the corpus. */
import * as fs from 'fs';
import * as path from 'path';
import { serialize } from '../properties/trace';
import { mergeReports } from './merge';
import { parseSummary } from './schema';
import { foundTrace, tmpRoot, writeShard } from './testkit';

test('two shards with an overlapping finding merge into one deduplicated report', () => {
  const root = tmpRoot();
  const a = writeShard(root, 'shard-0', '0/2', [foundTrace('NO_STALE_PFN', 2), foundTrace('BBM')], 10);
  const b = writeShard(root, 'shard-1', '1/2', [foundTrace('NO_STALE_PFN', 0), foundTrace('REFCOUNT')], 30);
  const out = path.join(root, 'merged');
  const r = mergeReports([a, b], out);
  const s = parseSummary(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')));
  expect(s).toEqual(r.summary);
  expect(s.shards).toEqual(['0/2', '1/2']);
  expect(s.runs).toBe(40);
  expect(s.stop).toBe('merged');
  expect(s.invariantChecks.NO_STALE_PFN).toBe(120);
  expect(s.generator.ops).toEqual({ access: 80, mmap: 40 });
  expect(s.findings.map((f) => f.invariant)).toEqual(['BBM', 'NO_STALE_PFN', 'REFCOUNT']);
  const stale = s.findings.find((f) => f.invariant === 'NO_STALE_PFN');
  expect(stale?.hits).toBe(2);
  expect(stale?.steps).toBe(3); // the shorter of the two
  expect(fs.readdirSync(out).filter((f) => f.startsWith('finding-'))).toHaveLength(3);
  expect(r.newFindings).toHaveLength(3);
});

test('findings already in the corpus are not new', () => {
  const root = tmpRoot();
  const corpus = path.join(root, 'corpus');
  fs.mkdirSync(corpus);
  fs.writeFileSync(path.join(corpus, 'bbm.json'), serialize(foundTrace('BBM', 4)));
  const a = writeShard(root, 's0', '0/1', [foundTrace('BBM'), foundTrace('REFCOUNT')]);
  const r = mergeReports([a], path.join(root, 'm'), { corpus });
  expect(r.newFindings).toEqual(['REFCOUNT @ access []']);
});
