/** npm run explore: the claim line, findings as shortest traces, scopes validated like traces, exit codes. */
import * as fs from 'fs';
import * as path from 'path';
import { exploreMain } from './explore';
import { runMain, tmpDir } from './testkit';
import { parseScope, SCOPES } from '../properties/explore/scope';
import { replayText } from '../properties/replay';

describe('explore', () => {
  test('tiny to depth 3 on mainline: exit 0 and the claim it supports, explore.json with the frontiers', async () => {
    const out = tmpDir('s2check-explore-');
    const r = await runMain(exploreMain, ['--scope', 'tiny', '--depth', '3', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.at(-1)).toBe('no violation in any trace of ≤ 3 steps in scope tiny: 136 distinct states');
    const j = JSON.parse(fs.readFileSync(path.join(out, 'explore.json'), 'utf8')) as { claim: string; results: { frontier: number[]; complete: boolean }[] };
    expect(j.results[0]).toMatchObject({ frontier: [8, 27, 100], complete: true });
    expect(fs.existsSync(path.join(out, 'summary.html'))).toBe(true);
  }, 60_000);

  test('with a historical bug: exit 1, the shortest counterexample as a finding file that replays', async () => {
    const out = tmpDir('s2check-explore-');
    const r = await runMain(exploreMain, ['--scope', 'tiny', '--depth', '3', '--bugs', 'ro-device-writable', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout.join('\n')).toMatch(/VIOLATION RO_SLOT_NEVER_WRITABLE @ access \[ro-device-writable\] ← ro-device-writable: 3 steps \(shortest\)/);
    const s = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { findings: { file: string; steps: number }[] };
    expect(s.findings.length).toBeGreaterThan(0);
    for (const f of s.findings) expect(replayText(fs.readFileSync(path.join(out, f.file), 'utf8')).matchesFound).toBe(true);
  }, 60_000);

  test('--workers 2 splits each frontier over two threads and finds exactly the states one thread finds', async () => {
    const one = tmpDir('s2check-explore-'), two = tmpDir('s2check-explore-');
    await runMain(exploreMain, ['--scope', 'tiny', '--depth', '4', '--out', one]);
    const r = await runMain(exploreMain, ['--scope', 'tiny', '--depth', '4', '--workers', '2', '--out', two]);
    expect(r.code).toBe(0);
    const res = (d: string) => (JSON.parse(fs.readFileSync(path.join(d, 'explore.json'), 'utf8')) as { results: { frontier: number[]; distinct: number; transitions: number }[] }).results[0];
    expect(res(two)).toMatchObject({ frontier: res(one).frontier, distinct: res(one).distinct, transitions: res(one).transitions });
    expect(r.stdout.join('\n')).toMatch(/2 worker\(s\)/);
  }, 120_000);

  test('a time budget that ends early says how far it got', async () => {
    const r = await runMain(exploreMain, ['--scope', 'tiny', '--depth', '9', '--time', '1s', '--out', tmpDir('s2check-explore-')]);
    expect(r.code).toBe(0);
    expect(r.stdout.at(-1)).toMatch(/^stopped by the budget: every trace of ≤ \d+ steps in scope tiny explored \(\d+ distinct states\), depth \d+\.\.9 only in part$/);
  }, 60_000);

  test('--print-scope prints a scope file that parses back to the same alphabet', async () => {
    const r = await runMain(exploreMain, ['--scope', 'small', '--print-scope']);
    expect(r.code).toBe(0);
    expect(parseScope(JSON.parse(r.stdout.join('\n'))).alphabet).toEqual(parseScope(SCOPES.small).alphabet);
  });

  test.each([
    [['--scope', 'huge'], /^error: --scope: unknown scope "huge"; built in: tiny, small, or a FILE\.json$/],
    [['--depth', '0'], /^error: --depth: expected a positive integer/],
    [['--bugs', 'nope'], /^error: --bugs/],
    [['--workers', '2', '--iddfs'], /^error: --workers: splits a breadth-first frontier/],
  ])('bad flags %j: one line, exit 2', async (args, message) => {
    const r = await runMain(exploreMain, [...args, '--out', tmpDir('s2check-explore-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
  });

  test('a scope file with a bad field: one line naming it, exit 2', async () => {
    const dir = tmpDir('s2check-explore-');
    const file = path.join(dir, 'scope.json');
    fs.writeFileSync(file, JSON.stringify({ ...SCOPES.tiny, kinds: ['read', 'jump'] }));
    const r = await runMain(exploreMain, ['--scope', file, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^error: --scope: scope\.json: .*kinds\[1\].*jump/);
    fs.writeFileSync(file, JSON.stringify({ ...SCOPES.tiny, slots: [{ op: 'setMemslot', slot: 0 }] }));
    const r2 = await runMain(exploreMain, ['--scope', file, '--out', dir]);
    expect(r2.code).toBe(2);
    expect(r2.stderr[0]).toMatch(/^error: --scope: scope\.json: scope\.slots\[0\]/);
  });
});
