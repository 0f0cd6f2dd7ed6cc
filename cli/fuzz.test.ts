/** fuzz with a tiny budget: a schema-valid report, deterministic findings for (seed, shard), findings that replay. */
import * as fs from 'fs';
import * as path from 'path';
import { parseTraceText } from '../properties/trace';
import { signatureOf } from '../reports/dedup';
import { parseSummary } from '../reports/schema';
import { fuzzMain } from './fuzz';
import { runMain, tmpDir } from './testkit';

const ARGS = ['--runs', '20', '--seed', '8', '--max-steps', '12', '--shard', '1/3', '--bugs', 'zero-page-device-rw'];

/** The report's files and their bytes (summary.json without its timing fields). */
function reportFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('finding-')).sort()) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  return out;
}

describe('fuzz --runs (deterministic budget)', () => {
  const a = tmpDir('s2check-fuzz-a-');
  const b = tmpDir('s2check-fuzz-b-');
  let codeA = -1;
  let codeB = -1;

  beforeAll(async () => {
    codeA = (await runMain(fuzzMain, [...ARGS, '--out', a])).code;
    codeB = (await runMain(fuzzMain, [...ARGS, '--out', b, '--json'])).code;
  });

  test('writes a schema-valid summary.json, summary.md and a self-contained summary.html', () => {
    const s = parseSummary(JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8')));
    expect(s.runs).toBe(20);
    expect(s.shards).toEqual(['1/3']);
    expect(s.seed).toBe(8);
    expect(s.stop).toBe('runs');
    expect(s.config.bugs).toEqual(['zero-page-device-rw']);
    expect(s.steps).toBeGreaterThan(0);
    expect(s.generator.steps).toBeGreaterThan(0);
    expect(Object.keys(s.invariantChecks)).toEqual(expect.arrayContaining(['OUTCOME_EQUAL', 'RO_SLOT_NEVER_WRITABLE', 'NO_STALE_PFN']));
    // Counted over every searched step, not a sample: every check ran on each; OUTCOME_EQUAL has a case on each.
    expect(new Set(Object.values(s.invariantChecks)).size).toBe(1);
    expect(s.invariantCases?.OUTCOME_EQUAL).toBe(s.invariantChecks.OUTCOME_EQUAL);
    expect(s.invariantChecks.OUTCOME_EQUAL).toBeLessThanOrEqual(s.steps);
    expect(fs.readFileSync(path.join(a, 'summary.md'), 'utf8')).toMatch(/\| invariant \| checks \| cases \|/);
    const shareSum = Object.values(s.generator.share.ops).reduce((x, y) => x + y, 0);
    expect(shareSum).toBeCloseTo(1, 6);
    expect(fs.readFileSync(path.join(a, 'summary.md'), 'utf8')).toContain(`${s.runs} runs`);
    const html = fs.readFileSync(path.join(a, 'summary.html'), 'utf8');
    expect(html).toContain('<h1>s2check run');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(codeA).toBe(s.findings.length > 0 ? 1 : 0);
  });

  test('every finding is a shrunk s2check-trace/1 with found, named by its signature hash', () => {
    const s = parseSummary(JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8')));
    for (const f of s.findings) {
      const t = parseTraceText(fs.readFileSync(path.join(a, f.file), 'utf8'));
      expect(t.found?.invariant).toBe(f.invariant);
      expect(f.file).toBe(`finding-${signatureOf(t)?.hash}.json`);
      expect(t.steps[f.step].op).toBe(f.op);
    }
  });

  test('the same (seed, shard) gives the same findings, byte for byte', () => {
    expect(codeB).toBe(codeA);
    expect(Object.keys(reportFiles(a)).length).toBeGreaterThan(0); // the bug is on: not a vacuous comparison
    expect(reportFiles(b)).toEqual(reportFiles(a));
    const sa = parseSummary(JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8')));
    const sb = parseSummary(JSON.parse(fs.readFileSync(path.join(b, 'summary.json'), 'utf8')));
    expect({ ...sb, run: '', seconds: 0, stepsPerSecond: 0, runsPerSecond: 0 }).toEqual({ ...sa, run: '', seconds: 0, stepsPerSecond: 0, runsPerSecond: 0 });
  });
});

test('--time ends the run by the clock and records it', async () => {
  const dir = tmpDir('s2check-fuzz-t-');
  const r = await runMain(fuzzMain, ['--time', '1500ms', '--seed', '3', '--max-steps', '10', '--out', dir]);
  const s = parseSummary(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')));
  expect(s.stop).toBe('time');
  expect(s.seconds).toBeGreaterThanOrEqual(1.4);
  expect(r.code).toBe(s.findings.some((f) => f.known === undefined) ? 1 : 0); // known kernel findings alone exit 0
  expect(r.stdout[0]).toMatch(/^s2check fuzz: seed 3, shard 0\/1/);
});
