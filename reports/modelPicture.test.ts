/** A finding's report draws the specification's mapping beside the impl's, with the permissions as text, so "rw vs r" reads at a glance. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describeFinding } from '../cli/describe';
import { parseTraceText } from '../properties/trace';
import { ipaSvg } from './picture';

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
