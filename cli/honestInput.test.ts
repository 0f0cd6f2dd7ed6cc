/**
 * No silent success and no silent misreading: a run that checked nothing, extra arguments, a second
 * run into a busy --out, unbounded or mis-encoded input, duplicate keys, absurd nesting: each is one
 * line naming the problem and exit 2; several traces replay one after the other.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fuzzMain } from './fuzz';
import { replayMain } from './replay';
import { lockDir, MAX_INPUT_BYTES } from './args';
import { captureIo } from './io';
import { runMain, testdata, tmpDir } from './testkit';

const dir = tmpDir('s2check-honest-');
const clean = fs.readFileSync(testdata('clean.trace.json'), 'utf8');

function expectOneLine(r: { code: number; stderr: string[] }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.join('\n').split('\n').filter((l) => l.trim() !== '');
  expect(lines).toEqual([expect.stringMatching(pattern)]);
}

const write = (name: string, data: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};

describe('fuzz: no silent success', () => {
  test('a budget that ends before any run finished is exit 2, not a clean report', async () => {
    expectOneLine(await runMain(fuzzMain, ['--time', '1ms', '--out', path.join(dir, 'tiny')]), /--time: the budget ended before any run finished .*nothing was checked/);
  });

  test('the time budget starts once the worker threads have loaded: a 1 s run on 2 workers does run', async () => {
    const out = path.join(dir, 'startup');
    const r = await runMain(fuzzMain, ['--time', '1s', '--workers', '2', '--out', out]);
    expect(r.code).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { runs: number; seconds: number };
    expect(s.runs).toBeGreaterThan(0);
    expect(s.seconds).toBeLessThan(5);
  }, 60_000);

  test('a run interrupted before any run finished is exit 2 too, and still leaves a valid report', async () => {
    const out = path.join(dir, 'interrupted');
    const ac = new AbortController();
    ac.abort();
    const cap = captureIo();
    const code = await fuzzMain(['--time', '10s', '--workers', '2', '--out', out], cap, ac.signal);
    expect(code).toBe(2);
    expect(cap.stderr).toEqual([expect.stringMatching(/signal: interrupted before any run finished/)]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'))).toMatchObject({ stop: 'signal', runs: 0 });
  }, 60_000);

  test('an extra argument is refused', async () => {
    expectOneLine(await runMain(fuzzMain, ['extra-arg', '--runs', '1', '--out', path.join(dir, 'extra')]), /too many arguments/);
  });

  test('--out under /proc fails at once', async () => {
    expectOneLine(await runMain(fuzzMain, ['--runs', '1', '--out', '/proc/s2check-x/y']), /--out: cannot write to \/proc\/s2check-x\/y/);
  });

  test('a second run into a busy --out is refused; a stale lock is taken over', async () => {
    const out = path.join(dir, 'busy');
    fs.mkdirSync(out);
    const held = lockDir(out);
    // This very process holds it, as another live run would.
    expectOneLine(await runMain(fuzzMain, ['--runs', '1', '--out', out]), new RegExp(`--out: .*busy is in use by another run \\(pid ${process.pid}\\)`));
    held.release();
    expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);
    fs.writeFileSync(path.join(out, '.lock'), '999999999\n'); // no such process
    const r = await runMain(fuzzMain, ['--runs', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);
  });

  test('--workers above the core count warns', async () => {
    const n = String(os.cpus().length + 1);
    const r = await runMain(fuzzMain, ['--runs', n, '--workers', n, '--out', path.join(dir, 'many')]);
    expect(r.stderr.join('\n')).toMatch(new RegExp(`warning: --workers ${n} is more than this machine's \\d+ cores`));
    expect(r.code).toBe(0);
  }, 120_000);

  test('merge without --corpus says every finding counts as new', async () => {
    const out = path.join(dir, 'm1');
    expect((await runMain(fuzzMain, ['--runs', '5', '--out', out])).code).toBe(0);
    const r = await runMain(fuzzMain, ['merge', out, '--out', path.join(dir, 'merged')]);
    expect(r.stderr.join('\n')).toMatch(/no --corpus given: every finding counts as new/);
  });
});

describe('trace input', () => {
  test('several traces replay one after the other; the worst verdict is the exit code', async () => {
    const r = await runMain(replayMain, ['--quiet', testdata('clean.trace.json'), testdata('zero-page.finding.json')]);
    expect(r.stdout.filter((l) => l.startsWith('== '))).toHaveLength(2);
    expect(r.stdout.filter((l) => /^(PASS|FAIL)/.test(l))).toEqual([expect.stringMatching(/^PASS/), expect.stringMatching(/^FAIL/)]);
    expect(r.code).toBe(1);
  });

  test('- reads standard input', () => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'replay.ts'), '--quiet', '-'], { input: clean, encoding: 'utf8', cwd: path.join(__dirname, '..') });
    expect(r.stdout).toMatch(/PASS: 4 steps/);
    expect(r.status).toBe(0);
  }, 60_000);

  test('an endless input (/dev/zero) fails fast, a too big file at once', async () => {
    expectOneLine(await runMain(replayMain, ['/dev/zero']), /trace: \/dev\/zero has more than the 16 MiB an input may have/);
    const big = write('big.json', Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20));
    expectOneLine(await runMain(replayMain, [big]), /big\.json has \d+ bytes, more than the 16 MiB/);
  });

  test('a UTF-8 BOM or a UTF-16 file gets a message saying so', async () => {
    expectOneLine(await runMain(replayMain, [write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(clean)]))]), /starts with a UTF-8 byte-order mark/);
    expectOneLine(await runMain(replayMain, [write('u16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(clean, 'utf16le')]))]), /is UTF-16 encoded/);
  });

  test('a duplicate key is an error naming it', async () => {
    expectOneLine(await runMain(replayMain, [write('dup.json', clean.replace('"iaBits": 40', '"iaBits": 40, "iaBits": 36'))]), /config\.iaBits: duplicate key "iaBits"/);
    expectOneLine(await runMain(replayMain, [write('dup2.json', clean.replace('"slot": 0,', '"slot": 0, "slot": 1,'))]), /steps\[1\]\.slot: duplicate key "slot"/);
  });

  test('a 5000-deep value is one error line, not a crash', async () => {
    let deep = '{"x":1}';
    for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
    expectOneLine(await runMain(replayMain, [write('deep.json', clean.replace('"hva": "0x7f0000000000"', `"hva": ${deep}`))]), /steps\[0\]\.hva.*: nested deeper than 64 levels/);
    const cfg = write('deepcfg.json', `{"granule": ${deep}}`);
    expectOneLine(await runMain(replayMain, [testdata('clean.trace.json'), '--config', cfg]), /--config: .*nested deeper than 64 levels/);
  });

  test('granule errors list the allowed values, in traces and in --config', async () => {
    expectOneLine(await runMain(replayMain, [write('gran.json', clean.replace('"granule": 4096', '"granule": 1234'))]), /config\.granule: expected one of 4096, 16384, 65536, got 1234/);
    const cfg = write('gcfg.json', '{"granule": 8192}');
    expectOneLine(await runMain(replayMain, [testdata('clean.trace.json'), '--config', cfg]), /--config: .*config\.granule: expected one of 4096, 16384, 65536, got 8192/);
  });
});
