/** An interrupted fuzz run (SIGTERM to a spawned process) still leaves a valid summary of what it did. */
import * as fs from 'fs';
import * as path from 'path';
import { parseSummary } from '../reports/schema';
import { spawnCli, tmpDir } from './testkit';

test('SIGTERM mid-run: exit promptly with a valid, atomic summary marked interrupted', async () => {
  const dir = tmpDir('s2check-int-');
  const child = spawnCli('fuzz', ['--time', '10m', '--seed', '11', '--max-steps', '15', '--out', dir]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Wait for the banner (ts-node compile done, fuzzing started), let it run a moment, then stop it.
  const deadline = Date.now() + 45_000;
  while (!out.includes('s2check fuzz:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(out).toContain('s2check fuzz: seed 11');
  await new Promise((r) => setTimeout(r, 1500));
  const sent = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  expect(Date.now() - sent).toBeLessThan(20_000);
  expect(err).not.toMatch(/\n\s+at /);
  const s = parseSummary(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')));
  expect(s.stop).toBe('signal');
  expect(s.interrupted).toBe(true);
  expect(s.runs).toBeGreaterThan(0);
  expect(code).toBe(s.findings.some((f) => f.known === undefined) ? 1 : 0); // known kernel findings alone exit 0
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}, 90_000);
