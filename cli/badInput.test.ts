/** Bad input to every command: one line on stderr naming the problem, exit code 2, no stack trace. */
import * as fs from 'fs';
import * as path from 'path';
import { fuzzMain } from './fuzz';
import { mutantsMain } from './mutants';
import { replayMain } from './replay';
import { runMain, testdata, tmpDir } from './testkit';

const dir = tmpDir('s2check-bad-');
const clean = fs.readFileSync(testdata('clean.trace.json'), 'utf8');

/** Write a variant of the clean trace. */
function traceFile(name: string, edit: (text: string) => string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, edit(clean));
  return f;
}

function expectOneLine(r: { code: number; stdout: string[]; stderr: string[] }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.join('\n').split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(/\n\s+at /);
}

describe('replay: malformed traces', () => {
  const cases: [string, (t: string) => string, RegExp][] = [
    ['bad JSON', (t) => t.replace('"steps": [', '"steps": [,'), /bad JSON at line \d+ col \d+/],
    ['unknown op', (t) => t.replace('"op": "access", "vcpu": 0, "ipa": "0x40002000"', '"op": "acess", "vcpu": 0, "ipa": "0x40002000"'), /steps\[3\]\.op.*unknown op "acess"/],
    ['missing field', (t) => t.replace('"slot": 0, ', ''), /steps\[1\]\.slot: required field missing/],
    ['non-hex address', (t) => t.replace('"ipa": "0x40001000"', '"ipa": "40001000"'), /steps\[2\]\.ipa/],
    ['wrong format version', (t) => t.replace('s2check-trace/1', 's2check-trace/2'), /format: expected "s2check-trace\/1"/],
    ['unknown bug name', (t) => t.replace('"bugs": []', '"bugs": ["no-such-bug"]'), /config\.bugs\[0\].*no-such-bug/],
  ];
  test.each(cases)('%s', async (name, edit, pattern) => {
    const f = traceFile(`${name.replace(/ /g, '-')}.json`, edit);
    expectOneLine(await runMain(replayMain, [f]), pattern);
  });

  test('missing file', async () => {
    expectOneLine(await runMain(replayMain, [path.join(dir, 'nope.json')]), /cannot read .*nope\.json: ENOENT/);
  });

  test('--bugs with an unknown name', async () => {
    expectOneLine(await runMain(replayMain, [testdata('clean.trace.json'), '--bugs', 'zero-page-device-rw,bogus']), /--bugs: unknown historical bug 'bogus'/);
  });

  test('--config with a bad field', async () => {
    const cfg = path.join(dir, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify({ cmoPolicy: 'proposal2099' }));
    expectOneLine(await runMain(replayMain, [testdata('clean.trace.json'), '--config', cfg]), /--config: .*config\.cmoPolicy/);
  });
});

describe('fuzz: bad flags', () => {
  const cases: [string[], RegExp][] = [
    [['--time', 'abc'], /--time: expected a duration like 30s, 10m or 1h, got "abc"/],
    [['--shard', '3/2'], /--shard: index must be in 0\.\.n-1/],
    [['--shard', 'x'], /--shard: expected i\/n/],
    [['--workers', '0'], /--workers: expected a positive integer, got "0"/],
    [['--runs', '-5'], /--runs: expected a positive integer/],
    [['--bugs', 'nope'], /--bugs: unknown historical bug 'nope'/],
    [['--seed', '1.5'], /--seed: expected an integer/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ];
  test.each(cases)('%j', async (argv, pattern) => {
    expectOneLine(await runMain(fuzzMain, [...argv, '--out', path.join(dir, 'never')]), pattern);
  });

  test('unwritable --out', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    expectOneLine(await runMain(fuzzMain, ['--runs', '1', '--out', path.join(file, 'sub')]), /--out: cannot write to .*a-file\/sub: (ENOTDIR|EEXIST)/);
  });

  test('merge of a directory without a report', async () => {
    expectOneLine(await runMain(fuzzMain, ['merge', dir, '--out', path.join(dir, 'merged')]), /summary\.json: not a valid s2check-summary\/1/);
  });
});

describe('mutants: bad flags', () => {
  test('--time-per-bug abc', async () => {
    expectOneLine(await runMain(mutantsMain, ['--time-per-bug', 'abc']), /--time-per-bug: expected a duration/);
  });
  test('--only with an unknown name', async () => {
    expectOneLine(await runMain(mutantsMain, ['--only', 'nope']), /--bugs: unknown historical bug 'nope'/);
  });
});

test('--help exits 0 and documents the flags', async () => {
  for (const [main, flag] of [[fuzzMain, '--shard'], [replayMain, '--step'], [mutantsMain, '--time-per-bug']] as const) {
    const r = await runMain(main, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.join('\n')).toContain(flag);
  }
});
