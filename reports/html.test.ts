/** The HTML report in a real headless browser (Debian chromium): the IPA pictures render with slots, leaves and the violating page. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseTraceText } from '../properties/trace';
import { describeFinding } from '../cli/describe';
import { FindingSet } from './dedup';
import { summaryFor, tmpRoot } from './testkit';
import { findingsOf, writeReport } from './writer';

const CHROMIUM = ['chromium', 'chromium-browser'].map((c) => spawnSync('which', [c], { encoding: 'utf8' }).stdout.trim()).find((p) => p !== '');

function chromium(args: string[], userDir: string): { stdout: string; status: number | null } {
  const r = spawnSync(CHROMIUM as string, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${userDir}`, '--window-size=1200,900', ...args,
  ], { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout ?? '', status: r.status };
}

const finding = parseTraceText(fs.readFileSync(path.join(__dirname, '..', 'cli', 'testdata', 'zero-page.finding.json'), 'utf8'));

/** Write a report with the one finding, its outcome table and pictures. */
function report(): string {
  const dir = path.join(tmpRoot(), 'html-run');
  const set = new FindingSet();
  set.add(finding);
  writeReport(dir, summaryFor('html-run', '0/1', [finding]).summary, findingsOf(set), describeFinding);
  return dir;
}

test('summary.html is self-contained and carries both pictures in the markup', () => {
  const html = fs.readFileSync(path.join(report(), 'summary.html'), 'utf8');
  expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  expect(html.match(/<svg [^>]*class="ipa"/g)).toHaveLength(2);
  expect(html).toContain('data-memtype="device"');
  expect(html).toContain('class="violating" data-ipa="0x40002000"');
  expect(html).toContain('data-slot="0"');
  expect(html).toMatch(/<tr class="bad"><td>3<\/td><td>access/);
});

const maybe = CHROMIUM ? test : test.skip;
if (!CHROMIUM) console.warn('SKIPPED html browser test: chromium is not installed (apt-get install chromium)');

maybe('headless chromium renders the IPA pictures (dump-dom + screenshot)', () => {
  const dir = report();
  const url = `file://${path.join(dir, 'summary.html')}`;
  const dom = chromium(['--dump-dom', url], tmpRoot());
  expect(dom.status).toBe(0);
  // The page's script stamps each rendered picture with its laid-out size and leaf count.
  const stamps = [...dom.stdout.matchAll(/class="ipa"[^>]*data-rendered="(\d+)x(\d+):(\d+)"/g)];
  expect(stamps).toHaveLength(2);
  for (const [, w, h] of stamps) {
    expect(Number(w)).toBeGreaterThan(500);
    expect(Number(h)).toBeGreaterThan(50);
  }
  expect(Number(stamps[1][3])).toBeGreaterThan(Number(stamps[0][3])); // the failing step installed the leaf
  // the zero page, mapped by the failing read as a read-write Device page (the 2014 behaviour)
  expect(dom.stdout).toMatch(/<g class="leaf" data-ipa="0x40002000"[^>]*data-perms="rw-" data-memtype="device"/);
  expect(dom.stdout).toMatch(/<rect class="violating" data-ipa="0x40002000"/);
  const png = path.join(dir, 'summary.png');
  const shot = chromium([`--screenshot=${png}`, url], tmpRoot());
  expect(shot.status).toBe(0);
  expect(fs.statSync(png).size).toBeGreaterThan(10_000);
  expect(fs.readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  console.log(`html report screenshot: ${png}`);
}, 120_000);
