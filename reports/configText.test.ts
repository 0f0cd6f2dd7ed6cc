/** Report headers show the whole config, and summary.md's replay line is a command that works for any --out. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configText, shellQuote } from './configText';
import { fuzz } from '../cli/fuzzRun';
import { DEFAULT_CONFIG } from '../model/types';

describe('report headers', () => {
  test('every config key is shown, drawn ones as drawn, the defaults of optional keys spelled out', () => {
    expect(configText({ ...DEFAULT_CONFIG, bugs: ['ro-device-writable'] }, ['fwb', 'iaBits'])).toBe(
      'granule 4096, iaBits drawn, fwb drawn, dic false, nisvToUser false, cmoPolicy mainline, protectedVm false, hwAccessFlag false, tlbiRange false, eagerSplit false, kernel mainline, thp never, bugs [ro-device-writable]');
    expect(configText({ ...DEFAULT_CONFIG, kernel: '6.1', protectedVm: true, bugs: [] }, [])).toMatch(/protectedVm true, hwAccessFlag false, tlbiRange false, eagerSplit false, kernel 6\.1, thp never, bugs \[\]$/);
  });

  test('shellQuote makes one word of any path', () => {
    expect(shellQuote('reports/out/a.json')).toBe('reports/out/a.json');
    const odd = "/tmp/it's a dir/f.json";
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(odd)}`], { encoding: 'utf8' })).toBe(odd);
  });

  test('summary.md: the config line, and a replay command naming a finding that exists, quoted, for an --out with a space', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 's2 report '));
    await fuzz({ config: { ...DEFAULT_CONFIG, bugs: ['ro-device-writable'] }, draw: [], seed: 1, shard: { index: 0, count: 1 }, workers: 1, seconds: null, runs: 60, outDir: out });
    const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain('- config: granule 4096, iaBits 40, fwb false, dic false, nisvToUser false, cmoPolicy mainline, protectedVm false, hwAccessFlag false, tlbiRange false, eagerSplit false, kernel mainline, thp never, bugs [ro-device-writable]');
    const m = /Replay one: `npm run replay -- (.*)`/.exec(md);
    expect(m).not.toBeNull();
    const file = execFileSync('sh', ['-c', `printf %s ${m?.[1] ?? ''}`], { encoding: 'utf8' });
    expect(fs.existsSync(file)).toBe(true);
    expect(path.dirname(file)).toBe(out);
  }, 60_000);
});
