/** A finding's report draws the specification's mapping beside the impl's, with the permissions as text, so "rw vs r" reads at a glance. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describeFinding } from '../cli/describe';
import { parseTraceText } from '../properties/trace';
import { ipaSvg } from './picture';
import { summaryFor, tmpRoot } from './testkit';
import { findingsOf, writeReport } from './writer';

test('ro-device-writable: the impl maps the READONLY slot rw-, the model r--, and the picture says so', () => {
  const t = parseTraceText(readFileSync(join(__dirname, 'corpus', 'ro-device-writable.json'), 'utf8'));
  const d = describeFinding(t);
  const at = (ms: { ipa: number; size: number; perms: { r: boolean; w: boolean } }[] | undefined) => ms?.find((m) => m.ipa <= 0x40000000 && 0x40000000 < m.ipa + m.size)?.perms;
  expect(at(d.after?.maplets)).toMatchObject({ r: true, w: true });
  expect(at(d.model?.maplets)).toMatchObject({ r: true, w: false });
  const svg = ipaSvg(d.model ?? { slots: [], maplets: [] }, 'model', d.highlight);
  expect(svg).toContain('<text class="perms"');
  expect(svg).toContain('>r--</text>');
  expect(ipaSvg(d.after ?? { slots: [], maplets: [] }, 'impl', d.highlight)).toContain('>rw-</text>');
});

test('the HTML report carries the state after the failing step: split-without-bbm stores descriptors and allocates a table with no TLBI', () => {
  const t = parseTraceText(readFileSync(join(__dirname, 'corpus', 'split-without-bbm.json'), 'utf8'));
  const d = describeFinding(t);
  expect(d.state).toContainEqual(expect.stringMatching(/^notifier: mmu_invalidate_seq \d+, in progress 0$/));
  expect(d.state?.at(-1)).toMatch(/^effects: \d+ descriptor store\(s\), 1 table\(s\) allocated, 0 freed; DC CIVAC pa 0x[0-9a-f]+\+0x1000$/);
  const dir = tmpRoot();
  const { summary, set } = summaryFor('state', '0/1', [t]);
  writeReport(dir, summary, findingsOf(set), describeFinding);
  const html = readFileSync(join(dir, 'summary.html'), 'utf8');
  expect(html).toContain(`<h4>State after step ${t.found?.step}</h4><pre class="state">notifier: mmu_invalidate_seq`);
});

test('no-mmu-seq-retry read from the HTML alone: the fault in flight with its sampled seq and pfn before the failing step, the invalidation, the stale leaf decoded after it', () => {
  const t = parseTraceText(readFileSync(join(__dirname, 'corpus', 'no-mmu-seq-retry.json'), 'utf8'));
  const dir = tmpRoot();
  const { summary, set } = summaryFor('seq', '0/1', [t]);
  writeReport(dir, summary, findingsOf(set), describeFinding);
  const html = readFileSync(join(dir, 'summary.html'), 'utf8');
  const k = t.found?.step ?? -1;
  const before = html.slice(html.indexOf(`<h4>State before step ${k}`), html.indexOf(`<h4>State after step ${k}`));
  expect(before).toMatch(/fault in flight at 0x[0-9a-f]+: sampled seq \d+, resolved pfn 0x[0-9a-f]+/);
  expect(before).toMatch(/notifier: mmu_invalidate_seq \d+, in progress 1, gfns \[0x40000, 0x40200\)/); // the invalidation it raced
  expect(html).toMatch(/<text class="perms"[^>]*>r[w-]-<\/text>/);
});
